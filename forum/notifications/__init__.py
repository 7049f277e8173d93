"""In-app notifications: the inbox and marking as read."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)
