"""Time zones: members choose an IANA zone in Settings and every page shows dates and times in
it, with the zone named; anonymous readers (and every cached page) see UTC."""

from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from flask import has_request_context
from flask_login import current_user

DEFAULT_ZONE = "UTC"
ZONE_MAX = 64  # the column's length; the longest IANA name has 32 characters


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every IANA zone this machine knows (the system's database, or the tzdata package)."""
    return tuple(sorted(available_timezones() | {DEFAULT_ZONE}))


@lru_cache(maxsize=1)
def _by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in zone_names()}


def canonical_zone(raw) -> str | None:
    """The IANA spelling of a zone name typed in any case ("europe/paris" -> "Europe/Paris"),
    or None when it names no zone."""
    if not isinstance(raw, str) or len(raw.strip()) > ZONE_MAX:
        return None
    return _by_folded_name().get(raw.strip().casefold())


def zone_problem(raw) -> str | None:
    """What is wrong with a time-zone name, said so the person can fix it; or nothing."""
    if not isinstance(raw, str) or not raw.strip():
        return "Choose a time zone, such as UTC or Europe/Paris."
    if canonical_zone(raw) is None:
        shown = raw.strip()[:ZONE_MAX]
        return (f"“{shown}” is not a time zone we know. Use an IANA name like Europe/Paris, "
                "America/New_York or UTC.")
    return None


@lru_cache(maxsize=64)
def zone(name: str) -> tzinfo:
    """The zone of a stored name; UTC for one this machine no longer knows."""
    name = canonical_zone(name) or DEFAULT_ZONE
    return UTC if name == DEFAULT_ZONE else ZoneInfo(name)


def viewer_zone_name() -> str:
    """The zone of whoever the page is for: the member's choice, or UTC for anyone else (and
    outside a request: feeds, emails and the worker speak UTC)."""
    user = current_user._get_current_object() if has_request_context() else None
    if user and user.is_authenticated:
        return canonical_zone(getattr(user, "time_zone", None)) or DEFAULT_ZONE
    return DEFAULT_ZONE


def viewer_zone() -> tzinfo:
    return zone(viewer_zone_name())


def local(value: datetime, zone_name: str | None = None) -> datetime:
    """An instant in a zone, by default the viewer's (a naive datetime is UTC, as the database
    stores it)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone(zone_name) if zone_name else viewer_zone())


def exact_time(value: datetime | None, zone_name: str | None = None) -> str:
    """'2027-06-30 16:05 Europe/Paris': an instant to the minute, always with its zone (the
    viewer's, or the one named: an email speaks its recipient's)."""
    if value is None:
        return ""
    name = (canonical_zone(zone_name) or DEFAULT_ZONE) if zone_name else viewer_zone_name()
    return f"{local(value, name):%Y-%m-%d %H:%M} {name}"

