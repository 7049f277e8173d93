"""Sessions beyond what tests/test_auth.py covers: every cookie flag at once in production, a
fresh session identity at login (no fixation), a suspension ending an open session at its
next request, and the API tokens listed in settings, each revocable there."""

import re

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import ApiToken, token_digest
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.test_auth import csrf_token, who_is_logged_in


def cookie_attributes(headers) -> dict[str, dict]:
    """Set-Cookie headers as {name: {attribute: value}} (flags map to True)."""
    found = {}
    for header in headers.getlist("Set-Cookie"):
        name = header.split("=", 1)[0]
        parts = [part.strip() for part in header.split(";")[1:]]
        found[name] = {key.lower(): (value or True) for key, _, value in
                       (part.partition("=") for part in parts)}
    return found


@pytest.mark.parametrize("environment", ["development", "production"])
def test_session_and_remember_cookies_are_httponly_lax_and_secure_in_production(auth, 
        make_app, alice, environment):
    app = make_app(FORUM_ENV=environment, SECRET_KEY="a-long-production-secret")
    client = app.test_client()
    cookies = cookie_attributes(auth.on(client).login(remember=True).headers)
    assert set(cookies) == {"session", "remember_token"}
    for name, attributes in cookies.items():
        assert attributes.get("httponly") is True, name
        assert attributes.get("samesite") == "Lax", name
        assert attributes.get("secure", False) is (environment == "production"), name


def test_a_session_cookie_from_before_login_never_becomes_authenticated(auth, make_app, alice):
    """Session fixation: an attacker plants their cookie in the victim's browser, the victim
    logs in, and the attacker's copy of the cookie stays a visitor's."""
    app = make_app(WTF_CSRF_ENABLED=True)
    attacker, victim = app.test_client(), app.test_client()
    login_page = attacker.get("/login").get_data(as_text=True)
    planted = attacker.get_cookie("session").value
    victim.set_cookie("session", planted)
    response = auth.on(victim).login(csrf_token=csrf_token(login_page))
    assert response.status_code == 302
    assert who_is_logged_in(victim) == "alice"
    renewed = victim.get_cookie("session").value
    assert renewed != planted
    assert who_is_logged_in(attacker) is None  # still holding the planted cookie
    # The CSRF token is renewed with the session: the one the attacker read no longer works.
    assert csrf_token(victim.get("/settings").get_data(as_text=True)) != csrf_token(login_page)
    refused = victim.post("/settings", data={"profile-bio": "set by the attacker",
                                             "profile-submit": "1",
                                             "csrf_token": csrf_token(login_page)})
    assert refused.status_code == 400


def test_a_suspension_ends_an_open_session_at_its_next_request(auth, make_app, alice):
    make_user("mod", role="moderator")
    app = make_app()
    member, moderator = app.test_client(), app.test_client()
    auth.on(member).login(remember=True)
    remember = member.get_cookie("remember_token").value
    assert who_is_logged_in(member) == "alice"
    auth.on(moderator).login("mod")
    assert moderator.post(f"/moderation/members/{alice.id}/suspend",
                          data={"reason": "Spam"}).status_code == 302

    assert who_is_logged_in(member) is None  # the very next page is a visitor's
    assert member.get("/settings").status_code == 302  # to the login page
    member.delete_cookie("session")
    member.set_cookie("remember_token", remember)
    assert who_is_logged_in(member) is None  # the remember-me cookie died with the session
    # A script riding on the browser's cookie is no longer anyone.
    response = member.post("/api/v1/articles/none/predictions", json={"title": "x"})
    assert response.status_code == 401


def test_settings_list_the_api_tokens_and_revoking_one_makes_it_401(auth, make_app, alice):
    app = make_app()
    browser, script = app.test_client(), app.test_client()
    tokens = [script.post("/api/v1/tokens", json={"username": "alice",
                                                  "password": DEFAULT_PASSWORD}).get_json()["token"]
              for _ in range(2)]
    auth.on(browser).login(remember=True)
    page = browser.get("/settings").get_data(as_text=True)
    revoke_urls = re.findall(r'action="(/settings/tokens/\d+/revoke)"', page)
    assert len(revoke_urls) == 2
    assert all(token not in page for token in tokens)  # listed, never shown again

    def status(token):
        return script.get("/api/v1/articles",
                          headers={"Authorization": f"Bearer {token}"}).status_code

    assert [status(token) for token in tokens] == [200, 200]
    newest_first = revoke_urls[0]
    response = browser.post(newest_first)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/settings#tokens")
    assert "The token is revoked" in browser.get("/settings").get_data(as_text=True)
    assert sorted(status(token) for token in tokens) == [200, 401]
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 1
    again = browser.post(newest_first, follow_redirects=True).get_data(as_text=True)
    assert "That token was already revoked." in again


def test_nobody_revokes_another_members_token(auth, make_app, alice):
    make_user("bob")
    app = make_app()
    script, bob = app.test_client(), app.test_client()
    token = script.post("/api/v1/tokens", json={"username": "alice",
                                                "password": DEFAULT_PASSWORD}).get_json()["token"]
    token_id = db.session.scalar(select(ApiToken.id))
    auth.on(bob).login("bob")
    bob.post(f"/settings/tokens/{token_id}/revoke")
    assert script.get("/api/v1/articles",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert not re.findall(r'action="/settings/tokens/\d+/revoke"',
                          bob.get("/settings").get_data(as_text=True))


def test_revoking_a_token_needs_the_csrf_token(auth, make_app, alice):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    client.post("/api/v1/tokens", json={"username": "alice", "password": DEFAULT_PASSWORD})
    page = client.get("/login").get_data(as_text=True)
    auth.on(client).login(remember=True, csrf_token=csrf_token(page))
    token_id = db.session.scalar(select(ApiToken.id))
    assert client.post(f"/settings/tokens/{token_id}/revoke").status_code == 400
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 1



def test_the_database_keeps_only_hashes_of_tokens_and_session_keys(auth, make_app, alice):
    """A stolen copy of the database (or a backup) holds no usable credential."""
    from sqlalchemy import text

    app = make_app()
    client = app.test_client()
    token = client.post("/api/v1/tokens", json={"username": "alice",
                                                "password": DEFAULT_PASSWORD}).get_json()["token"]
    auth.on(client).login(remember=True)
    session_key = alice_session_key(client)
    for secret in (token, session_key, DEFAULT_PASSWORD):
        for table in ("users", "api_tokens", "login_sessions"):
            for row in db.session.execute(text(f"SELECT * FROM {table}")).all():
                assert all(secret not in str(value) for value in row), (table, secret[:4])
    assert db.session.scalar(select(ApiToken.token_hash)) == token_digest(token)


def alice_session_key(client) -> str:
    """The session key in alice's cookie (Flask-Login's id is 'user_id:key')."""
    from flask.sessions import SecureCookieSessionInterface

    app = client.application
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    session = serializer.loads(client.get_cookie("session").value)
    return session["_user_id"].split(":", 1)[1]


def test_a_suspended_members_refused_write_is_logged_without_the_token(make_app, alice, caplog):
    import logging

    from tests.api_support import bearer

    alice.suspended = True
    db.session.commit()
    headers = bearer(alice)
    client = make_app().test_client()
    with caplog.at_level(logging.INFO, logger="forum"):
        response = client.post("/api/v1/articles/none/predictions", json={}, headers=headers)
    assert response.status_code == 403
    assert "forbidden: POST /api/v1/articles/none/predictions user=alice ip=127.0.0.1" in caplog.text
    assert headers["Authorization"].split()[1] not in caplog.text
