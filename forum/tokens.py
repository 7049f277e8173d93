"""Signed tokens for links in emails: activation, password reset, address change, unsubscribe.

Each purpose has its own salt, so a token made for one purpose is refused by every other. A
token says what it is about (a user id and what must still hold); the view checks that it
still holds, which makes a link usable once: a reset link carries a fingerprint of the
password hash it was made against, so after one use (a new hash) it stops working.
"""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class TokenError(Exception):
    """A link that can't be used; `status` is 400 (tampered, malformed) or 410 (expired, used)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"forum-{purpose}")


def make(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read(purpose: str, token: str, max_age: int | None) -> dict:
    """The payload of a token; TokenError (400 when not ours or malformed, 410 when expired)."""
    if not isinstance(token, str) or not token or len(token) > 1000:
        raise TokenError(400, "That link is not complete. Copy the whole link from the email.")
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise TokenError(410, "That link has expired. Ask for a new one.") from None
    except (BadSignature, UnicodeError, ValueError, TypeError):
        raise TokenError(400, "That link is not valid. Copy the whole link from the "
                              "email, or ask for a new one.") from None
    if not isinstance(payload, dict):
        raise TokenError(400, "That link is not valid.")
    return payload


def fingerprint(value: str | None) -> str:
    """A short digest of a secret-bearing value (a password hash), to bind a token to it."""
    return hashlib.sha256((value or "").encode()).hexdigest()[:16]
