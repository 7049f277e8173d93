"""The JSON API for forecasts and votes on predictions (SPEC.md §7). Every answer is also
checked against the API's own OpenAPI document."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum import clock
from forum.extensions import db
from forum.models import Forecast, Vote
from tests.api_support import Api, close, error_of
from tests.factories import make_forecast, make_prediction, make_user
from tests.moderation_support import resolve


@pytest.fixture
def api(client):
    return Api(client)


@pytest.fixture
def bob(app):
    return make_user("bob")


# Forecasts -------------------------------------------------------------------------------

def test_forecasts_list_every_forecast_oldest_first(api, article, alice, bob):
    start = clock.now() - timedelta(days=2)
    prediction = make_prediction(article, alice, probability=0.2, created_at=start)
    make_forecast(prediction, bob, 0.5, created_at=start + timedelta(hours=1))
    make_forecast(prediction, alice, 0.25, created_at=start + timedelta(hours=2))
    make_forecast(prediction, bob, 0.7, created_at=start + timedelta(hours=3))
    items = api.get(f"/predictions/{prediction.id}/forecasts").get_json()["items"]
    assert [(item["username"], item["probability"]) for item in items] == [
        ("alice", 0.2), ("bob", 0.5), ("alice", 0.25), ("bob", 0.7)]
    assert set(items[0]) == {"id", "username", "probability", "created_at"}
    assert all(item["created_at"].endswith("Z") for item in items)


def test_a_member_adds_a_forecast_and_the_crowd_moves(api, article, alice, bob):
    prediction = make_prediction(article, alice, probability=0.2)
    as_bob = api.as_user(bob)
    response = as_bob.post(f"/predictions/{prediction.id}/forecasts", json={"probability": 0.6})
    assert response.status_code == 201
    forecast = response.get_json()
    assert (forecast["username"], forecast["probability"]) == ("bob", 0.6)
    as_bob.post(f"/predictions/{prediction.id}/forecasts", json={"probability": 0.8})
    body = api.get(f"/predictions/{prediction.id}").get_json()
    assert body["crowd"] == {"median": pytest.approx(0.5), "forecasters": 2}
    assert (body["forecast_count"], body["author_probability"]) == (3, 0.2)


def test_the_author_updates_their_own_forecast(api, article, alice):
    prediction = make_prediction(article, alice, probability=0.2)
    response = api.as_user(alice).post(f"/predictions/{prediction.id}/forecasts",
                                       json={"probability": 0.9})
    assert response.status_code == 201
    body = api.get(f"/predictions/{prediction.id}").get_json()
    assert body["crowd"] == {"median": 0.9, "forecasters": 1}
    assert body["author_probability"] == 0.2  # the author's first forecast


@pytest.mark.parametrize("state", ["closed", "resolved", "annulled"])
def test_a_forecast_on_a_prediction_that_is_not_open_is_a_conflict(api, article, alice, bob,
                                                                    state):
    prediction = make_prediction(article, alice)
    if state == "closed":
        close(prediction)
    else:
        resolve(prediction, make_user("mod", role="moderator"),
                "annulled" if state == "annulled" else "yes")
    response = api.as_user(bob).post(f"/predictions/{prediction.id}/forecasts",
                                     json={"probability": 0.5})
    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"
    assert db.session.scalar(select(func.count()).select_from(Forecast)) == 1


@pytest.mark.parametrize("body", [{"probability": "0.5"}, {"probability": False},
                                  {"probability": 0.999}, {"probability": 0.0}, {},
                                  {"probability": 1e400}, {"probability": 10**30}])
def test_a_forecast_must_be_a_probability(api, article, alice, bob, body):
    prediction = make_prediction(article, alice)
    response = api.as_user(bob).post(f"/predictions/{prediction.id}/forecasts", json=body)
    assert response.status_code == 422
    assert list(error_of(response)["fields"]) == ["probability"]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_forecast_of_nan_or_infinity_is_refused(api, article, alice, bob, literal):
    prediction = make_prediction(article, alice)
    response = api.as_user(bob).post(f"/predictions/{prediction.id}/forecasts",
                                     data=f'{{"probability": {literal}}}',
                                     content_type="application/json")
    assert response.status_code == 422


def test_forecasting_on_an_unknown_or_hidden_prediction_is_not_found(api, article, alice, bob):
    prediction = make_prediction(article, alice)
    prediction.hidden = True
    db.session.commit()
    as_bob = api.as_user(bob)
    for prediction_id in (prediction.id, 987654):
        response = as_bob.post(f"/predictions/{prediction_id}/forecasts",
                               json={"probability": 0.5})
        assert response.status_code == 404


def test_forecasting_needs_an_account(api, article, alice):
    prediction = make_prediction(article, alice)
    response = api.post(f"/predictions/{prediction.id}/forecasts", json={"probability": 0.5})
    assert response.status_code == 401


# Votes -----------------------------------------------------------------------------------

def test_a_member_votes_changes_and_removes_a_vote(api, article, alice, bob):
    prediction = make_prediction(article, alice)
    as_bob = api.as_user(bob)
    path = f"/predictions/{prediction.id}/vote"
    assert as_bob.put(path, json={"value": 1}).get_json() == {
        "score": 1, "up": 1, "down": 0, "my_vote": 1}
    assert as_bob.put(path, json={"value": 1}).get_json()["score"] == 1  # idempotent
    carol = api.as_user(make_user("carol"))
    assert carol.put(path, json={"value": -1}).get_json() == {
        "score": 0, "up": 1, "down": 1, "my_vote": -1}
    assert as_bob.put(path, json={"value": -1}).get_json() == {
        "score": -2, "up": 0, "down": 2, "my_vote": -1}
    assert as_bob.put(path, json={"value": 0}).get_json() == {
        "score": -1, "up": 0, "down": 1, "my_vote": 0}
    body = as_bob.get(f"/predictions/{prediction.id}").get_json()
    assert (body["votes"], body["my_vote"]) == ({"score": -1, "up": 0, "down": 1}, 0)
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 1


def test_no_one_votes_on_their_own_prediction(api, article, alice):
    prediction = make_prediction(article, alice)
    response = api.as_user(alice).put(f"/predictions/{prediction.id}/vote", json={"value": 1})
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


@pytest.mark.parametrize("body", [{"value": 2}, {"value": "1"}, {"value": True},
                                  {"value": 1.0}, {"value": None}, {}, {"value": [1]},
                                  {"value": -2}])
def test_a_vote_is_1_minus_1_or_0(api, article, alice, bob, body):
    prediction = make_prediction(article, alice)
    response = api.as_user(bob).put(f"/predictions/{prediction.id}/vote", json=body)
    assert response.status_code == 422
    assert list(error_of(response)["fields"]) == ["value"]


def test_voting_on_a_resolved_prediction_is_a_conflict(api, article, alice, bob):
    prediction = make_prediction(article, alice)
    resolve(prediction, make_user("mod", role="moderator"), "no")
    response = api.as_user(bob).put(f"/predictions/{prediction.id}/vote", json={"value": 1})
    assert response.status_code == 409


def test_voting_needs_an_account_and_a_known_prediction(api, article, alice, bob):
    prediction = make_prediction(article, alice)
    assert api.put(f"/predictions/{prediction.id}/vote", json={"value": 1}).status_code == 401
    assert api.as_user(bob).put("/predictions/424242/vote",
                                json={"value": 1}).status_code == 404
