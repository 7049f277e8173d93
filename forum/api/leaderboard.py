"""The leaderboard."""

from forum.api import bp  # noqa: F401
