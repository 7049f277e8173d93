"""Small helpers shared by the moderation, resolution, flag and notification tests."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from forum import clock
from forum.extensions import db
from forum.models import AuditEntry, Flag, Notification, Resolution, Score
from tests.api_support import bearer
from tests.factories import make_forecast, make_prediction, make_user

NOTE = "Reuters reported the test on the day."


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch):
    """These tests make many accounts; hash their passwords cheaply (login still checks them).
    Import this fixture into a test module to use it there."""
    monkeypatch.setattr("forum.models.user.generate_password_hash",
                        lambda password, method=None: generate_password_hash(
                            password, method="pbkdf2:sha256:1"))




def resolve_api(client, headers, prediction_id: int, **body):
    """POST /api/v1/predictions/{id}/resolution with a default note."""
    body.setdefault("note", NOTE)
    return client.post(f"/api/v1/predictions/{prediction_id}/resolution", json=body,
                       headers=headers)


def days_ago(days: float) -> datetime:
    return clock.now() - timedelta(days=days)


def closed_prediction(article, author, *, closed_days=3, created_days=30, forecasts=(),
                      **fields):
    """A prediction whose resolution date passed `closed_days` ago (status: closed), with
    `forecasts` [(user, probability, days ago)] made while it was open."""
    prediction = make_prediction(article, author, created_at=days_ago(created_days), **fields)
    for user, probability, age in forecasts:
        make_forecast(prediction, user, probability, created_at=days_ago(age))
    prediction.resolution_date = clock.today() - timedelta(days=closed_days)
    db.session.commit()
    return prediction


def resolve(prediction, moderator, outcome="yes", note=NOTE, **fields):
    """Resolve through the service, as the pages and the API do, and commit."""
    from forum.moderation.resolutions import ResolutionRequest, resolve_prediction

    resolution = resolve_prediction(prediction, moderator,
                                    ResolutionRequest(outcome=outcome, note=note, **fields))
    db.session.commit()
    return resolution


def count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def snapshot(prediction_id: int) -> dict:
    """Everything a resolution may change, to prove that a refused one changed nothing."""
    from forum.models import Prediction

    db.session.expire_all()
    prediction = db.session.get(Prediction, prediction_id)
    return {
        "row": (prediction.status, prediction.outcome, prediction.outcome_time,
                prediction.resolved_at, prediction.crowd_median, prediction.forecaster_count),
        "resolutions": count(Resolution), "scores": count(Score), "audit": count(AuditEntry),
        "notifications": count(Notification), "flags": count(Flag),
    }


# Fixtures for the resolution tests (import them into a test module to use them) ----------

@pytest.fixture
def people(app):
    return {
        "alice": make_user("alice"), "bob": make_user("bob"), "carol": make_user("carol"),
        "mod": make_user("mod", role="moderator"), "admin": make_user("root", role="admin"),
    }


@pytest.fixture
def closed(article, people):
    """alice's prediction (35 %), bob forecast 80 %; its resolution date passed 3 days ago."""
    return closed_prediction(article, people["alice"], created_days=30,
                             forecasts=[(people["bob"], 0.8, 20)])


@pytest.fixture
def mod_headers(people):
    return bearer(people["mod"])
