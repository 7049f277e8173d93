"""Moderation: resolutions, the queue, flags, hiding, suspensions, roles and the audit log."""

from flask import Blueprint

bp = Blueprint("moderation", __name__)
