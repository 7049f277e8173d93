"""Resolving, correcting and annulling predictions (moderators)."""

from forum.api import bp  # noqa: F401
