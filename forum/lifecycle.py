"""The lifecycle of a prediction (SPEC.md §3): open → closed → resolved or annulled.

"closed" is never stored: it is derived from the resolution date at the moment of asking,
so it is right at any instant without a job that might not run.
"""

from datetime import date, datetime

from sqlalchemy import and_

from forum import clock
from forum.db_hints import open_date
from forum.scoring import scheduled_close

OPEN, CLOSED, RESOLVED, ANNULLED = "open", "closed", "resolved", "annulled"
STATUSES = (OPEN, CLOSED, RESOLVED, ANNULLED)


def status_of(stored_status: str, resolution_date: date, now: datetime | None = None) -> str:
    """The public status: a stored 'open' past its scheduled close reads as 'closed'."""
    if stored_status != OPEN:
        return stored_status
    now = now or clock.now()
    return OPEN if now < scheduled_close(resolution_date) else CLOSED


def accepts_forecasts(prediction, now: datetime | None = None) -> bool:
    """Forecasts are accepted while the prediction is open: now < T_close, no resolution."""
    return status_of(prediction.status, prediction.resolution_date, now) == OPEN


def withdrawable(prediction, now: datetime | None = None) -> bool:
    """Its author may still take it back: it takes forecasts, nobody else has forecast on it
    (the author's own updates don't count), and it is neither hidden nor withdrawn. The same
    test is the WHERE of the UPDATE that withdraws it (forum.board.services)."""
    return (accepts_forecasts(prediction, now) and prediction.forecaster_count <= 1
            and not prediction.hidden and prediction.withdrawn_at is None)


def accepts_votes(prediction) -> bool:
    """Votes are accepted until the prediction is resolved or annulled (a closed one, past
    its date and awaiting resolution, still takes them)."""
    return prediction.status == OPEN


def votes_clause(model):
    """SQL: the prediction accepts votes (accepts_votes), for the vote's guarded UPDATE."""
    return model.status == OPEN


def open_clause(model, today: date):
    """SQL: the prediction is open (stored open and its resolution date not yet past); the
    date test is kept off SQLite's indexes (forum.db_hints.open_date says why)."""
    return and_(model.status == OPEN, open_date(model.resolution_date) >= today)


def status_clause(model, status: str, today: date):
    """SQL filter for a public status; None for 'all'."""
    if status == OPEN:
        return open_clause(model, today)
    if status == CLOSED:
        return and_(model.status == OPEN, model.resolution_date < today)
    if status in (RESOLVED, ANNULLED):
        return model.status == status
    return None


def latest_resolution_date(today: date) -> date:
    """Ten years ahead of today (28 Feb when today is 29 Feb)."""
    try:
        return today.replace(year=today.year + 10)
    except ValueError:
        return today.replace(year=today.year + 10, day=28)
