"""The lifecycle's rules at a given instant (SPEC.md §3), without a database: open through the
last microsecond of the resolution date (UTC), closed from 00:00 UTC the next day; resolved
and annulled whatever the date."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from forum.lifecycle import (
    accepts_forecasts,
    accepts_votes,
    latest_resolution_date,
    status_of,
    withdrawable,
)

# A date far from today, so that a rule answering for "now" instead of the instant asked
# about gives the other answer.
DAY = date(2001, 3, 10)
LAST_MOMENT = datetime(2001, 3, 10, 23, 59, 59, 999999, tzinfo=UTC)
CLOSE = datetime(2001, 3, 11, tzinfo=UTC)


def prediction(status="open", resolution_date=DAY, hidden=False, forecaster_count=1,
               withdrawn_at=None):
    return SimpleNamespace(status=status, resolution_date=resolution_date, hidden=hidden,
                           forecaster_count=forecaster_count, withdrawn_at=withdrawn_at)


def test_open_until_the_last_microsecond_of_the_resolution_date_then_closed():
    assert status_of("open", DAY, LAST_MOMENT) == "open"
    assert status_of("open", DAY, CLOSE) == "closed"
    assert accepts_forecasts(prediction(), LAST_MOMENT) is True
    assert accepts_forecasts(prediction(), CLOSE) is False


def test_a_date_in_the_future_is_open_now_and_one_in_the_past_closed():
    today = datetime.now(UTC).date()
    assert accepts_forecasts(prediction(resolution_date=today + timedelta(days=1))) is True
    assert accepts_forecasts(prediction(resolution_date=today - timedelta(days=1))) is False


@pytest.mark.parametrize("status", ["resolved", "annulled"])
def test_resolved_and_annulled_keep_their_status_and_take_nothing(status):
    before_close = CLOSE - timedelta(days=5)
    assert status_of(status, DAY, before_close) == status
    assert accepts_forecasts(prediction(status), before_close) is False
    assert accepts_votes(prediction(status)) is False


def test_votes_are_taken_while_open_and_after_the_close_until_resolved():
    # No instant is asked about: before or after the close, only the stored status counts.
    assert accepts_votes(prediction()) is True


@pytest.mark.parametrize(("today", "latest"), [
    (date(2026, 11, 30), date(2036, 11, 30)),
    (date(2028, 2, 29), date(2038, 2, 28)),  # no 29 February ten years on
    (date(2024, 2, 28), date(2034, 2, 28)),
])
def test_the_latest_resolution_date_is_ten_years_ahead(today, latest):
    assert latest_resolution_date(today) == latest


def test_the_author_may_withdraw_while_open_and_only_their_own_forecast_stands():
    assert withdrawable(prediction(forecaster_count=1), LAST_MOMENT) is True
    assert withdrawable(prediction(forecaster_count=0), LAST_MOMENT) is True


@pytest.mark.parametrize(("changes", "moment"), [
    ({"forecaster_count": 2}, LAST_MOMENT),  # someone else has forecast
    ({"hidden": True}, LAST_MOMENT),
    ({"withdrawn_at": CLOSE - timedelta(days=1)}, LAST_MOMENT),
    ({}, CLOSE),  # closed at 00:00 UTC the next day
    ({"status": "resolved"}, LAST_MOMENT),
    ({"status": "annulled"}, LAST_MOMENT),
])
def test_withdrawing_ends_with_another_forecaster_a_moderator_or_the_close(changes, moment):
    assert withdrawable(prediction(**changes), moment) is False
