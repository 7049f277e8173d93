"""Accounts: register, log in and out, settings, sessions and API tokens."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from forum.auth import account, export, recovery, routes, suspension  # noqa: F401
