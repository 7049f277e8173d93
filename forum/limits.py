"""The rate limits of SPEC.md §8, as decorators that views share with the API.

Key functions never raise: Flask-Limiter takes any error while it checks a limit for the
store failing, and would count in each worker's memory until the store "recovers".

Every write has one (tests/test_rate_limits.py enumerates the routes to hold us to it). Logins,
token requests and every form that checks the current password share the per-IP and
per-account buckets: each is a password guess. A submission refused for invalid input (422)
does not spend the budget of posting, forecasting, commenting or editing.
"""

import logging
import sys
from functools import partial

from flask import current_app, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from forum.extensions import limiter


class _WithTheCause(logging.Filter):
    """Flask-Limiter logs that the store is unreachable (and falls back to this worker's
    memory) but not why: add the error it is handling, at ERROR level, for the operator."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = sys.exc_info()[1]
        if record.levelno == logging.WARNING and error is not None and record.exc_info is None:
            record.msg = f"{record.getMessage()}: {type(error).__name__}: {error}"
            record.args = None
            record.levelno, record.levelname = logging.ERROR, "ERROR"
        return True


logging.getLogger("flask-limiter").addFilter(_WithTheCause())


def _configured_limit(name: str) -> str:
    """The limit `name` in the serving app's RATE_LIMITS, read at each request (so a test or
    an app built with other limits gets its own)."""
    return current_app.config["RATE_LIMITS"][name]


# `_limit(name)` is what Flask-Limiter calls at each request for the limit `name`. A partial
# rather than a function returning a closure: the decorators below are built at import, and
# mutmut (README, Tests) can only switch a mutant into a function called during a test.
_limit = partial(partial, _configured_limit)


def _client_ip() -> str:
    return f"ip:{request.remote_addr or 'unknown'}"


def _account_key(name: str) -> str:
    from forum.auth.services import username_key  # lazily: forum.auth imports this module
    from forum.text import storable

    # storable: a lone surrogate from JSON ("\ud800") can't be encoded into a Redis key
    return f"account:{storable(username_key(name)[:64])}"


def _account() -> str:
    """The account a login attempt names, read from the body as the answering view reads it."""
    return _account_key(login_username())


def login_username() -> str:
    """The username of a login attempt, read by the function its view reads the body with: the
    JSON body whatever its Content-Type for the API, the login form's data for /login."""
    try:
        return _read_login_username()
    except HTTPException:  # e.g. a body over the size limit: the view answers 413
        return ""


def _read_login_username() -> str:
    if request.blueprint == "api":
        from forum.api.auth import json_object

        name = (json_object() or {}).get("username")
    else:
        from forum.auth.forms import login_form_data

        name = (login_form_data() or {}).get("username")
    return name if isinstance(name, str) else ""


def _current_account() -> str:
    """The signed-in account, keyed as its logins are, so both spend one budget."""
    return _account_key(current_user.username if current_user.is_authenticated else "")


def _not_a_password_check() -> bool:
    """Exempt a submission that carries no current password (e.g. saving the bio)."""
    try:
        return not any(name.endswith("current_password") for name in request.form)
    except HTTPException:  # unreadable: counted, and the view refuses it
        return False


def _spent(response) -> bool:
    """Invalid input (422) spends nothing; everything else does (SPEC.md §8)."""
    return response.status_code != 422


DEFAULT_RATE_LIMITS = {
    "login_ip": "10 per minute",
    "login_account": "20 per hour",
    "register": "5 per hour",
    "prediction": "10 per hour",
    "forecast": "30 per minute",
    "comment": "6 per minute;200 per day",
    "vote": "60 per minute",
    "flag": "20 per day",
    "edit": "10 per minute;100 per day",
    "settings": "10 per minute;100 per day",
    "session": "30 per minute",
    "notifications": "60 per minute",
    "moderation": "60 per minute;2000 per day",
}

login_per_ip = limiter.shared_limit(
    _limit("login_ip"), scope="login-ip", key_func=_client_ip, methods=["POST"]
)
login_per_account = limiter.shared_limit(
    _limit("login_account"), scope="login-account", key_func=_account, methods=["POST"]
)
# The same two buckets, for a signed-in member's form that checks the current password.
password_check_per_ip = limiter.shared_limit(
    _limit("login_ip"), scope="login-ip", key_func=_client_ip, methods=["POST"],
    exempt_when=_not_a_password_check,
)
password_check_per_account = limiter.shared_limit(
    _limit("login_account"), scope="login-account", key_func=_current_account,
    methods=["POST"], exempt_when=_not_a_password_check,
)
register = limiter.limit(_limit("register"), key_func=_client_ip, methods=["POST"])
post_prediction = limiter.shared_limit(_limit("prediction"), scope="prediction", methods=["POST"],
                                       deduct_when=_spent)
forecast = limiter.shared_limit(_limit("forecast"), scope="forecast", methods=["POST"],
                                deduct_when=_spent)
comment = limiter.shared_limit(_limit("comment"), scope="comment", methods=["POST"],
                               deduct_when=_spent)
vote = limiter.shared_limit(_limit("vote"), scope="vote", methods=["POST", "PUT"])
flag = limiter.shared_limit(_limit("flag"), scope="flag", methods=["POST"])
# Editing or deleting a prediction or a comment.
edit = limiter.shared_limit(_limit("edit"), scope="edit", methods=["POST"], deduct_when=_spent)
# Saving settings and revoking API tokens from them.
settings = limiter.shared_limit(_limit("settings"), scope="settings", methods=["POST"])
# Logging out, revoking the API token in use.
session = limiter.shared_limit(_limit("session"), scope="session", methods=["POST", "DELETE"])
notifications = limiter.shared_limit(_limit("notifications"), scope="notifications",
                                     methods=["POST"])
# Hiding and restoring, suspending, roles, handling reports, resolving.
moderation = limiter.shared_limit(_limit("moderation"), scope="moderation", methods=["POST"])

# Email and account links (SPEC.md §8 "password-reset and verification emails, exports"):
# every form that sends an email, every link a person follows from one, and the account's own
# data, each with a budget a person never meets. Keyed per IP (per user once logged in).
DEFAULT_RATE_LIMITS.update({
    "account_email": "5 per hour",     # reset requests, "send the link again", address change
    "account_link": "30 per hour",     # following an activation, reset or confirmation link
    "unsubscribe": "30 per hour",
    "account_settings": "30 per hour",  # notification switches
    "account_delete": "5 per hour",
    "data_export": "3 per day",
})
account_email = limiter.shared_limit(_limit("account_email"), scope="account-email",
                                     methods=["POST"])
account_link = limiter.shared_limit(_limit("account_link"), scope="account-link",
                                    key_func=_client_ip, methods=["GET", "POST"])
unsubscribe = limiter.limit(_limit("unsubscribe"), key_func=_client_ip, methods=["GET", "POST"])
account_settings = limiter.limit(_limit("account_settings"), methods=["POST"])
account_delete = limiter.limit(_limit("account_delete"), methods=["POST"])
data_export = limiter.limit(_limit("data_export"), methods=["POST"])
data_download = limiter.limit(_limit("account_link"), methods=["GET"])
