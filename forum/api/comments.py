"""Comments and votes on comments."""

from forum.api import bp  # noqa: F401
