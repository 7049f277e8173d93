"""The predictions board: posting, forecasting and voting."""

from flask import Blueprint

bp = Blueprint("board", __name__)
