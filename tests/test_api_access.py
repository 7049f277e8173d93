"""Who may call the JSON API and how: bearer tokens, the browser's session with its CSRF
token, revoked tokens, suspended members; and the pages showing what the API wrote."""

import re
from datetime import timedelta

import pytest

from forum import clock
from forum.extensions import db
from forum.limits import DEFAULT_RATE_LIMITS
from forum.models import User
from tests.api_support import Api, bearer, error_of
from tests.factories import (
    DEFAULT_PASSWORD,
    make_article,
    make_comment,
    make_prediction,
    make_user,
)


@pytest.fixture
def api(client):
    return Api(client)


@pytest.fixture
def bob(app):
    return make_user("bob")


def new_prediction() -> dict:
    return {"title": "Talks will resume before the autumn",
            "criteria": "Resolves yes when both sides confirm a meeting.",
            "probability": 0.42,
            "resolution_date": (clock.today() + timedelta(days=120)).isoformat()}


def page_csrf_token(client, path="/") -> str:
    """The CSRF token a page carries (the meta tag, or a form's hidden field)."""
    page = client.get(path).get_data(as_text=True)
    found = (re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
             or re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page))
    return found.group(1)


def write_requests(prediction, comment) -> list[tuple[str, str, dict]]:
    """Every member write of the board's API, with a body that would be accepted."""
    return [
        ("POST", "/articles/test-article/predictions", new_prediction()),
        ("POST", f"/predictions/{prediction.id}/forecasts", {"probability": 0.5}),
        ("PUT", f"/predictions/{prediction.id}/vote", {"value": 1}),
        ("POST", f"/predictions/{prediction.id}/comments", {"body": "A thought."}),
        ("PUT", f"/comments/{comment.id}/vote", {"value": -1}),
    ]


# Tokens ----------------------------------------------------------------------------------

def test_a_token_from_the_password_authenticates_writes(api, article, bob):
    response = api.post("/tokens", json={"username": "BOB", "password": DEFAULT_PASSWORD})
    assert response.status_code == 201
    token = response.get_json()
    assert token["username"] == "bob" and len(token["token"]) >= 32
    as_bob = Api(api.client, {"Authorization": f"Bearer {token['token']}"})
    created = as_bob.post("/articles/test-article/predictions", json=new_prediction())
    assert created.status_code == 201
    assert created.get_json()["author"] == "bob"


def test_a_revoked_token_stops_working(api, article, alice, bob):
    prediction = make_prediction(article, alice)
    as_bob = api.as_user(bob)
    assert as_bob.get(f"/predictions/{prediction.id}").get_json()["my_vote"] == 0
    assert as_bob.delete("/tokens/current").status_code == 204
    for response in (as_bob.get(f"/predictions/{prediction.id}"),
                     as_bob.put(f"/predictions/{prediction.id}/vote", json={"value": 1}),
                     as_bob.delete("/tokens/current")):
        assert response.status_code == 401
        assert error_of(response)["code"] == "unauthorized"


def test_revoking_needs_a_bearer_token(api):
    assert api.delete("/tokens/current").status_code == 401


@pytest.mark.parametrize("header", ["Bearer not-a-real-token", "Bearer ", "Basic Ym9iOnB3",
                                    "Token abc", "Bearer a b c"])
def test_a_bad_authorization_header_is_401_even_for_reads(api, article, header):
    response = api.get("/articles/test-article/predictions", headers={"Authorization": header})
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


def test_the_wrong_password_gets_no_token(api, bob):
    response = api.post("/tokens", json={"username": "bob", "password": "not the password"})
    assert response.status_code == 401


# Suspended members -----------------------------------------------------------------------

def test_a_suspended_member_gets_403_on_every_write(api, article, alice, bob):
    prediction = make_prediction(article, alice)
    comment = make_comment(prediction, alice, "Vote on me.")
    as_bob = api.as_user(bob)
    db.session.get(User, bob.id).suspended = True
    db.session.commit()
    for method, path, body in write_requests(prediction, comment):
        response = as_bob.request(method, path, json=body)
        assert response.status_code == 403, (method, path)
        assert error_of(response)["code"] == "forbidden"
    assert as_bob.get(f"/predictions/{prediction.id}").status_code == 200  # reading is fine
    listed = api.get(f"/predictions/{prediction.id}").get_json()
    assert (listed["forecast_count"], listed["votes"]["score"], listed["comment_count"]) == (
        1, 0, 1)


def test_anonymous_writes_are_401(api, article, alice):
    prediction = make_prediction(article, alice)
    comment = make_comment(prediction, alice, "Vote on me.")
    for method, path, body in write_requests(prediction, comment):
        response = api.request(method, path, json=body)
        assert response.status_code == 401, (method, path)


# The browser's session and CSRF ----------------------------------------------------------

@pytest.fixture
def browser(make_app, app):
    """A client of an app with CSRF protection on (as in production), logged in as bob."""
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    make_user("bob")
    token = page_csrf_token(client, "/login")
    response = client.post("/login", data={"username": "bob", "password": DEFAULT_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302
    return client


def test_a_cookie_authenticated_write_without_the_csrf_header_is_refused(browser, article,
                                                                          alice):
    prediction = make_prediction(article, alice)
    comment = make_comment(prediction, alice, "Vote on me.")
    api = Api(browser)
    for method, path, body in write_requests(prediction, comment):
        response = api.request(method, path, json=body)
        assert response.status_code == 400, (method, path)
        assert error_of(response)["code"] == "bad_request"
        assert "X-CSRFToken" in error_of(response)["message"]
    wrong = api.put(f"/predictions/{prediction.id}/vote", json={"value": 1},
                    headers={"X-CSRFToken": "forged"})
    assert wrong.status_code == 400
    assert api.get(f"/predictions/{prediction.id}").get_json()["votes"]["score"] == 0


def test_a_cookie_authenticated_write_with_the_csrf_header_works(browser, article, alice):
    prediction = make_prediction(article, alice)
    comment = make_comment(prediction, alice, "Vote on me.")
    api = Api(browser, {"X-CSRFToken": page_csrf_token(browser)})
    for method, path, body in write_requests(prediction, comment):
        response = api.request(method, path, json=body)
        assert response.status_code in (200, 201), (method, path, response.get_json())
    assert api.get(f"/predictions/{prediction.id}").get_json()["my_vote"] == 1


def test_cookie_authenticated_reads_need_no_csrf_header(browser, article, alice):
    prediction = make_prediction(article, alice)
    body = Api(browser).get(f"/predictions/{prediction.id}").get_json()
    assert body["my_vote"] == 0  # the session authenticates the read


def test_bearer_writes_need_no_csrf_header(make_app, app, article, alice):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    api = Api(client, bearer(make_user("bob")))
    assert api.post("/articles/test-article/predictions", json=new_prediction()).status_code \
        == 201


# The pages and the API agree -------------------------------------------------------------

def test_what_the_api_posts_the_pages_show(api, client, article, alice, bob):
    as_bob = api.as_user(bob)
    created = as_bob.post("/articles/test-article/predictions", json=new_prediction())
    prediction = created.get_json()
    as_bob.post(f"/predictions/{prediction['id']}/comments",
                json={"body": "Posted through the *API*."})
    board = client.get("/articles/test-article/predictions").get_data(as_text=True)
    assert "Talks will resume before the autumn" in board
    page = client.get(prediction["url"]).get_data(as_text=True)
    assert "Talks will resume before the autumn" in page
    assert "Posted through the <em>API</em>." in page
    assert "42" in page  # the author's probability, as a percentage


def test_what_the_pages_write_the_api_returns(auth, api, client, article, alice, bob):
    prediction = make_prediction(article, alice, probability=0.2)
    auth.login("bob")
    response = client.post(f"/predictions/{prediction.id}/forecasts",
                           data={"probability": "70"})
    assert response.status_code == 303
    items = api.get(f"/predictions/{prediction.id}/forecasts").get_json()["items"]
    assert [(item["username"], item["probability"]) for item in items] == [
        ("alice", 0.2), ("bob", 0.7)]
    assert api.get(f"/predictions/{prediction.id}").get_json()["crowd"] == {
        "median": pytest.approx(0.45), "forecasters": 2}


# Rate limits -----------------------------------------------------------------------------

@pytest.mark.parametrize("limit, method, path, body", [
    ("prediction", "POST", "/articles/test-article/predictions", None),
    ("forecast", "POST", "/predictions/{id}/forecasts", {"probability": 0.5}),
    ("comment", "POST", "/predictions/{id}/comments", {"body": "Again."}),
    ("vote", "PUT", "/predictions/{id}/vote", {"value": 1}),
    ("vote", "PUT", "/comments/{comment}/vote", {"value": 1}),
])
def test_each_write_is_rate_limited_per_member(make_app, limit, method, path, body):
    app = make_app(RATELIMIT_ENABLED=True,
                   RATE_LIMITS={**DEFAULT_RATE_LIMITS, limit: "2 per minute"})
    with app.app_context():
        article = make_article()
        alice = make_user("alice")
        prediction = make_prediction(article, alice)
        comment = make_comment(prediction, alice, "Vote on me.")
        path = path.format(id=prediction.id, comment=comment.id)
        bob, carol = bearer(make_user("bob")), bearer(make_user("carol"))
    client = app.test_client()
    body = body or new_prediction()
    statuses = [Api(client, bob).request(method, path, json=body).status_code
                for _ in range(3)]
    assert statuses[:2] in ([201, 201], [200, 200])
    assert statuses[2] == 429
    limited = Api(client, bob).request(method, path, json=body)
    assert error_of(limited) == {"status": 429, "code": "rate_limited",
                                 "message": error_of(limited)["message"]}
    assert int(limited.headers["Retry-After"]) >= 1
    assert Api(client, carol).request(method, path, json=body).status_code in (200, 201)


# NUL characters --------------------------------------------------------------------------

# PostgreSQL refuses NUL in text, so a NUL that reached a query would be a 500 there.


@pytest.mark.parametrize("method, path, body", [
    ("GET", "/articles/test-article/predictions?q=%00", None),
    ("GET", "/articles/%00/predictions", None),
    ("POST", "/articles/%00/predictions", {}),
    ("POST", "/articles/test-article/predictions", {"title": "\x00" * 12}),
    ("POST", "/predictions/{id}/comments", {"body": "\x00"}),
    ("GET", "/articles/%00", None),
    ("GET", "/users/%00", None),
    ("GET", "/users/%00/scores", None),
    ("GET", "/leaderboard?article=%00", None),
    ("POST", "/tokens", {"username": "a\x00b", "password": "x" * 12}),
])
def test_a_nul_character_is_never_a_server_error(api, article, alice, bob, method, path,
                                                  body):
    prediction = make_prediction(article, alice)
    response = api.as_user(bob).request(method, path.format(id=prediction.id), json=body,
                                        check=False)
    assert response.status_code < 500
    assert response.get_json()["error"]["status"] == response.status_code


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000,
                                  '{"a": ' * 50_000 + "1" + "}" * 50_000])
@pytest.mark.parametrize("path", ["/articles/test-article/predictions", "/tokens"])
def test_json_nested_too_deep_is_a_bad_request(api, article, bob, text, path):
    response = api.as_user(bob).post(path, data=text, content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"
