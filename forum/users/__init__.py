"""Public profiles: stats, calibration, scores and activity."""

from flask import Blueprint

bp = Blueprint("users", __name__)
