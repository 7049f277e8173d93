"""The OpenAPI 3.1 document of this API."""

from forum.api import bp  # noqa: F401
