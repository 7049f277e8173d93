"""How API requests authenticate: a bearer token, or the browser's session plus its CSRF token."""

from functools import wraps

from flask import current_app, g, request
from flask_login import current_user
from flask_wtf.csrf import ValidationError, validate_csrf

from forum.api import bp
from forum.auth.services import note_token_use, user_for_token
from forum.auth.suspension import refuse_suspended_writes
from forum.errors import ActionError, Forbidden, Invalid
from forum.extensions import csrf
from forum.permissions import ensure_can_write, ensure_moderator
from forum.text import has_lone_surrogate

csrf.exempt(bp)  # checked below, only for cookie-authenticated writes
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class Unauthorized(ActionError):
    status = 401


@bp.before_request
def authenticate_request():
    """Bearer tokens win over the session; cookie-authenticated writes need X-CSRFToken; a
    suspended member's writes are 403 either way."""
    header = request.headers.get("Authorization", "")
    g.api_token = None
    if header:
        scheme, _, raw = header.partition(" ")
        found = user_for_token(raw.strip()) if scheme.lower() == "bearer" and raw.strip() else None
        if found is None:
            raise Unauthorized("The bearer token is missing, malformed, revoked or unknown.")
        g._login_user, g.api_token = found  # Flask-Login reads the current user from here
        g.api_token_use = (g.api_token.id, g.api_token.last_used_at)
    elif (request.method not in _SAFE_METHODS and current_user.is_authenticated
            and current_app.config.get("WTF_CSRF_ENABLED", True)):
        try:
            validate_csrf(request.headers.get("X-CSRFToken", ""))
        except ValidationError:
            raise ActionError("Missing or invalid CSRF token (send it in X-CSRFToken).") from None
    refuse_suspended_writes(current_user)


@bp.after_request
def record_token_use(response):
    """A bearer request that succeeded is the token's last use (a refused one changes nothing,
    as every refusal must not)."""
    used = g.get("api_token_use")
    if used and response.status_code < 400:
        note_token_use(*used)
    return response


def member_required(view):
    """401 for anonymous requests; 403 for a suspended member."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            raise Unauthorized("Log in or send a bearer token.")
        ensure_can_write(current_user)
        return view(*args, **kwargs)

    return wrapped


def moderator_required(view):
    """401 for anonymous requests; 403 for anyone but a moderator or admin."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            raise Unauthorized("Log in or send a bearer token.")
        ensure_moderator(current_user)
        return view(*args, **kwargs)

    return wrapped


def json_object() -> dict | None:
    """The request's body as a JSON object, whatever its Content-Type; None when it isn't one.
    (The per-account login limit reads token requests through this too.)"""
    try:
        data = request.get_json(silent=True, force=True)
    except RecursionError:  # nested thousands deep: json.loads gives up with this, not ValueError
        data = None
    return data if isinstance(data, dict) else None


def json_body() -> dict:
    """The request's JSON object; 400 when the body is not JSON or not an object."""
    data = json_object()
    if data is None:
        raise ActionError("The body must be a JSON object.")
    refuse_lone_surrogates(data)
    return data


SURROGATE_MESSAGE = ("This text holds half of a UTF-16 surrogate pair (such as \\ud800), which "
                     "is not a character: send valid Unicode.")


def refuse_lone_surrogates(data: dict) -> None:
    """Every string in the body, keys and values at any depth, must be encodable text: 422
    naming the top-level fields that hold a lone surrogate ("\\ud800" is valid JSON, but no
    database can store it), 400 when a key itself does."""
    fields: dict[str, list[str]] = {}
    for name, value in data.items():
        if has_lone_surrogate(name):
            raise ActionError("A key of the JSON object holds half of a surrogate pair.")
        if _holds_lone_surrogate(value):
            fields[name] = [SURROGATE_MESSAGE]
    if fields:
        raise Invalid(fields)


def _holds_lone_surrogate(value) -> bool:
    pending = [value]  # a loop, not recursion: the body may nest hundreds deep
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if has_lone_surrogate(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


__all__ = ["Forbidden", "Unauthorized", "json_body", "json_object", "member_required",
           "moderator_required"]
