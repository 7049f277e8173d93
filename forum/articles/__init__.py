"""Hosted articles: import from Markdown files, and the reading page."""

from flask import Blueprint

bp = Blueprint("articles", __name__)

from forum.articles import routes  # noqa: F401
