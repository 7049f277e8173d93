"""Accounts: register, log in and out, settings, sessions and API tokens."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
