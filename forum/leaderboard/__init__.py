"""Leaderboards of forecasting accuracy and the scoring rules in plain words."""

from flask import Blueprint

bp = Blueprint("leaderboard", __name__)
