"""Strings in a JSON body are text: "\\ud800" (half of a UTF-16 surrogate pair) is valid JSON
but no character, UTF-8 can't encode it and no database stores it. Every JSON endpoint answers
it in any field with a 422 naming the field (400 in a key), stores nothing, and never 500s
(issue 10, item 6). json.dumps would escape it, so these tests write the JSON by hand."""

import json

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import ApiToken, Comment, Forecast, Notification, Prediction, Resolution, Vote
from tests.factories import DEFAULT_PASSWORD, make_comment, make_prediction, make_user
from tests.moderation_support import (  # noqa: F401  (fast_passwords is a fixture)
    NOTE,
    bearer,
    closed_prediction,
    fast_passwords,
)

MARK = "@@surrogate@@"
SURROGATES = ["\\ud800", "a\\udfffb", "https://example.com/\\ud83d"]  # lone low, lone high
STORED = (ApiToken, Comment, Forecast, Notification, Prediction, Resolution, Vote)


@pytest.fixture
def world(article):
    """alice's open prediction with her comment; a closed one; bob, and a moderator."""
    alice, bob, mod = make_user("alice"), make_user("bob"), make_user("mod", role="moderator")
    open_one = make_prediction(article, alice)
    comment = make_comment(open_one, alice)
    closed = closed_prediction(article, alice, title="A prediction whose date has passed")
    return {"open": open_one.id, "comment": comment.id, "closed": closed.id, "bob": bearer(bob),
            "mod": bearer(mod)}


def endpoints(world) -> list[tuple[str, str, str | None, dict]]:
    """(method, path, who, a valid body) for every JSON endpoint that reads a body."""
    return [
        ("POST", "/api/v1/tokens", None, {"username": "bob", "password": DEFAULT_PASSWORD}),
        ("POST", "/api/v1/articles/test-article/predictions", "bob", {
            "title": "North Korea joins arms control talks", "probability": 0.3,
            "criteria": "Reuters or AP report formal talks.", "resolution_date": "2030-01-01",
            "quote": "worth predicting"}),
        ("POST", f"/api/v1/predictions/{world['open']}/forecasts", "bob", {"probability": 0.4}),
        ("PUT", f"/api/v1/predictions/{world['open']}/vote", "bob", {"value": 1}),
        ("POST", f"/api/v1/predictions/{world['open']}/comments", "bob",
         {"body": "A thought", "parent_id": world["comment"]}),
        ("PUT", f"/api/v1/comments/{world['comment']}/vote", "bob", {"value": 1}),
        ("POST", f"/api/v1/predictions/{world['closed']}/resolution", "mod", {
            "outcome": "yes", "note": NOTE, "source_url": "https://example.com/report",
            "outcome_time": None, "correction": False}),
    ]


ENDPOINT_FIELDS = {  # every field each endpoint reads, and one it ignores
    "tokens": ["username", "password", "extra"],
    "predictions": ["title", "probability", "criteria", "resolution_date", "quote", "extra"],
    "forecasts": ["probability", "extra"],
    "vote": ["value", "extra"],
    "comments": ["body", "parent_id", "extra"],
    "comment-vote": ["value", "extra"],
    "resolution": ["outcome", "note", "source_url", "outcome_time", "correction", "extra"],
}
CASES = [(index, name, field) for index, (name, fields) in enumerate(ENDPOINT_FIELDS.items())
         for field in fields]


def counts() -> dict:
    db.session.expire_all()
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in STORED}


def send(client, world, method, path, who, body: dict, text: str = ""):
    """The body as JSON, with the string MARK written as the raw JSON string text."""
    raw = json.dumps(body).replace(f'"{MARK}"', f'"{text}"')
    return client.open(path, method=method, data=raw, content_type="application/json",
                       headers=world[who] if who else {})


@pytest.mark.parametrize(("index", "endpoint", "field"), CASES,
                         ids=[f"{name}-{field}" for _, name, field in CASES])
def test_a_lone_surrogate_in_any_json_field_is_422_and_stores_nothing(client, world, index,
                                                                      endpoint, field):
    method, path, who, body = endpoints(world)[index]
    before = counts()
    for surrogate in SURROGATES:
        response = send(client, world, method, path, who, {**body, field: MARK}, surrogate)
        assert response.status_code == 422, (surrogate, response.get_data(as_text=True)[:300])
        error = response.get_json()["error"]
        assert error["code"] == "validation_error"
        assert list(error["fields"]) == [field]
        assert "surrogate" in error["fields"][field][0]
        assert counts() == before, surrogate


@pytest.mark.parametrize(("index", "endpoint"), list(enumerate(ENDPOINT_FIELDS)))
def test_a_lone_surrogate_deep_inside_or_in_a_key_is_refused(client, world, index, endpoint):
    method, path, who, body = endpoints(world)[index]
    before = counts()
    nested = send(client, world, method, path, who, {**body, "extra": {"list": [1, {"k": MARK}]}},
                  "\\udc00")
    assert nested.status_code == 422
    assert list(nested.get_json()["error"]["fields"]) == ["extra"]
    raw = json.dumps(body)[:-1] + ', "\\ud800": 1}'
    keyed = client.open(path, method=method, data=raw, content_type="application/json",
                        headers=world[who] if who else {})
    assert keyed.status_code == 400
    assert keyed.get_json()["error"]["code"] == "bad_request"
    assert counts() == before


def test_the_valid_bodies_above_are_accepted(client, world):
    """The matrix above proves something only if each body without the surrogate works."""
    for method, path, who, body in endpoints(world):
        response = send(client, world, method, path, who, body)
        assert response.status_code in (200, 201), (path, response.get_data(as_text=True))


def test_a_pair_of_surrogates_is_a_character_and_is_kept(client, world):
    raw = '{"body": "A fine point \\ud83d\\ude00"}'
    response = client.post(f"/api/v1/predictions/{world['open']}/comments", data=raw,
                           content_type="application/json", headers=world["bob"])
    assert response.status_code == 201
    assert response.get_json()["body"] == "A fine point \U0001f600"


def test_a_lone_surrogate_username_counts_against_a_redis_login_limit(make_app, redis_rate_limits):
    """The per-account limit keys Redis by the name a token request gives: a name Redis can't
    encode gets the answer every bad name gets, not a 500 from the limiter."""
    url, prefix = redis_rate_limits
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=url,
                   RATELIMIT_KEY_PREFIX=prefix)
    with app.app_context():
        client = app.test_client()
        raw = '{"username": "bob\\ud800", "password": "whatever it is"}'
        for _ in range(3):
            response = client.post("/api/v1/tokens", data=raw, content_type="application/json")
            assert response.status_code == 422
            assert list(response.get_json()["error"]["fields"]) == ["username"]
