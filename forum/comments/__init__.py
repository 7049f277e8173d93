"""Threaded comments on predictions."""

from flask import Blueprint

bp = Blueprint("comments", __name__)
