"""Response headers that every page carries (Content-Security-Policy and friends)."""

from flask import Flask, abort, request

from forum.errors import Invalid

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


def register(app: Flask) -> None:
    """Add the security headers to every response; HSTS in production only."""
    production = app.config["FORUM_ENV"] == "production"

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
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if production:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
