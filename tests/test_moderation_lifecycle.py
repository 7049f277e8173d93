"""The lifecycle as moderators and forecasters meet it through the API: open through the last
instant of the resolution date (UTC), closed from the next, then resolved or annulled; a
forecast on anything but an open prediction is 409."""

from datetime import timedelta

import pytest

import forum.clock
from forum.scoring import scheduled_close
from tests.factories import make_prediction, make_user
from tests.moderation_support import (
    bearer,
    fast_passwords,  # noqa: F401
    resolve_api,
)


@pytest.fixture
def setting(article):
    alice, bob = make_user("alice"), make_user("bob")
    mod = make_user("mod", role="moderator")
    prediction = make_prediction(article, alice, days_ahead=10)
    return {"prediction": prediction, "bob": bearer(bob), "mod": bearer(mod),
            "close": scheduled_close(prediction.resolution_date)}


def at(monkeypatch, moment):
    monkeypatch.setattr(forum.clock, "now", lambda: moment)


def status(client, prediction_id) -> str:
    return client.get(f"/api/v1/predictions/{prediction_id}").get_json()["status"]


def forecast(client, setting, probability=0.4):
    return client.post(f"/api/v1/predictions/{setting['prediction'].id}/forecasts",
                       headers=setting["bob"], json={"probability": probability})


def test_open_until_the_last_instant_of_the_resolution_date(client, setting, monkeypatch):
    at(monkeypatch, setting["close"] - timedelta(microseconds=1))
    assert status(client, setting["prediction"].id) == "open"
    assert forecast(client, setting).status_code == 201


def test_closed_from_midnight_utc_after_the_resolution_date(client, setting, monkeypatch):
    at(monkeypatch, setting["close"])
    assert status(client, setting["prediction"].id) == "closed"
    response = forecast(client, setting)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"


def test_a_closed_prediction_is_resolved_and_stays_closed_to_forecasts(client, setting,
                                                                       monkeypatch):
    at(monkeypatch, setting["close"] + timedelta(days=2))
    response = resolve_api(client, setting["mod"], setting["prediction"].id, outcome="yes")
    assert response.get_json()["status"] == "resolved"
    assert forecast(client, setting).status_code == 409


def test_resolved_early_means_no_more_forecasts_before_the_date(client, setting):
    resolve_api(client, setting["mod"], setting["prediction"].id, outcome="no")
    assert status(client, setting["prediction"].id) == "resolved"
    assert forecast(client, setting).status_code == 409


def test_annulled_means_no_more_forecasts_or_votes(client, setting):
    resolve_api(client, setting["mod"], setting["prediction"].id, outcome="annulled")
    assert status(client, setting["prediction"].id) == "annulled"
    assert forecast(client, setting).status_code == 409
    vote = client.put(f"/api/v1/predictions/{setting['prediction'].id}/vote",
                      headers=setting["bob"], json={"value": 1})
    assert vote.status_code == 409


def test_status_reads_right_at_any_moment_without_a_job(client, setting, monkeypatch):
    moments = [setting["close"] - timedelta(days=1), setting["close"] - timedelta(seconds=1),
               setting["close"], setting["close"] + timedelta(days=100)]
    seen = []
    for moment in moments:
        at(monkeypatch, moment)
        seen.append(status(client, setting["prediction"].id))
    assert seen == ["open", "open", "closed", "closed"]
