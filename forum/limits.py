"""The rate limits of SPEC.md §8, as decorators that views share with the API."""

from flask import current_app, request

from forum.extensions import limiter


def _limit(name: str):
    return lambda: current_app.config["RATE_LIMITS"][name]


def _client_ip() -> str:
    return f"ip:{request.remote_addr or 'unknown'}"


def _account() -> str:
    """The account a login attempt names, from the form or the JSON body, as login folds it."""
    from forum.auth.services import username_key  # lazily: forum.auth imports this module

    try:
        data = request.get_json(silent=True) if request.is_json else request.form
    except RecursionError:  # absurdly nested JSON; the view answers 400
        data = None
    name = data.get("username") if hasattr(data, "get") else None
    return f"account:{username_key(str(name or ''))[:64]}"


DEFAULT_RATE_LIMITS = {
    "login_ip": "10 per minute",
    "login_account": "20 per hour",
    "register": "5 per hour",
    "prediction": "10 per hour",
    "forecast": "30 per minute",
    "comment": "6 per minute;200 per day",
    "vote": "60 per minute",
    "flag": "20 per day",
}

login_per_ip = limiter.shared_limit(
    _limit("login_ip"), scope="login-ip", key_func=_client_ip, methods=["POST"]
)
login_per_account = limiter.shared_limit(
    _limit("login_account"), scope="login-account", key_func=_account, methods=["POST"]
)
register = limiter.limit(_limit("register"), key_func=_client_ip, methods=["POST"])
post_prediction = limiter.shared_limit(_limit("prediction"), scope="prediction", methods=["POST"])
forecast = limiter.shared_limit(_limit("forecast"), scope="forecast", methods=["POST"])
comment = limiter.shared_limit(_limit("comment"), scope="comment", methods=["POST"])
vote = limiter.shared_limit(_limit("vote"), scope="vote", methods=["POST", "PUT"])
flag = limiter.shared_limit(_limit("flag"), scope="flag", methods=["POST"])

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
