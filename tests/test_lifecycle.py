"""The lifecycle at its edges: open through the last second of the resolution date (UTC),
closed from 00:00 UTC the next day, then resolved or annulled."""

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select, update

from forum import clock
from forum.board.services import vote_on_prediction
from forum.errors import Conflict
from forum.extensions import db
from forum.lifecycle import accepts_forecasts, status_of
from forum.models import Forecast, Prediction, Vote
from tests.factories import make_prediction, make_user
from tests.moderation_support import resolve


@pytest.fixture
def prediction(article):
    return make_prediction(article, make_user("alice"), days_ahead=30)


@pytest.fixture
def bob(auth, client, prediction):
    user = make_user("bob")
    auth.login("bob")
    return user


def at(day, hour=0, minute=0, second=0, microsecond=0):
    return datetime.combine(day, time(hour, minute, second, microsecond), tzinfo=UTC)


def test_the_last_second_of_the_resolution_date_is_still_open(client, prediction, bob,
                                                              monkeypatch):
    last = at(prediction.resolution_date, 23, 59, 59, 999999)
    monkeypatch.setattr(clock, "now", lambda: last)
    assert status_of(prediction.status, prediction.resolution_date) == "open"
    page = client.get(f"/predictions/{prediction.id}").get_data(as_text=True)
    assert 'class="badge badge-open"' in page
    response = client.post(f"/predictions/{prediction.id}/forecasts", data={"probability": "40"})
    assert response.status_code == 303
    assert db.session.scalar(select(Forecast.probability).where(Forecast.user_id == bob.id)) \
        == pytest.approx(0.4)


def test_midnight_utc_the_next_day_is_closed(client, prediction, bob, monkeypatch):
    midnight = at(prediction.resolution_date + timedelta(days=1))
    monkeypatch.setattr(clock, "now", lambda: midnight)
    assert not accepts_forecasts(prediction)
    page = client.get(f"/predictions/{prediction.id}").get_data(as_text=True)
    assert 'class="badge badge-closed"' in page and "awaiting resolution" in page
    response = client.post(f"/predictions/{prediction.id}/forecasts", data={"probability": "40"})
    assert response.status_code == 409
    assert db.session.scalar(select(Forecast).where(Forecast.user_id == bob.id)) is None


def test_the_board_filters_follow_the_same_boundary(client, prediction, monkeypatch):
    board = "/articles/test-article/predictions"
    last, midnight = (at(prediction.resolution_date, 23, 59, 59),
                      at(prediction.resolution_date + timedelta(days=1)))
    monkeypatch.setattr(clock, "now", lambda: last)
    assert f'id="prediction-{prediction.id}"' in client.get(f"{board}?status=open").text
    assert f'id="prediction-{prediction.id}"' not in client.get(f"{board}?status=closed").text
    monkeypatch.setattr(clock, "now", lambda: midnight)
    assert f'id="prediction-{prediction.id}"' not in client.get(f"{board}?status=open").text
    assert f'id="prediction-{prediction.id}"' in client.get(f"{board}?status=closed").text


@pytest.mark.parametrize("status", ["resolved", "annulled"])
def test_a_settled_prediction_is_neither_open_nor_closed_on_the_board(client, prediction,
                                                                      monkeypatch, status):
    board, row = "/articles/test-article/predictions", f'id="prediction-{prediction.id}"'
    resolve(prediction, make_user("mod", role="moderator"),
            "yes" if status == "resolved" else "annulled")
    assert row not in client.get(f"{board}?status=open").text  # its date is still ahead
    later = at(prediction.resolution_date + timedelta(days=2))
    monkeypatch.setattr(clock, "now", lambda: later)
    assert row not in client.get(f"{board}?status=closed").text  # its date has passed
    assert row in client.get(f"{board}?status={status}").text


def test_a_closed_prediction_still_takes_votes_until_it_is_resolved(client, prediction, bob,
                                                                    monkeypatch):
    later = at(prediction.resolution_date + timedelta(days=2))
    monkeypatch.setattr(clock, "now", lambda: later)
    assert client.post(f"/predictions/{prediction.id}/vote", data={"value": "1"}) \
        .status_code == 303
    prediction.status, prediction.outcome = "resolved", "no"
    db.session.commit()
    assert client.post(f"/predictions/{prediction.id}/vote", data={"value": "-1"}) \
        .status_code == 409


def test_a_vote_checked_before_a_resolution_but_written_after_it_is_refused(prediction):
    """The race: a voter's request has read the prediction as open when a moderator's
    resolution commits. The vote's guarded UPDATE re-reads the status and refuses it."""
    voter = make_user("bob")
    db.session.execute(update(Prediction).where(Prediction.id == prediction.id)
                       .values(status="resolved", outcome="no")
                       .execution_options(synchronize_session=False))
    assert prediction.status == "open"  # what the request read before the resolution
    with pytest.raises(Conflict, match="Voting has ended"):
        vote_on_prediction(voter, prediction, 1)
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 0


@pytest.mark.parametrize(("status", "outcome", "badge", "text"), [
    ("resolved", "yes", "badge-yes", "Resolved yes"),
    ("resolved", "no", "badge-no", "Resolved no"),
    ("annulled", None, "badge-annulled", "Annulled"),
])
def test_outcome_badges(client, prediction, status, outcome, badge, text):
    prediction.status, prediction.outcome = status, outcome
    prediction.outcome_time = prediction.resolved_at = clock.now()
    db.session.commit()
    page = client.get(f"/predictions/{prediction.id}").text
    assert f'<span class="badge {badge}">{text}</span>' in page
    assert "forecasts are closed" in page
    board = client.get(f"/articles/test-article/predictions?status={status}").text
    assert f'id="prediction-{prediction.id}"' in board and badge in board


def test_the_open_badge_says_when_it_resolves(client, prediction):
    page = client.get(f"/predictions/{prediction.id}").text
    assert "resolves <time" in page and "in 1 month</time>" in page
