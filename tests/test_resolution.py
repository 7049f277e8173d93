"""Resolving, correcting and annulling: POST /api/v1/predictions/{id}/resolution (SPEC.md §7)
and the service behind it and the pages. Scores, crowd counters, the log, notifications and
the audit entry change together, or not at all."""

from datetime import timedelta

import pytest
from sqlalchemy import select

import forum.clock
import forum.scores
from forum import clock
from forum.board.services import forecast_points
from forum.extensions import db
from forum.models import AuditEntry, Forecast, Notification, Prediction, Resolution, Score
from forum.scoring import score_prediction
from tests import moderation_support
from tests.moderation_support import (
    NOTE,
    bearer,
    closed_prediction,
    count,
    days_ago,
    fast_passwords,  # noqa: F401  (a fixture)
    resolve_api,
    snapshot,
)

# Fixtures shared with the other resolution tests.
people, closed, mod_headers = (moderation_support.people, moderation_support.closed,
                               moderation_support.mod_headers)

PREDICTION_KEYS = {
    "id", "url", "article", "title", "criteria", "quote", "author", "created_at",
    "resolution_date", "status", "outcome", "author_probability", "crowd", "votes", "my_vote",
    "comment_count", "forecast_count", "resolution",
}


def scores_by_user(prediction_id: int) -> dict[int, Score]:
    db.session.expire_all()
    rows = db.session.scalars(select(Score).where(Score.prediction_id == prediction_id))
    return {row.user_id: row for row in rows}


# Resolving -----------------------------------------------------------------------------------

def test_moderator_resolves_prediction_and_gets_the_prediction_back(client, closed, people,
                                                                    mod_headers):
    response = resolve_api(client, mod_headers, closed.id, outcome="yes",
                           source_url="https://example.com/report")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == PREDICTION_KEYS
    assert body["status"] == "resolved" and body["outcome"] == "yes"
    resolution = body["resolution"]
    assert resolution["outcome"] == "yes" and resolution["note"] == NOTE
    assert resolution["source_url"] == "https://example.com/report"
    assert resolution["resolved_by"] == "mod"
    assert resolution["outcome_time"].endswith("Z") and resolution["resolved_at"].endswith("Z")


def test_resolution_writes_log_scores_audit_and_notifications_together(client, closed, people,
                                                                       mod_headers):
    assert resolve_api(client, mod_headers, closed.id, outcome="yes").status_code == 200
    db.session.expire_all()
    log = db.session.scalars(select(Resolution)).all()
    assert [(entry.outcome, entry.is_correction, entry.resolved_by_id) for entry in log] == [
        ("yes", False, people["mod"].id)]
    assert set(scores_by_user(closed.id)) == {people["alice"].id, people["bob"].id}
    audit = db.session.scalars(select(AuditEntry)).all()
    assert [(a.action, a.target_type, a.target_id, a.reason) for a in audit] == [
        ("resolve", "prediction", closed.id, NOTE)]
    notes = db.session.scalars(select(Notification).order_by(Notification.user_id)).all()
    assert [(n.user_id, n.kind) for n in notes] == [
        (people["alice"].id, "resolved"), (people["bob"].id, "resolved")]
    assert all("resolved YES" in n.message for n in notes)


def test_admin_can_resolve_too(client, closed, people):
    response = resolve_api(client, bearer(people["admin"]), closed.id, outcome="no")
    assert response.status_code == 200
    assert response.get_json()["outcome"] == "no"


def test_resolving_before_the_resolution_date_is_allowed(client, article, people, mod_headers):
    from tests.factories import make_prediction

    prediction = make_prediction(article, people["alice"], created_at=days_ago(10))
    response = resolve_api(client, mod_headers, prediction.id, outcome="yes")
    assert response.status_code == 200
    assert response.get_json()["status"] == "resolved"


def test_resolving_a_resolved_prediction_is_a_conflict_and_changes_nothing(client, closed,
                                                                            mod_headers):
    assert resolve_api(client, mod_headers, closed.id, outcome="yes").status_code == 200
    before = snapshot(closed.id)
    response = resolve_api(client, mod_headers, closed.id, outcome="no")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    assert "correction" in response.get_json()["error"]["message"]
    assert snapshot(closed.id) == before


def test_resolving_an_annulled_prediction_without_correction_is_a_conflict(client, closed,
                                                                           mod_headers):
    assert resolve_api(client, mod_headers, closed.id, outcome="annulled").status_code == 200
    assert resolve_api(client, mod_headers, closed.id, outcome="yes").status_code == 409


def test_default_outcome_time_is_now(client, closed, mod_headers, monkeypatch):
    moment = clock.now().replace(microsecond=123456)
    monkeypatch.setattr(forum.clock, "now", lambda: moment)
    body = resolve_api(client, mod_headers, closed.id, outcome="yes").get_json()
    assert body["resolution"]["outcome_time"] == clock.isoformat_z(moment)
    assert body["resolution"]["resolved_at"] == clock.isoformat_z(moment)


def test_scores_follow_scoring_rules_with_early_outcome_time(client, closed, people,
                                                              mod_headers):
    outcome_time = days_ago(10)
    response = resolve_api(client, mod_headers, closed.id, outcome="yes",
                           outcome_time=clock.isoformat_z(outcome_time))
    assert response.status_code == 200
    db.session.expire_all()
    prediction = db.session.get(Prediction, closed.id)
    points = forecast_points(closed.id)
    assert {point.user for point in points} == {people["alice"].id, people["bob"].id}
    expected = {s.user: s for s in score_prediction(
        points, outcome=True, created_at=prediction.created_at,
        resolution_date=prediction.resolution_date, outcome_time=outcome_time)}
    stored = scores_by_user(closed.id)
    for user_id, score in stored.items():
        assert score.brier == pytest.approx(expected[user_id].brier, abs=1e-9)
        assert score.relative_brier == pytest.approx(expected[user_id].relative_brier, abs=1e-9)
        assert score.coverage < 1  # truncated at the early outcome time


def test_crowd_counts_only_forecasts_before_the_outcome_time(client, closed, people,
                                                              mod_headers, monkeypatch):
    """alice 35 % and bob 80 % before T_end; carol's 10 % came after the event was known."""
    db.session.add(Forecast(prediction_id=closed.id, user_id=people["carol"].id,
                            probability=0.1, created_at=days_ago(5)))
    db.session.commit()
    response = resolve_api(client, mod_headers, closed.id, outcome="yes",
                           outcome_time=clock.isoformat_z(days_ago(6)))
    crowd = response.get_json()["crowd"]
    assert crowd == {"median": pytest.approx(0.575), "forecasters": 2}
    assert response.get_json()["forecast_count"] == 3


# Corrections and annulment -------------------------------------------------------------------

def test_correction_flips_the_scores_and_keeps_the_outcome_time(client, closed, people,
                                                                 mod_headers):
    outcome_time = clock.isoformat_z(days_ago(4))
    first = resolve_api(client, mod_headers, closed.id, outcome="yes", outcome_time=outcome_time)
    yes_scores = {u: (s.brier, s.outcome) for u, s in scores_by_user(closed.id).items()}
    response = resolve_api(client, mod_headers, closed.id, outcome="no", correction=True,
                           note="The report was retracted the next day.")
    assert response.status_code == 200
    body = response.get_json()
    assert body["outcome"] == "no" and body["status"] == "resolved"
    assert body["resolution"]["outcome_time"] == outcome_time
    assert body["resolution"]["resolved_at"] >= first.get_json()["resolution"]["resolved_at"]
    no_scores = {u: (s.brier, s.outcome) for u, s in scores_by_user(closed.id).items()}
    assert set(no_scores) == set(yes_scores)
    bob = people["bob"].id
    assert yes_scores[bob][1] is True and no_scores[bob][1] is False
    assert yes_scores[bob][0] == pytest.approx((0.8 - 1) ** 2, rel=1e-6)
    assert no_scores[bob][0] == pytest.approx(0.8 ** 2, rel=1e-6)
    log = db.session.scalars(select(Resolution).order_by(Resolution.id)).all()
    assert [(e.outcome, e.is_correction) for e in log] == [("yes", False), ("no", True)]
    assert log[1].outcome_time == log[0].outcome_time
    kinds = db.session.scalars(select(Notification.kind).where(
        Notification.user_id == bob).order_by(Notification.id)).all()
    assert kinds == ["resolved", "corrected"]
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["resolve", "correct"]


def test_correction_may_move_the_outcome_time(client, closed, mod_headers):
    resolve_api(client, mod_headers, closed.id, outcome="yes")
    new_time = clock.isoformat_z(days_ago(12))
    response = resolve_api(client, mod_headers, closed.id, outcome="yes", correction=True,
                           outcome_time=new_time)
    assert response.get_json()["resolution"]["outcome_time"] == new_time


def test_correction_without_a_resolution_is_a_conflict(client, closed, mod_headers):
    before = snapshot(closed.id)
    response = resolve_api(client, mod_headers, closed.id, outcome="no", correction=True)
    assert response.status_code == 409
    assert "no resolution to correct" in response.get_json()["error"]["message"]
    assert snapshot(closed.id) == before


def test_correction_needs_a_note(client, closed, mod_headers):
    resolve_api(client, mod_headers, closed.id, outcome="yes")
    before = snapshot(closed.id)
    response = client.post(f"/api/v1/predictions/{closed.id}/resolution", headers=mod_headers,
                           json={"outcome": "no", "correction": True})
    assert response.status_code == 422
    assert "note" in response.get_json()["error"]["fields"]
    assert snapshot(closed.id) == before


def test_annulment_is_not_scored(client, closed, mod_headers):
    response = resolve_api(client, mod_headers, closed.id, outcome="annulled")
    body = response.get_json()
    assert body["status"] == "annulled" and body["outcome"] is None
    assert body["resolution"]["outcome"] == "annulled"
    assert count(Score) == 0


def test_correction_to_annulled_removes_the_scores(client, closed, mod_headers):
    resolve_api(client, mod_headers, closed.id, outcome="yes")
    assert count(Score) == 2
    response = resolve_api(client, mod_headers, closed.id, outcome="annulled", correction=True)
    assert response.status_code == 200
    assert response.get_json()["status"] == "annulled"
    assert count(Score) == 0
    db.session.expire_all()
    prediction = db.session.get(Prediction, closed.id)
    assert prediction.crowd_median == pytest.approx(0.575) and prediction.forecaster_count == 2


def test_correction_from_annulled_back_to_yes_scores_again(client, closed, mod_headers):
    resolve_api(client, mod_headers, closed.id, outcome="annulled")
    response = resolve_api(client, mod_headers, closed.id, outcome="yes", correction=True)
    assert response.get_json()["status"] == "resolved"
    assert count(Score) == 2


# Lifecycle boundaries of outcome_time ----------------------------------------------------------

def test_outcome_time_equal_to_creation_is_allowed(client, closed, mod_headers):
    response = resolve_api(client, mod_headers, closed.id, outcome="yes",
                           outcome_time=clock.isoformat_z(closed.created_at))
    assert response.status_code == 200
    assert response.get_json()["resolution"]["outcome_time"] == clock.isoformat_z(
        closed.created_at)
    assert count(Score) == 0  # nothing was forecast before T_end = T0


def test_outcome_time_before_creation_is_invalid(client, closed, mod_headers):
    before = snapshot(closed.id)
    moment = closed.created_at - timedelta(microseconds=1)
    response = resolve_api(client, mod_headers, closed.id, outcome="yes",
                           outcome_time=clock.isoformat_z(moment))
    assert response.status_code == 422
    assert "before the prediction was posted" in response.get_json()["error"]["fields"][
        "outcome_time"][0]
    assert snapshot(closed.id) == before


def test_outcome_time_in_the_future_is_invalid(client, closed, mod_headers, monkeypatch):
    now = clock.now()
    monkeypatch.setattr(forum.clock, "now", lambda: now)
    before = snapshot(closed.id)
    response = resolve_api(client, mod_headers, closed.id, outcome="yes",
                           outcome_time=clock.isoformat_z(now + timedelta(microseconds=1)))
    assert response.status_code == 422
    assert "future" in response.get_json()["error"]["fields"]["outcome_time"][0]
    assert snapshot(closed.id) == before
    exactly_now = resolve_api(client, mod_headers, closed.id, outcome="yes",
                              outcome_time=clock.isoformat_z(now))
    assert exactly_now.status_code == 200


@pytest.mark.parametrize("written", ["2026-01-02T03:04:05Z", "2026-01-02T03:04:05+00:00",
                                     "2026-01-02T05:04:05+02:00", "2026-01-02T03:04:05"])
def test_outcome_time_is_read_as_iso_8601_in_any_zone(client, article, people, mod_headers,
                                                      monkeypatch, written):
    from datetime import UTC, datetime

    monkeypatch.setattr(forum.clock, "now", lambda: datetime(2026, 3, 1, tzinfo=UTC))
    prediction = closed_prediction(article, people["alice"], created_days=90)
    response = resolve_api(client, mod_headers, prediction.id, outcome="no", outcome_time=written)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["resolution"]["outcome_time"] == "2026-01-02T03:04:05.000000Z"


# Everything in one transaction -----------------------------------------------------------------

def test_failure_while_scoring_leaves_nothing_half_written(client, closed, mod_headers,
                                                           monkeypatch):
    def broken(prediction):
        raise RuntimeError("scoring exploded")

    before = snapshot(closed.id)
    monkeypatch.setattr(forum.scores, "rescore_prediction", broken)
    response = resolve_api(client, mod_headers, closed.id, outcome="yes")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "server_error"
    assert snapshot(closed.id) == before
    monkeypatch.undo()
    assert resolve_api(client, mod_headers, closed.id, outcome="yes").status_code == 200


def test_failure_during_a_correction_keeps_the_previous_resolution(client, closed, mod_headers,
                                                                   monkeypatch):
    resolve_api(client, mod_headers, closed.id, outcome="yes")
    before = snapshot(closed.id)
    monkeypatch.setattr(forum.scores, "rescore_prediction",
                        lambda prediction: (_ for _ in ()).throw(RuntimeError("boom")))
    response = resolve_api(client, mod_headers, closed.id, outcome="no", correction=True)
    assert response.status_code == 500
    assert snapshot(closed.id) == before


# Notifications -----------------------------------------------------------------------------------

def test_each_forecaster_is_notified_once_per_resolution(client, closed, people, mod_headers):
    make_forecast_later = [0.7, 0.75]
    for probability in make_forecast_later:  # bob updates twice: still one notification
        db.session.add(Forecast(prediction_id=closed.id, user_id=people["bob"].id,
                                             probability=probability,
                                             created_at=days_ago(10)))
    db.session.commit()
    resolve_api(client, mod_headers, closed.id, outcome="yes")
    rows = db.session.execute(select(Notification.user_id, Notification.kind)).all()
    assert sorted(rows) == sorted([(people["alice"].id, "resolved"),
                                   (people["bob"].id, "resolved")])


def test_a_moderator_who_forecast_is_not_notified_of_their_own_resolution(client, article,
                                                                          people):
    # the author resolves: an admin may (a moderator may not resolve their own prediction)
    prediction = closed_prediction(article, people["admin"],
                                   forecasts=[(people["bob"], 0.4, 10)])
    assert resolve_api(client, bearer(people["admin"]), prediction.id,
                       outcome="no").status_code == 200
    assert db.session.scalars(select(Notification.user_id)).all() == [people["bob"].id]


def test_notifying_the_same_event_twice_adds_nothing(app, closed, people):
    from forum.notifications.services import notify, notify_many

    ids = [people["alice"].id, people["bob"].id]
    assert notify_many(ids, kind="resolved", event_key="resolution:99", message="x") == 2
    assert notify_many(ids, kind="resolved", event_key="resolution:99", message="x") == 0
    assert notify(people["bob"].id, kind="resolved", event_key="resolution:99",
                  message="x") is None
    db.session.commit()
    assert count(Notification) == 2
