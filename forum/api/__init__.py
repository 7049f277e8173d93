"""The JSON API of SPEC.md §7, under /api/v1."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from forum.api import (  # noqa: F401
    articles,
    auth,
    comments,
    leaderboard,
    openapi,
    predictions,
    resolution,
    tokens,
    users,
)
