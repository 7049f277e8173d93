"""Open data (SPEC.md §10): an article's dataset as a Frictionless Data Package, served as a
streamed zip and written by `forum export`, and one prediction's forecasts as CSV."""

from flask import Blueprint

bp = Blueprint("open_data", __name__)
