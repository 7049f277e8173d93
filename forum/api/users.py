"""Public profiles and their scores."""

from forum.api import bp  # noqa: F401
