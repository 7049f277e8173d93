"""Posting a prediction through the JSON API: strict input, every refusal exact (SPEC.md §7).
Every answer is also checked against the API's own OpenAPI document."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum import clock
from forum.extensions import db
from forum.models import Forecast, Prediction
from tests.api_support import Api, error_of
from tests.factories import make_user


@pytest.fixture
def api(client):
    return Api(client)


@pytest.fixture
def bob(app):
    return make_user("bob")


def new_prediction(**fields) -> dict:
    body = {"title": "The summit will happen before the end of 2027",
            "criteria": "Resolves yes if both leaders meet in person.",
            "probability": 0.3,
            "resolution_date": (clock.today() + timedelta(days=90)).isoformat()}
    body.update(fields)
    return body


def raw_json(api, method, path, text: str):
    """Send a body exactly as written (NaN, Infinity, malformed JSON…)."""
    return api.request(method, path, data=text, content_type="application/json")


# Posting a prediction --------------------------------------------------------------------

def test_a_member_posts_a_prediction(api, article, bob):
    response = api.as_user(bob).post(
        "/articles/test-article/predictions",
        json=new_prediction(quote="  a passage   readers may\nquote "))
    assert response.status_code == 201
    body = response.get_json()
    assert (body["author"], body["status"], body["author_probability"]) == ("bob", "open", 0.3)
    assert body["quote"] == "a passage readers may quote"
    assert body["crowd"] == {"median": 0.3, "forecasters": 1}
    assert body["my_vote"] == 0
    stored = db.session.get(Prediction, body["id"])
    assert stored.title == "The summit will happen before the end of 2027"
    forecast = db.session.scalar(select(Forecast).where(Forecast.prediction_id == stored.id))
    assert (forecast.user_id, forecast.probability) == (bob.id, 0.3)
    assert forecast.created_at == stored.created_at


def test_posting_ignores_fields_a_client_may_not_set(api, article, alice, bob):
    sneaky = new_prediction(
        author="alice", author_id=alice.id, id=12345, status="resolved", outcome="yes",
        created_at="2001-01-01T00:00:00Z", vote_score=99, votes={"score": 99}, hidden=True,
        crowd={"median": 0.9, "forecasters": 50}, comment_count=7, forecast_count=9,
        url="https://evil.example/", article="elsewhere", resolution={"outcome": "yes"})
    body = api.as_user(bob).post("/articles/test-article/predictions", json=sneaky).get_json()
    assert body["id"] != 12345
    assert (body["author"], body["status"], body["outcome"], body["resolution"]) == (
        "bob", "open", None, None)
    assert body["votes"] == {"score": 0, "up": 0, "down": 0}
    assert (body["comment_count"], body["forecast_count"]) == (0, 1)
    assert body["article"] == "test-article"
    assert body["created_at"] > "2020"
    assert not db.session.get(Prediction, body["id"]).hidden


def test_unicode_survives_the_round_trip(api, article, bob):
    title = "Kim 金正恩 will visit Seoul 🇰🇷 — «un sommet» בקרוב"
    criteria = "Résolu « oui » si l’agence KCNA l’annonce. ✅ Ünïcödé ok."
    response = api.as_user(bob).post("/articles/test-article/predictions",
                                     json=new_prediction(title=title, criteria=criteria))
    assert response.status_code == 201
    body = api.get(f"/predictions/{response.get_json()['id']}").get_json()
    assert (body["title"], body["criteria"]) == (title, criteria)


@pytest.mark.parametrize("fields, field, message", [
    ({"title": "Too short"}, "title", "Use 10–200 characters (you have 9)."),
    ({"title": "x" * 201}, "title", "Use 10–200 characters (you have 201)."),
    ({"title": "          "}, "title", "This is required."),
    ({"title": 1234567890}, "title", "This is required."),
    ({"title": "A title with a NUL \x00 inside"}, "title", None),
    ({"criteria": "x" * 5001}, "criteria", "Use 10–5000 characters (you have 5001)."),
    ({"criteria": ["a list", "of strings"]}, "criteria", "This is required."),
    ({"probability": "0.5"}, "probability", None),
    ({"probability": True}, "probability", None),
    ({"probability": None}, "probability", None),
    ({"probability": 0}, "probability", None),
    ({"probability": 1}, "probability", None),
    ({"probability": 0.995}, "probability", None),
    ({"probability": 0.001}, "probability", None),
    ({"probability": -0.5}, "probability", None),
    ({"probability": 10**400}, "probability", None),
    ({"probability": 1e308}, "probability", None),
    ({"probability": [0.5]}, "probability", None),
    ({"probability": {"value": 0.5}}, "probability", None),
    ({"resolution_date": "2027-13-01"}, "resolution_date", "Give a date as YYYY-MM-DD."),
    ({"resolution_date": 20270101}, "resolution_date", "Give a date as YYYY-MM-DD."),
    ({"resolution_date": "tomorrow"}, "resolution_date", "Give a date as YYYY-MM-DD."),
    ({"resolution_date": "2027-06-30T00:00:00Z"}, "resolution_date",
     "Give a date as YYYY-MM-DD."),
    ({"quote": "A passage that the article does not contain"}, "quote", None),
    ({"quote": 42}, "quote", None),
    ({"quote": "x" * 1001}, "quote", None),
])
def test_posting_refuses_invalid_fields(api, article, bob, fields, field, message):
    response = api.as_user(bob).post("/articles/test-article/predictions",
                                     json=new_prediction(**fields))
    assert response.status_code == 422
    error = error_of(response)
    assert (error["status"], error["code"]) == (422, "validation_error")
    assert set(error["fields"]) == {field}
    if message:
        assert error["fields"][field] == [message]
    assert db.session.scalar(select(func.count()).select_from(Prediction)) == 0


def test_probabilities_at_the_ends_of_the_range_are_accepted(api, article, bob):
    as_bob = api.as_user(bob)
    for probability in (0.01, 0.99):
        response = as_bob.post("/articles/test-article/predictions",
                               json=new_prediction(probability=probability))
        assert response.get_json()["author_probability"] == probability


@pytest.mark.parametrize("days, ok", [(0, False), (-1, False), (1, True)])
def test_the_resolution_date_must_be_after_today(api, article, bob, days, ok):
    date = (clock.today() + timedelta(days=days)).isoformat()
    response = api.as_user(bob).post("/articles/test-article/predictions",
                                     json=new_prediction(resolution_date=date))
    assert response.status_code == (201 if ok else 422)


def test_the_resolution_date_is_at_most_ten_years_ahead(api, article, bob):
    today = clock.today()
    limit = today.replace(year=today.year + 10) if not (today.month == 2 and today.day == 29) \
        else today.replace(year=today.year + 10, day=28)
    as_bob = api.as_user(bob)
    late = as_bob.post("/articles/test-article/predictions",
                       json=new_prediction(resolution_date=(limit + timedelta(days=1))
                                           .isoformat()))
    assert late.status_code == 422
    at_limit = as_bob.post("/articles/test-article/predictions",
                           json=new_prediction(resolution_date=limit.isoformat()))
    assert at_limit.status_code == 201


def test_every_invalid_field_is_reported_at_once(api, article, bob):
    response = api.as_user(bob).post("/articles/test-article/predictions", json={})
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"title", "criteria", "probability",
                                                  "resolution_date"}


@pytest.mark.parametrize("text", ['{"probability": NaN}', '{"probability": Infinity}',
                                  '{"probability": -Infinity}'])
def test_nan_and_infinity_are_refused(api, article, bob, text):
    body = json.dumps(new_prediction())[:-1] + ", " + text[1:]
    response = raw_json(api.as_user(bob), "POST", "/articles/test-article/predictions", body)
    assert response.status_code in (400, 422)
    assert error_of(response)["code"] in ("bad_request", "validation_error")
    assert db.session.scalar(select(func.count()).select_from(Prediction)) == 0


@pytest.mark.parametrize("text", ["", "{", "[1, 2]", '"a string"', "null", "42", "true",
                                  "{'single': 'quotes'}", '{"a": 1} trailing', "\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_a_bad_request(api, article, bob, text):
    response = raw_json(api.as_user(bob), "POST", "/articles/test-article/predictions", text)
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"


def test_a_huge_body_is_too_large(api, article, bob):
    body = json.dumps(new_prediction(criteria="x" * (2 * 1024 * 1024)))
    response = raw_json(api.as_user(bob), "POST", "/articles/test-article/predictions", body)
    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"


def test_posting_needs_an_account(api, article):
    response = api.post("/articles/test-article/predictions", json=new_prediction())
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


def test_posting_on_an_unknown_article_is_not_found(api, article, bob):
    response = api.as_user(bob).post("/articles/nope/predictions", json=new_prediction())
    assert response.status_code == 404
