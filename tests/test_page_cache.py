"""Anonymous readers get pages from a cache that any write, on any server, invalidates at once;
members never get a cached page."""

import pytest

from forum.extensions import db
from tests.factories import ARTICLE_TEXT, DEFAULT_PASSWORD, make_article, make_user


@pytest.fixture
def cached_app(make_app):
    app = make_app(PAGE_CACHE_SECONDS=60)
    with app.app_context():
        make_article()
        make_user("alice")
    return app


def retitle(new_title: str) -> None:
    make_article(ARTICLE_TEXT.replace("A Test Article About the Future", new_title))


def test_second_anonymous_visit_is_served_from_the_cache(cached_app):
    client = cached_app.test_client()
    first, second = client.get("/"), client.get("/")
    assert first.headers["X-Cache"] == "miss"
    assert second.headers["X-Cache"] == "hit"
    assert second.data == first.data
    assert "Set-Cookie" not in second.headers
    assert second.headers["Content-Security-Policy"]


def test_a_write_invalidates_the_cache_at_once(cached_app):
    client = cached_app.test_client()
    client.get("/")
    with cached_app.app_context():
        retitle("A Retitled Article")
    response = client.get("/")
    assert response.headers["X-Cache"] == "miss"
    assert b"A Retitled Article" in response.data


def test_a_write_through_one_server_invalidates_the_others_cache(cached_app, make_app):
    other_server = make_app(PAGE_CACHE_SECONDS=60)
    reader = other_server.test_client()
    reader.get("/")
    assert reader.get("/").headers["X-Cache"] == "hit"
    with cached_app.app_context():  # the write lands through the first server's process
        retitle("Changed Elsewhere")
    response = reader.get("/")
    assert response.headers["X-Cache"] == "miss"
    assert b"Changed Elsewhere" in response.data


def test_members_are_never_served_cached_pages(auth, cached_app):
    client = cached_app.test_client()
    client.get("/")
    auth.on(client).login()
    response = client.get("/")
    assert "X-Cache" not in response.headers
    assert b"alice" in response.data


def test_a_reader_who_logs_out_after_writing_sees_their_write(auth, cached_app):
    client = cached_app.test_client()
    client.get("/")
    auth.on(client).login()
    client.post("/settings", data={"profile-bio": "I forecast.", "profile-submit": "1"})
    client.post("/logout")
    with cached_app.app_context():
        assert db.session.execute(db.text("select bio from users")).scalar() == "I forecast."
    goodbye = client.get("/")  # says "You are logged out.": this visitor's, never cached
    assert "X-Cache" not in goodbye.headers
    assert client.get("/").headers["X-Cache"] == "miss"


def test_api_reads_are_cached_for_anonymous_clients_but_not_with_a_token(cached_app):
    client = cached_app.test_client()
    client.get("/api/v1/articles")
    assert client.get("/api/v1/articles").headers["X-Cache"] == "hit"
    token = client.post("/api/v1/tokens", json={"username": "alice",
                                                "password": DEFAULT_PASSWORD}).get_json()["token"]
    response = client.get("/api/v1/articles", headers={"Authorization": f"Bearer {token}"})
    assert "X-Cache" not in response.headers


def test_fingerprinted_static_files_are_cached_for_a_year_and_immutable(client):
    page = client.get("/").get_data(as_text=True)
    import re

    stylesheet = re.search(r'rel="stylesheet" href="(/static/css/[\w.]+\.css\?v=[0-9a-f]+)"', page).group(1)
    response = client.get(stylesheet)
    assert response.status_code == 200
    assert response.cache_control.max_age == 365 * 86400
    assert response.cache_control.immutable


def test_every_page_type_is_a_hit_with_every_cache_on(make_app):
    """As in production, with the members' fragments on too: a visitor's second look at each
    page type (the prediction page with its discussion, which shared fragments assemble, among
    them) comes from the page cache and starts no session. Asking a CSRF token for the
    visitor would start one, and the cache keeps only pages of an empty session."""
    from tests.factories import make_comment, make_forecast, make_prediction

    app = make_app(PAGE_CACHE_SECONDS=60, FRAGMENT_CACHE_SECONDS=60)
    with app.app_context():
        article = make_article()
        alice, bob = make_user("alice"), make_user("bob")
        prediction = make_prediction(article, alice, title="A discussed prediction")
        make_forecast(prediction, bob, 0.3)
        first = make_comment(prediction, bob, "A first comment.")
        make_comment(prediction, alice, "A reply.", parent=first)
        paths = ["/", f"/articles/{article.slug}", f"/articles/{article.slug}/predictions",
                 f"/predictions/{prediction.id}", f"/predictions/{prediction.id}?comments=all",
                 "/leaderboard", "/users/alice", f"/api/v1/predictions/{prediction.id}"]
    client = app.test_client()
    for path in paths:
        first_look, second_look = client.get(path), client.get(path)
        assert first_look.status_code == 200, path
        assert second_look.headers.get("X-Cache") == "hit", path
        assert "Set-Cookie" not in first_look.headers and "Set-Cookie" not in second_look.headers
        assert second_look.data == first_look.data, path
