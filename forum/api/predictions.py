"""Predictions, forecasts and votes on predictions."""

from forum.api import bp  # noqa: F401
