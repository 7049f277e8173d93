"""Logging out deletes the remember-me cookie, and a dead one is deleted wherever it turns up
(issue 10, item 16): afterwards the browser is a plain visitor again, given no new session
cookie and served from the anonymous page cache."""

import pytest

from tests.factories import make_article, make_user


@pytest.fixture
def cached_app(make_app):
    app = make_app(PAGE_CACHE_SECONDS=60)
    with app.app_context():
        make_article()
        make_user("alice")
    return app


def set_cookies(response) -> dict[str, str]:
    """The Set-Cookie headers of a response, by cookie name."""
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def is_deletion(header: str) -> bool:
    return "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in header and "Max-Age=0" in header


def test_logout_expires_the_remember_me_cookie(auth, cached_app):
    browser = cached_app.test_client()
    auth.on(browser).login(remember=True)
    assert browser.get_cookie("remember_token") is not None
    response = browser.post("/logout")
    assert response.status_code == 302
    header = set_cookies(response)["remember_token"]
    assert is_deletion(header)
    assert "Path=/" in header
    assert browser.get_cookie("remember_token") is None


def test_after_logout_pages_set_no_cookie_and_come_from_the_cache(auth, cached_app):
    browser = cached_app.test_client()
    auth.on(browser).login(remember=True)
    browser.post("/logout")
    goodbye = browser.get("/")  # shows "You are logged out." and empties the session
    assert "You are logged out." in goodbye.get_data(as_text=True)
    assert browser.get_cookie("session") is None and browser.get_cookie("remember_token") is None
    for expected in ("miss", "hit", "hit"):
        response = browser.get("/")
        assert "Set-Cookie" not in response.headers
        assert response.headers["X-Cache"] == expected


def test_a_dead_remember_cookie_is_deleted_at_its_next_request(auth, cached_app):
    """A browser that kept the cookie anyway (a replay, a logout from another copy of it, a
    password change elsewhere) is told to forget it, and is then a cacheable visitor."""
    browser = cached_app.test_client()
    auth.on(browser).login(remember=True)
    remember = browser.get_cookie("remember_token").value
    browser.post("/logout")
    browser.get("/")
    browser.set_cookie("remember_token", remember)
    response = browser.get("/leaderboard")
    assert ">Log in</a>" in response.get_data(as_text=True)
    assert is_deletion(set_cookies(response)["remember_token"])
    assert browser.get_cookie("remember_token") is None
    browser.get("/leaderboard")
    assert browser.get("/leaderboard").headers["X-Cache"] == "hit"


def test_a_live_remember_cookie_is_kept(auth, cached_app):
    browser = cached_app.test_client()
    auth.on(browser).login(remember=True)
    browser.delete_cookie("session")  # the browser was closed; remember-me logs back in
    response = browser.get("/leaderboard")
    assert "remember_token" not in set_cookies(response)
    assert browser.get_cookie("remember_token") is not None
    assert "X-Cache" not in response.headers


def test_a_page_showing_one_visitors_message_is_never_served_to_another(auth, cached_app):
    """The session's flashed message is in the page: such a page is neither stored nor served
    from the cache (which would show the message to everyone, or lose it)."""
    leaving, reader = cached_app.test_client(), cached_app.test_client()
    auth.on(leaving).login(remember=True)
    reader.get("/")
    leaving.post("/logout")
    reader.get("/")  # cached for visitors, after the logout's write
    goodbye = leaving.get("/")
    assert "You are logged out." in goodbye.get_data(as_text=True)
    assert "X-Cache" not in goodbye.headers
    for _ in range(2):
        page = reader.get("/")
        assert page.headers["X-Cache"] == "hit"
        assert "You are logged out." not in page.get_data(as_text=True)


def test_a_visitors_session_is_not_rewritten_on_every_request(make_app):
    """A visitor who opened the login form keeps its CSRF token in the session; reading pages
    afterwards sets the session cookie at most once, not on every request."""
    app = make_app(PAGE_CACHE_SECONDS=60, WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_article()
    browser = app.test_client()
    browser.get("/login")
    assert browser.get_cookie("session") is not None
    browser.get("/leaderboard")
    for _ in range(3):
        assert "Set-Cookie" not in browser.get("/leaderboard").headers
