"""The predictions board: posting, forecasting and voting."""

from flask import Blueprint

bp = Blueprint("board", __name__)

from forum.board import feeds, routes  # noqa: F401
