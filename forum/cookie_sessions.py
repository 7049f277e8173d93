"""Flask's signed-cookie sessions, with each verified cookie's contents kept for a while.

Every member's request carries the same session cookie, and Flask checks it from scratch each
time: it derives the signing key, computes the HMAC, inflates and parses the JSON, a tenth of a
kept page's time. A cookie is a fixed string, so what it verified to once it verifies to
again: each worker keeps the contents of the cookies it has verified (the exact string is the
key; a forged or altered cookie never verifies, so it is never kept), with the time they were
signed, and checks only their age against the session lifetime on the next request, as
itsdangerous would. Contents holding anything mutable (a list of messages to flash) are not
kept, so no request can change what the next one reads; every request gets its own copy.
"""

import time

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

from forum.headers import first_values, vary_on
from forum.worker_cache import WorkerCache

COOKIES_KEPT_BYTES = 2_000_000  # per worker: a member's cookie is about 250 characters
KEEP_SECONDS = 300  # a kept cookie is verified in full again after this
_IMMUTABLE = (str, int, float, bool, type(None))


class KeptCookieSessions(SecureCookieSessionInterface):
    """The app's session interface (forum/app.py)."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not app.secret_key:  # as Flask's: no session without a key
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        kept = app.extensions.get("session_cookies")
        if kept is None:
            kept = app.extensions.setdefault("session_cookies", WorkerCache(COOKIES_KEPT_BYTES))
        # A changed secret key verifies anew. The serializer is made only then: Flask makes
        # one for every request.
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()), value)
        found = kept.get(key, ttl=KEEP_SECONDS)
        if found is None:
            serializer = self.get_signing_serializer(app)
            try:
                data, signed = serializer.loads(value, max_age=max_age, return_timestamp=True)
            except BadSignature:  # altered, expired, or signed with another key
                return self.session_class()
            found = (data, int(signed.timestamp()))
            if isinstance(data, dict) and all(isinstance(item, _IMMUTABLE)
                                              for item in data.values()):
                kept.put(key, found, weight=len(value))
        data, signed = found
        age = int(time.time()) - signed
        if age > max_age or age < 0:  # as itsdangerous's max_age check
            return self.session_class()
        return self.session_class(data)  # a dict of its own: the kept one never changes

    def save_session(self, app: Flask, session: SecureCookieSession,
                     response: Response) -> None:
        """Flask's, with "Vary: Cookie" added in one pass (Flask's `response.vary.add` parses
        the header into a set and writes it back, for every member's request)."""
        if session and session.accessed:
            vary_on(response.headers, "Cookie", first_values(response.headers).get("vary"))
            session.accessed = False  # said already: Flask's own step would parse it again
        super().save_session(app, session, response)
