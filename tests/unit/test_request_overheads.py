"""What every request pays for, kept or done in one pass: the signed CSRF token
(forum.security.csrf_token), the default security headers, the Vary header of compression,
and Flask's coroutine check of each hook (forum.site.Forum.ensure_sync)."""

import asyncio
import functools
import gc
import time

import pytest
from flask import g, session
from flask_wtf.csrf import generate_csrf, validate_csrf
from werkzeug.datastructures import Headers
from wtforms import ValidationError

from forum.headers import add_missing, vary_on
from forum.security import csrf_token


def signed_in_request(app, raw: str):
    """A request context whose session holds the raw CSRF token `raw`. (The suite's app
    context outlives each request, and `g` with it: what a request kept there goes.)"""
    context = app.test_request_context("/")
    context.push()
    g.pop("csrf_token", None)
    session["csrf_token"] = raw
    return context


def kept(app) -> dict:
    store = app.extensions.get("signed_csrf_tokens")
    return {} if store is None else {key: value for key, (_, _, value)
                                     in store._entries.items()}


@pytest.fixture
def clock(monkeypatch):
    """time.time, as itsdangerous's timestamps and the kept tokens read it, moved by hand."""
    now = [1_800_000_000.25]
    monkeypatch.setattr(time, "time", lambda: now[0])
    return now


def token_in(app, raw: str, fresh: bool = False) -> str:
    """The CSRF token a request of the session holding `raw` gets: kept, or Flask-WTF's own."""
    context = signed_in_request(app, raw)
    try:
        token = generate_csrf() if fresh else csrf_token()
        assert g.csrf_token == token  # where Flask-WTF's generate_csrf looks for the rest
        validate_csrf(token)  # Flask-WTF's own check accepts it
        return token
    finally:
        context.pop()


@pytest.mark.parametrize("limit", [None, 3600])
def test_a_sessions_token_is_the_one_flask_wtf_signs_that_second(app, clock, limit):
    app.config["WTF_CSRF_TIME_LIMIT"] = limit
    first = token_in(app, "a" * 40)
    assert list(kept(app).values()) == [first]
    clock[0] += 0.5
    assert token_in(app, "a" * 40) == first == token_in(app, "a" * 40, fresh=True)
    assert len(kept(app)) == 1


def test_a_sessions_token_changes_every_second_as_flask_wtfs_does(app, clock):
    """A token that never changed would be a fixed secret in every compressed page."""
    first = token_in(app, "a" * 40)
    clock[0] += 1
    second = token_in(app, "a" * 40)
    assert second != first
    assert second == token_in(app, "a" * 40, fresh=True)


def test_each_session_and_each_secret_key_get_their_own_signed_token(app, clock):
    tokens = []
    for raw, secret in (("a" * 40, "one"), ("b" * 40, "one"), ("a" * 40, "two")):
        app.secret_key = secret
        tokens.append(token_in(app, raw))
    assert len(set(tokens)) == 3
    assert len(kept(app)) == 3
    app.secret_key = "one"
    context = signed_in_request(app, "b" * 40)
    try:
        with pytest.raises(ValidationError, match="do not match"):
            validate_csrf(tokens[0])  # session a's token in session b
    finally:
        context.pop()


def test_a_secret_other_than_one_string_is_left_to_flask_wtf(app):
    app.config["WTF_CSRF_SECRET_KEY"] = ["a list", "of keys"]
    context = signed_in_request(app, "a" * 40)
    try:
        validate_csrf(csrf_token())
    finally:
        context.pop()
    assert kept(app) == {}


def test_a_session_without_a_token_gets_a_new_one_from_flask_wtf(app):
    with app.test_request_context("/"):
        g.pop("csrf_token", None)
        token = csrf_token()
        assert "csrf_token" in session
        validate_csrf(token)
    assert kept(app) == {}  # kept from the next request on, once the session holds it


def test_a_token_set_for_the_request_wins(app):
    """A member's kept page sets a sentinel while its parts are rendered."""
    context = signed_in_request(app, "a" * 40)
    try:
        g.csrf_token = "sentinel"
        assert csrf_token() == "sentinel"
    finally:
        context.pop()
    assert kept(app) == {}


def test_default_headers_are_added_once_and_never_over_a_views_own():
    headers = Headers([("content-security-policy", "default-src 'none'"), ("X-A", "1")])
    add_missing(headers, (("Content-Security-Policy", "default-src 'self'"),
                           ("X-Frame-Options", "DENY"), ("X-A", "2")))
    assert headers.getlist("Content-Security-Policy") == ["default-src 'none'"]
    assert headers.getlist("X-A") == ["1"]
    assert headers["X-Frame-Options"] == "DENY"
    assert len(headers) == 3


@pytest.mark.parametrize(("vary", "expected"), [
    (None, "Accept-Encoding"),
    ("", "Accept-Encoding"),
    ("Cookie", "Cookie, Accept-Encoding"),
    ("Cookie, accept-encoding", "Cookie, accept-encoding"),
    ("Accept-Encoding", "Accept-Encoding"),
    ("Cookie,Accept-Encoding ", "Cookie,Accept-Encoding "),
])
def test_vary_names_accept_encoding_once(vary, expected):
    headers = Headers([("Vary", vary)] if vary is not None else [])
    vary_on(headers, "Accept-Encoding", vary)
    assert headers.getlist("Vary") == [expected]


def test_ensure_sync_keeps_its_answer_per_function_while_the_function_lives(app):
    def view():
        return "plain"

    assert app.ensure_sync(view) is view
    assert app.ensure_sync(view) is view
    assert view in app._synced
    kept = len(app._synced)
    for _ in range(3):  # what after_this_request registers: a function per request
        def once(response):
            return response

        assert app.ensure_sync(once) is once
    del once
    gc.collect()
    assert len(app._synced) == kept  # the one-off functions are not kept alive


def test_ensure_sync_never_passes_a_coroutine_function_as_it_is(app):
    """Flask wraps one with asgiref, or refuses it where asgiref is not installed (here)."""

    async def view():
        await asyncio.sleep(0)
        return "async"

    for _ in range(2):
        try:
            wrapped = app.ensure_sync(view)
        except RuntimeError as refused:
            assert "async" in str(refused)
            assert view not in app.__dict__.get("_synced", {})
        else:
            assert wrapped is not view
            assert wrapped() == "async"


def test_ensure_sync_answers_for_a_callable_without_weak_references(app):
    handler = functools.partial(str.upper, "called")  # partials take weak references
    assert app.ensure_sync(handler) is handler
    builtin = len  # a builtin takes none
    assert app.ensure_sync(builtin) is builtin
    assert app.ensure_sync(builtin)("four") == 4


def test_ensure_sync_answers_for_an_unhashable_callable(app):
    class Unhashable:
        __hash__ = None

        def __call__(self):
            return "called"

    handler = Unhashable()
    assert app.ensure_sync(handler) is handler
    assert app.ensure_sync(handler)() == "called"
