"""Errors: the exceptions services raise, and how pages and the JSON API answer them."""

import logging
import time

from flask import Flask, jsonify, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from forum.extensions import db, limiter

log = logging.getLogger("forum")

ERROR_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 410: "gone", 413: "payload_too_large",
    422: "validation_error", 429: "rate_limited", 500: "server_error", 503: "server_error",
}
TITLES = {
    400: "That request could not be read", 401: "Please log in", 403: "Not allowed",
    404: "Page not found", 405: "Not allowed here", 409: "That can't be done now",
    410: "That link no longer works",
    413: "That is too large", 422: "Please check what you sent", 429: "Slow down a little",
    500: "Something went wrong on our side", 503: "We'll be right back",
}
ADVICE = {
    400: "Go back, reload the page and try again.",
    401: "Log in and try again.",
    403: "You don't have permission for this. If you think you should, ask a moderator.",
    404: "The page may have moved, or the link may be mistyped.",
    405: "This address doesn't accept that kind of request.",
    409: "Reload the page to see its current state.",
    410: "Links in our emails work once, for a limited time. Ask for a new one if you need it.",
    413: "Shorten what you are sending and try again.",
    429: "You have done that many times in a short while. Wait a moment and try again.",
    500: "The error has been logged. Try again in a moment.",
    503: "The database is unavailable for a moment. Try again shortly.",
}


class ActionError(Exception):
    """A request that can't be carried out; `status` and `code` follow SPEC.md §7."""

    status = 400

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields

    @property
    def code(self) -> str:
        return ERROR_CODES[self.status]


class NotFound(ActionError):
    status = 404


class Forbidden(ActionError):
    status = 403


class Conflict(ActionError):
    status = 409


class Invalid(ActionError):
    status = 422

    def __init__(self, fields: dict[str, list[str]], message: str = "Some fields are not valid."):
        super().__init__(message, fields)


def wants_json() -> bool:
    """The JSON API answers in JSON; everything else with a page."""
    return request.path.startswith("/api/")


def json_error(status: int, message: str, fields: dict | None = None, headers=None):
    """The error body of SPEC.md §7."""
    error = {"status": status, "code": ERROR_CODES.get(status, "server_error"), "message": message}
    if fields:
        error["fields"] = fields
    response = jsonify({"error": error})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def error_page(status: int, message: str | None = None, headers=None):
    """A friendly page in the site's layout."""
    if wants_json():
        return json_error(status, message or TITLES.get(status, "Error"), headers=headers)
    body = render_template(
        "errors/error.html", status=status, title=TITLES.get(status, "Error"),
        message=message, advice=ADVICE.get(status, ""),
    )
    return body, status, headers or {}


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    headers = {}
    if status == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    if status == 429:
        headers["Retry-After"] = str(retry_after(error))
        log_rate_limited()
        return error_page(429, "Too many requests: " + str(error.description), headers)
    if status == 403:
        log.warning("forbidden: %s %s user=%s ip=%s", request.method, request.path,
                    current_username(), request.remote_addr)
    message = error.description if wants_json() else None
    if status == 413:
        message = "The request body is too large."
    return error_page(status, message, headers)


def log_rate_limited() -> None:
    log.warning("rate limited: %s %s user=%s ip=%s", request.method, request.path,
                current_username(), request.remote_addr)


def retry_after(error: HTTPException) -> int:
    """Seconds until the breached limit resets (at least 1)."""
    if isinstance(error, RateLimitExceeded):
        reset = limiter.current_limit.reset_at if limiter.current_limit else None
        if reset:
            return max(1, int(reset - time.time()))
    return 60


def current_username() -> str:
    return current_user.username if current_user and current_user.is_authenticated else "-"


def handle_action_error(error: ActionError):
    if error.status == 403:
        log.warning("forbidden: %s %s user=%s ip=%s (%s)", request.method, request.path,
                    current_username(), request.remote_addr, error.message)
    if wants_json():
        return json_error(error.status, error.message, error.fields)
    return error_page(error.status, error.message)


def handle_csrf_error(error: CSRFError):
    log.warning("csrf failure: %s %s user=%s ip=%s: %s", request.method, request.path,
                current_username(), request.remote_addr, error.description)
    message = "Your session expired or the form was stale. Reload the page and try again."
    if wants_json():
        return json_error(400, "Missing or invalid CSRF token (send it in X-CSRFToken).")
    return error_page(400, message)


def handle_database_unavailable(error: OperationalError):
    db.session.rollback()
    log.error("database unavailable: %s %s: %s", request.method, request.path, error.orig)
    return error_page(503, "The database is unavailable for a moment.", {"Retry-After": "5"})


def handle_server_error(error: Exception):
    db.session.rollback()
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_page(500)


def register(app: Flask) -> None:
    """Answer every error with the page or JSON body of SPEC.md."""
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ActionError, handle_action_error)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(Exception, handle_server_error)
