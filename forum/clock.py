"""The one source of the current time, so tests can move it (`monkeypatch.setattr(clock, "now", …)`)."""

from datetime import UTC, date, datetime


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date in UTC."""
    return now().date()


def as_utc(value: datetime) -> datetime:
    """Treat a naive datetime as UTC; convert an aware one to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def isoformat_z(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a `Z`, microseconds always shown (SPEC.md §7)."""
    if value is None:
        return None
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
