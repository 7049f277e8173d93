"""forum/cookie_sessions.py: a verified cookie's contents are kept, and nothing else is."""

from datetime import timedelta

import pytest
from flask import session

from forum import cookie_sessions


def signed_cookie(app, data: dict) -> str:
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.dumps(data)


def opened(app, cookie: str | None):
    headers = {"Cookie": f"session={cookie}"} if cookie else {}
    with app.test_request_context("/", headers=headers):
        return dict(session), session._get_current_object()


def kept_entries(app) -> dict:
    store = app.extensions.get("session_cookies")
    return {} if store is None else {key[-1]: value for key, (_, _, value)
                                     in store._entries.items()}


def test_a_verified_cookie_is_kept_and_read_the_same_again(app):
    cookie = signed_cookie(app, {"_user_id": "7:key", "csrf_token": "abc"})
    first, _ = opened(app, cookie)
    assert first == {"_user_id": "7:key", "csrf_token": "abc"}
    assert cookie in kept_entries(app)
    again, live = opened(app, cookie)
    assert again == first
    live["csrf_token"] = "changed"  # a request's session is its own
    assert opened(app, cookie)[0] == first


@pytest.mark.parametrize("alter", [
    lambda cookie: cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB"),  # signature
    lambda cookie: "x" + cookie,  # payload
    lambda cookie: "not-a-cookie",
])
def test_an_altered_cookie_is_an_empty_session_and_is_not_kept(app, alter):
    cookie = signed_cookie(app, {"_user_id": "7:key"})
    opened(app, cookie)
    forged = alter(cookie)
    assert opened(app, forged)[0] == {}
    assert forged not in kept_entries(app)


def test_a_kept_cookie_past_the_session_lifetime_is_an_empty_session(app, monkeypatch):
    cookie = signed_cookie(app, {"_user_id": "7:key"})
    assert opened(app, cookie)[0]
    lifetime = app.permanent_session_lifetime.total_seconds()
    later = cookie_sessions.time.time() + lifetime + 5
    monkeypatch.setattr(cookie_sessions.time, "time", lambda: later)
    assert cookie in kept_entries(app)
    assert opened(app, cookie)[0] == {}


def test_a_cookie_signed_in_the_future_is_an_empty_session(app, monkeypatch):
    cookie = signed_cookie(app, {"_user_id": "7:key"})
    assert opened(app, cookie)[0]
    earlier = cookie_sessions.time.time() - 60
    monkeypatch.setattr(cookie_sessions.time, "time", lambda: earlier)
    assert opened(app, cookie)[0] == {}


def test_another_secret_key_verifies_the_cookie_again(app):
    cookie = signed_cookie(app, {"_user_id": "7:key"})
    assert opened(app, cookie)[0]
    app.config["SECRET_KEY"] = "another key entirely, so the old cookie's signature fails"
    app.secret_key = app.config["SECRET_KEY"]
    assert opened(app, cookie)[0] == {}


def test_a_rotated_key_verifies_through_its_fallback_until_the_fallback_goes(app):
    cookie = signed_cookie(app, {"_user_id": "7:key"})
    old = app.secret_key
    assert opened(app, cookie)[0]
    app.secret_key = app.config["SECRET_KEY"] = "the new key, with the old one kept as fallback"
    app.config["SECRET_KEY_FALLBACKS"] = [old]
    assert opened(app, cookie)[0] == {"_user_id": "7:key"}
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert opened(app, cookie)[0] == {}


def test_contents_that_could_change_are_never_kept(app):
    """Messages to flash are a list: a request appending to a kept list would change what
    the next request with the same cookie reads."""
    cookie = signed_cookie(app, {"_flashes": [["message", "Saved."]]})
    assert opened(app, cookie)[0] == {"_flashes": [["message", "Saved."]]}
    assert cookie not in kept_entries(app)


def test_an_old_cookie_is_verified_in_full_after_the_keep_time(app, monkeypatch):
    cookie = signed_cookie(app, {"_user_id": "7:key"})
    opened(app, cookie)
    app.permanent_session_lifetime = timedelta(seconds=0)
    real = cookie_sessions.time.time
    monkeypatch.setattr(cookie_sessions.time, "time", lambda: real() + 2)
    assert opened(app, cookie)[0] == {}  # the kept signing time is checked too


def test_a_member_keeps_their_session_across_requests_and_logging_out_ends_it(client, auth,
                                                                             alice):
    auth.login("alice")
    assert "Log out" in client.get("/").text
    assert "Log out" in client.get("/").text  # from the kept cookie
    cookie = client.get_cookie("session").value
    auth.logout()
    client.set_cookie("session", cookie)  # the old cookie, replayed
    assert "Log out" not in client.get("/").text
