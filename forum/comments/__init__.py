"""Threaded comments on predictions."""

from flask import Blueprint

bp = Blueprint("comments", __name__)

from forum.comments import routes  # noqa: F401
