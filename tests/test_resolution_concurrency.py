"""Two moderators resolving the same prediction at the same instant, against the run's real
database (an SQLite file, or PostgreSQL with TEST_DATABASE_URL): exactly one resolution."""

import threading
import time

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import AuditEntry, Notification, Prediction, Resolution, Score
from forum.moderation import resolutions
from tests.factories import make_user
from tests.moderation_support import (
    bearer,
    closed_prediction,
    count,
    fast_passwords,  # noqa: F401
)

pytestmark = pytest.mark.real_commits  # threads resolve at once, each on its own connection


def race(app, requests):
    """Send the requests from threads released together; returns their status codes."""
    barrier = threading.Barrier(len(requests))
    statuses = [None] * len(requests)

    def send(index, path, body, headers):
        client = app.test_client()
        barrier.wait()
        statuses[index] = client.post(path, json=body, headers=headers).status_code

    threads = [threading.Thread(target=send, args=(index, *request))
               for index, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


@pytest.fixture
def slow_checks(monkeypatch):
    """Hold each request after it has read the prediction as open and before its UPDATE, so
    both requests pass every check made before the statement that changes the row."""
    original = resolutions.check_outcome_time

    def slowly(*args):
        original(*args)
        time.sleep(0.3)

    monkeypatch.setattr(resolutions, "check_outcome_time", slowly)


@pytest.mark.slow
def test_two_moderators_resolving_at_once_make_one_resolution(app, article, slow_checks):
    alice, bob = make_user("alice"), make_user("bob")
    first, second = make_user("mod1", role="moderator"), make_user("mod2", role="moderator")
    prediction = closed_prediction(article, alice, forecasts=[(bob, 0.7, 10)])
    path = f"/api/v1/predictions/{prediction.id}/resolution"
    statuses = race(app, [
        (path, {"outcome": "yes", "note": "Seen on the news."}, bearer(first)),
        (path, {"outcome": "no", "note": "It did not happen."}, bearer(second)),
    ])
    assert sorted(statuses) == [200, 409]
    db.session.expire_all()
    log = db.session.scalars(select(Resolution)).all()
    assert len(log) == 1
    stored = db.session.get(Prediction, prediction.id)
    assert stored.status == "resolved" and stored.outcome == log[0].outcome
    assert count(Score) == 2
    assert count(AuditEntry) == 1
    assert count(Notification) == 2  # alice and bob, once each


@pytest.mark.slow
def test_two_concurrent_corrections_both_apply_in_turn(app, article, slow_checks):
    """Corrections don't conflict with each other: each appends, in some order."""
    alice = make_user("alice")
    first, second = make_user("mod1", role="moderator"), make_user("mod2", role="moderator")
    prediction = closed_prediction(article, alice)
    client = app.test_client()
    headers = bearer(first)
    assert client.post(f"/api/v1/predictions/{prediction.id}/resolution", headers=headers,
                       json={"outcome": "yes", "note": "First."}).status_code == 200
    path = f"/api/v1/predictions/{prediction.id}/resolution"
    statuses = race(app, [
        (path, {"outcome": "no", "note": "Wrong.", "correction": True}, headers),
        (path, {"outcome": "annulled", "note": "Unclear.", "correction": True},
         bearer(second)),
    ])
    assert statuses == [200, 200]
    db.session.expire_all()
    log = db.session.scalars(select(Resolution).order_by(Resolution.id)).all()
    assert len(log) == 3
    stored = db.session.get(Prediction, prediction.id)
    latest = log[-1].outcome
    assert stored.status == ("annulled" if latest == "annulled" else "resolved")
    assert count(Score) == (0 if latest == "annulled" else 1)
