"""A resolution's cost does not grow with its crowd (issue 14): resolving a prediction with
hundreds of forecasters through the API writes exactly the score rows of SCORING.md's
brute-force reference, one notification and one email per forecaster, and runs as many SQL
statements as resolving one with three; on SQLite its commit leaves the log's checkpoint to
after the response."""

import random
import sqlite3
from datetime import timedelta

import pytest
from sqlalchemy import event, func, insert, select

from forum import running
from forum.extensions import db
from forum.models import EmailDelivery, Forecast, Notification, Prediction, Score, User
from forum.scoring import ForecastPoint, score_prediction
from tests import moderation_support
from tests.moderation_support import (
    closed_prediction,
    days_ago,
    fast_passwords,  # noqa: F401  (a fixture)
    resolve_api,
)
from tests.unit.test_scoring import reference_scores

people, mod_headers = moderation_support.people, moderation_support.mod_headers


def crowd_prediction(article, author, forecasters: int, seed: int,
                     kept: bool = True) -> Prediction:
    """A closed prediction (posted 30 days ago) with `forecasters` other members, each
    forecasting one to three times; whole hours make forecasts at the same instant common.
    Members and forecasts go in with one statement each (hundreds of them); then the
    running totals are built as the forecasts would have left them, unless not `kept`
    (a database from before them: the resolve sweeps the forecasts)."""
    rng = random.Random(seed)
    prediction = closed_prediction(article, author, created_days=30)
    first = db.session.scalar(select(func.coalesce(func.max(User.id), 0))) + 1
    names = [f"crowd{seed}x{index}" for index in range(forecasters)]
    db.session.execute(insert(User), [
        {"username": name, "username_key": name, "email": f"{name}@example.com",
         "password_hash": "x", "email_verified_at": days_ago(60)} for name in names])
    users = db.session.scalars(select(User.id).where(User.id >= first)).all()
    assert len(users) == forecasters
    db.session.execute(insert(Forecast), [
        {"prediction_id": prediction.id, "user_id": user,
         "probability": rng.choice([0.05, 0.2, 0.35, 0.5, 0.65, 0.8, round(rng.random() * 0.98
                                                                              + 0.01, 4)]),
         "created_at": days_ago(29) + timedelta(hours=rng.randrange(0, 26 * 24))}
        for user in users for _ in range(rng.randint(1, 3))])
    if kept:
        running.rebuild(prediction)
    db.session.commit()
    return prediction


def stored_points(prediction_id: int) -> list[ForecastPoint]:
    return [ForecastPoint(*row) for row in db.session.execute(
        select(Forecast.id, Forecast.user_id, Forecast.probability, Forecast.created_at)
        .where(Forecast.prediction_id == prediction_id))]


@pytest.mark.parametrize("kept", [True, False], ids=["running totals", "sweep"])
def test_a_crowd_of_hundreds_is_scored_as_the_reference_and_each_notified_once(
        client, article, people, mod_headers, kept):
    prediction = crowd_prediction(article, people["alice"], forecasters=250, seed=14,
                                  kept=kept)
    points = stored_points(prediction.id)
    forecasters = {point.user for point in points}
    assert len(forecasters) == 251 and len(points) > 400  # alice and 250 others

    response = resolve_api(client, mod_headers, prediction.id, outcome="yes")
    assert response.status_code == 200
    db.session.expire_all()
    prediction = db.session.get(Prediction, prediction.id)
    terms = {"outcome": True, "created_at": prediction.created_at,
             "resolution_date": prediction.resolution_date,
             "outcome_time": prediction.outcome_time}
    rows = db.session.scalars(select(Score).where(Score.prediction_id == prediction.id)).all()
    stored = {row.user_id: row for row in rows}
    assert len(rows) == len(stored) == 251

    expected = reference_scores(points, **terms)
    assert sorted(stored) == sorted(expected)
    for user, (brier, crowd_brier, coverage, relative_brier) in expected.items():
        row = stored[user]
        assert (row.brier, row.crowd_brier, row.coverage, row.relative_brier) == pytest.approx(
            (brier, crowd_brier, coverage, relative_brier), abs=1e-9)
    # … and bit for bit what the scoring module gives (the rows of `forum scores recompute`)
    exact = {score.user: score for score in score_prediction(points, **terms)}
    for user, row in stored.items():
        score = exact[user]
        assert (row.brier, row.crowd_brier, row.coverage, row.relative_brier,
                row.final_probability, row.outcome) == (
            score.brier, score.crowd_brier, score.coverage, score.relative_brier,
            score.final_probability, True)

    notified = db.session.execute(
        select(Notification.user_id, func.count())
        .where(Notification.event_key == f"resolution:{_latest(prediction)}")
        .group_by(Notification.user_id)).all()
    assert dict(notified) == {user: 1 for user in forecasters}  # the moderator did not forecast
    emailed = db.session.scalars(select(EmailDelivery.user_id).where(
        EmailDelivery.kind == "resolution")).all()
    assert sorted(emailed) == sorted(forecasters)
    assert prediction.forecaster_count == 251 and prediction.forecast_count == len(points)


def _latest(prediction: Prediction) -> int:
    from forum.models import Resolution

    return db.session.scalar(select(func.max(Resolution.id)).where(
        Resolution.prediction_id == prediction.id))


def resolve_counting(client, headers, prediction_id: int, count_queries) -> list[str]:
    with count_queries() as statements:
        assert resolve_api(client, headers, prediction_id, outcome="no").status_code == 200
    return list(statements)


@pytest.mark.parametrize("kept", [True, False], ids=["running totals", "sweep"])
def test_the_statements_of_a_resolve_do_not_grow_with_its_forecasters(
        client, article, people, mod_headers, count_queries, kept):
    warm_up = crowd_prediction(article, people["alice"], forecasters=2, seed=1, kept=kept)
    few = crowd_prediction(article, people["alice"], forecasters=3, seed=2, kept=kept)
    many = crowd_prediction(article, people["bob"], forecasters=120, seed=3, kept=kept)
    resolve_counting(client, mod_headers, warm_up.id, count_queries)  # one-off work first
    small = resolve_counting(client, mod_headers, few.id, count_queries)
    large = resolve_counting(client, mod_headers, many.id, count_queries)
    assert db.session.scalar(select(func.count()).select_from(Score).where(
        Score.prediction_id == many.id)) == 121
    assert len(large) == len(small), (small, large)
    assert len(small) < 40


@pytest.mark.real_commits  # the log and its checkpoint are seen from a second connection
def test_sqlite_checkpoints_a_resolve_after_its_response_not_inside_it(
        app, client, article, people, mod_headers):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL checkpoints in a process of its own")
    prediction = crowd_prediction(article, people["alice"], forecasters=40, seed=5)
    thresholds = []

    def note_threshold(connection):  # at every commit: would SQLite checkpoint in it?
        thresholds.append(connection.connection.dbapi_connection.execute(
            "PRAGMA wal_autocheckpoint").fetchone()[0])

    event.listen(db.engine, "commit", note_threshold)
    try:
        response = resolve_api(client, mod_headers, prediction.id, outcome="yes")
    finally:
        event.remove(db.engine, "commit", note_threshold)
    assert response.status_code == 200
    # From the resolve on (the token check before it may commit too) no commit checkpoints.
    assert 0 in thresholds and set(thresholds[thresholds.index(0):]) == {0}
    db.session.remove()  # no reader holds an old snapshot of the database file
    response.close()  # the response is sent: now the worker checkpoints
    busy, logged, copied = sqlite3.connect(db.engine.url.database).execute(
        "PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert busy == 0 and logged > 0 and copied == logged  # nothing was left to copy
    with db.engine.connect() as connection:  # the pooled connection has its threshold back
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
