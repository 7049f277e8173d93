"""Hosted articles: import from Markdown files, and the reading page."""

from flask import Blueprint

bp = Blueprint("articles", __name__)
