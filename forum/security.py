"""Response headers that every page carries (Content-Security-Policy and friends), and the
CSRF token as pages print it."""

import time

from flask import Flask, abort, current_app, g, request, session
from flask_wtf.csrf import generate_csrf

from forum.errors import Invalid
from forum.headers import add_missing
from forum.worker_cache import worker_cache

SIGNED_TOKENS_KEPT = 4_000_000  # bytes per worker: a session token and its signed form, ~140

CSP = "; ".join([  # noqa: FLY002 (one directive a line reads better)
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
])


def csrf_token() -> str:
    """The request's CSRF token, exactly as Flask-WTF's `generate_csrf` makes it, with each
    session's signed token kept per worker for the second it was signed in (the shared parts
    of pages put it in with this; templates rendered whole call Flask-WTF's, once a request).

    Flask-WTF signs the session's random token anew for every request (deriving a key, an
    HMAC, a timestamp): on a member's kept page that was a twentieth of its time. Its
    timestamp counts whole seconds, so within one second it signs the same token; kept under
    the second, a token is the one Flask-WTF would give, and it changes every second as
    Flask-WTF's does. A token that never changed would be a fixed secret in every compressed
    page, which is what BREACH-style attacks on compression need. The key holds the secret
    and the session's own token, so no session ever gets another's.
    """
    config = current_app.config
    name = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if name in g:
        return generate_csrf()
    raw = session.get(name)
    if not isinstance(raw, str):  # none yet: Flask-WTF starts one
        return generate_csrf()
    secret = config.get("WTF_CSRF_SECRET_KEY", current_app.secret_key)  # as Flask-WTF's
    if not isinstance(secret, str | bytes):  # None (Flask-WTF refuses it), or a list of keys
        return generate_csrf()
    kept = worker_cache("signed_csrf_tokens", SIGNED_TOKENS_KEPT)
    key = (secret, name, raw, int(time.time()))  # itsdangerous's timestamp: int(time.time())
    signed = kept.get(key)
    if signed is None:
        signed = generate_csrf()
        kept.put(key, signed, weight=len(raw) + len(signed))
    else:
        setattr(g, name, signed)  # where generate_csrf looks first, for the rest of the request
    return signed


def register(app: Flask) -> None:
    """Add the security headers to every response; HSTS in production only."""
    defaults = (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                ("Referrer-Policy", "strict-origin-when-cross-origin"),
                ("X-Frame-Options", "DENY"))
    if app.config["FORUM_ENV"] == "production":
        defaults += (("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),)

    @app.before_request
    def refuse_nul_characters():
        # No stored text holds NUL (inputs refuse it), and PostgreSQL can't even compare
        # with it: answer here, once, instead of in every lookup.
        if "\x00" in request.path:
            abort(404)
        bad = sorted({name for name, value in request.args.items(multi=True)
                      if "\x00" in name or "\x00" in value})
        if bad:
            raise Invalid({name.replace("\x00", "") or "query": ["Remove the NUL character."]
                           for name in bad})

    @app.after_request
    def security_headers(response):
        add_missing(response.headers, defaults)
        return response
