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
    from forum.text import storable

    try:
        data = request.get_json(silent=True) if request.is_json else request.form
    except RecursionError:  # absurdly nested JSON; the view answers 400
        data = None
    name = data.get("username") if hasattr(data, "get") else None
    # storable: a lone surrogate from JSON ("\ud800") can't be encoded into a Redis key
    return f"account:{storable(username_key(str(name or ''))[:64])}"


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
