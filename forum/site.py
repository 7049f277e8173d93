"""The site's public address, `SITE_URL` (SPEC.md §5).

Every absolute link (Atom feeds, API `url` fields, canonical links, links in emails) is built
from `SITE_URL` by `absolute_url`, never from what a client sends: not `Host`, not
`X-Forwarded-Host` or `-Proto`. A page's body therefore can't be poisoned through a header,
and the anonymous page cache needn't (and doesn't) key on any of them.

In production Flask's `TRUSTED_HOSTS` holds SITE_URL's host: a request for any other host is
refused with 400, answered with the site's own error page (or JSON error), whose links point
at SITE_URL too.
"""

import contextlib
import weakref
from urllib.parse import quote, urlsplit

from flask import Flask, current_app, request
from werkzeug.exceptions import BadRequest, SecurityError
from werkzeug.routing import MapAdapter

DEVELOPMENT_SITE_URL = "http://127.0.0.1:5000"
_FOREIGN_HOST = "forum.foreign_host"


def parse_site_url(value: str) -> str:
    """SITE_URL as `scheme://host[:port][/path]`, without a trailing slash; anything else
    (another scheme, no host, a query, a fragment, a user name) is a start-up error."""
    try:
        parts = urlsplit(value.strip())
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        parts, port_ok = None, False
    if (parts is None or not port_ok or parts.scheme not in ("http", "https")
            or not parts.hostname or parts.query or parts.fragment or "@" in parts.netloc):
        raise RuntimeError(
            f"SITE_URL must be the site's public base URL, like https://forum.example.org "
            f"(got {value!r}).")
    return f"{parts.scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def site_hostname(app: Flask | None = None) -> str:
    """SITE_URL's host name, without the port (what TRUSTED_HOSTS and tag: URIs hold)."""
    return urlsplit((app or current_app).config["SITE_URL"]).hostname or ""


def _site_adapter(app: Flask, **bind) -> MapAdapter:
    parts = urlsplit(app.config["SITE_URL"])
    return app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                            url_scheme=parts.scheme, **bind)


def absolute_url(endpoint: str, *, _anchor: str | None = None, **values) -> str:
    """The absolute URL of an endpoint under SITE_URL (what `url_for(..., _external=True)`
    would give if the request came for SITE_URL, whatever it actually came for)."""
    app = current_app._get_current_object()
    site_url, adapter = app.extensions.get("site_url_adapter", (None, None))
    if adapter is None or site_url != app.config["SITE_URL"]:  # built once per SITE_URL
        adapter = _site_adapter(app)
        app.extensions["site_url_adapter"] = (app.config["SITE_URL"], adapter)
    app.inject_url_defaults(endpoint, values)
    url = adapter.build(endpoint, values, force_external=True)
    if _anchor:
        url += "#" + quote(_anchor, safe="%!#$&'()*+,/:;=?@")
    return url


class Forum(Flask):
    """Flask, answering a request for a host outside TRUSTED_HOSTS with the site's own 400
    (and keeping `ensure_sync`'s answers).

    Flask checks TRUSTED_HOSTS while it builds the request's URL adapter, and on failure has
    no adapter at all, so even the error page could not build its links. Here the request
    gets an adapter bound to SITE_URL instead, and is refused before any `before_request`
    hook (the page cache among them) sees it."""

    def create_url_adapter(self, request) -> MapAdapter | None:
        try:
            return super().create_url_adapter(request)
        except SecurityError:
            if request is None:
                raise
            request.environ[_FOREIGN_HOST] = True
            request.host = urlsplit(self.config["SITE_URL"]).netloc
            return _site_adapter(self, path_info=request.path, default_method=request.method,
                                 query_args=request.query_string)

    def preprocess_request(self):
        if request.environ.get(_FOREIGN_HOST):
            raise BadRequest("This site answers only at its own address.")
        return super().preprocess_request()

    def ensure_sync(self, func):
        """Flask's, with its answer kept for each plain function: Flask asks `inspect` whether
        every hook and the view are coroutine functions on every request, a dozen times a
        request. Weakly: a function made for one request (`after_this_request`) is not kept
        alive by it."""
        synced = self.__dict__.get("_synced")
        if synced is None:
            synced = self.__dict__.setdefault("_synced", weakref.WeakKeyDictionary())
        try:
            if func in synced:
                return func
        except TypeError:  # unhashable: asked every time
            return super().ensure_sync(func)
        made = super().ensure_sync(func)
        if made is func:  # a coroutine function's wrapper is made again each time (rare)
            with contextlib.suppress(TypeError):  # no weak reference to it: asked every time
                synced[func] = True
        return made


def configure(app: Flask, production: bool) -> None:
    """Read SITE_URL (the development default, or a start-up error in production) and, in
    production, trust no other host."""
    if not app.config.get("SITE_URL"):
        if production:
            raise RuntimeError("FORUM_ENV=production needs SITE_URL set in the environment.")
        app.config["SITE_URL"] = DEVELOPMENT_SITE_URL
    app.config["SITE_URL"] = parse_site_url(app.config["SITE_URL"])
    if production and app.config.get("TRUSTED_HOSTS") is None:
        app.config["TRUSTED_HOSTS"] = [site_hostname(app)]


__all__ = ["DEVELOPMENT_SITE_URL", "Forum", "absolute_url", "configure", "parse_site_url",
           "site_hostname"]
