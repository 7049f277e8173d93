"""Absolute links for emails, built from SITE_URL (never from a request's Host header)."""

from flask import current_app, has_request_context, request


def site_url() -> str:
    """The public base URL: SITE_URL when configured, else this request's, else the
    development default."""
    configured = current_app.config.get("SITE_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return "http://127.0.0.1:5000"


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of an endpoint, in a request or in a background job."""
    anchor = values.pop("_anchor", None)
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return site_url() + path + (f"#{anchor}" if anchor else "")
