"""Numbers, dates and times a request carries, in a URL path, a query string, a form or a JSON
body: read here, by one set of rules, so no view turns text into a number its own way.

Whole numbers are ASCII digits and nothing else. `str.isdigit()`, `\\d` and `int()` also take
"²", "١٢" and "１" (and `int()` gives up on 5,000 digits with a ValueError), so they are never
used on what a client sends. Dates are `YYYY-MM-DD` and times ISO 8601 in the extended form
only (SPEC.md §7): `date.fromisoformat` would also take week dates ("2027-W26-3") and the
basic form ("20270630").
"""

import re
from datetime import date, datetime

from werkzeug.routing import BaseConverter, ValidationError

from forum import clock

MAX_ID = 2**31 - 1  # the largest id an integer column holds; larger ones exist nowhere
MAX_PAGE = 100_000  # a page further than any list reaches
MAX_DIGITS = 20  # leading zeros aside, no number here needs more

_DIGITS = f"[0-9]{{1,{MAX_DIGITS}}}"  # not \d, which takes every script's digits
_WHOLE = re.compile(_DIGITS)
_DECIMAL = re.compile(rf"[+-]?(?:{_DIGITS}(?:\.[0-9]{{0,{MAX_DIGITS}}})?|\.{_DIGITS})")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
                   r"(?:Z|[+-][0-9]{2}:[0-9]{2})?")

DATE_MESSAGE = "Give a date as YYYY-MM-DD."
TIME_MESSAGE = ("Give the time in ISO 8601 as YYYY-MM-DDTHH:MM[:SS[.ffffff]] in UTC, with a Z or "
                "an offset (e.g. 2027-06-30T14:00:00Z), or leave it empty for now.")


def read_whole_number(value, low: int = 1, high: int = MAX_ID) -> int | None:
    """A whole number in [low, high] from ASCII digits (no sign, space or exponent) or from a
    JSON integer; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = int(value) if _WHOLE.fullmatch(value) else None
    if not isinstance(value, int):
        return None
    return value if low <= value <= high else None


def read_id(value) -> int | None:
    """A row id (1 to MAX_ID) from text or a JSON integer; None when it can't be one."""
    return read_whole_number(value, 1, MAX_ID)


def read_decimal(text) -> float | None:
    """A decimal number written with ASCII digits and at most one point ("35", "0.35",
    "-2", ".5"); None for exponents, "nan", "inf", "1_000" and other digits."""
    if not isinstance(text, str) or not _DECIMAL.fullmatch(text):
        return None
    return float(text)


def read_date(value) -> date | None:
    """A date written exactly YYYY-MM-DD with ASCII digits; None for anything else."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:  # 2027-02-30
        return None


def read_time(value) -> datetime | None:
    """An instant in ISO 8601's extended form, as aware UTC: a `Z` or an offset, or none at all
    for UTC (what a browser's datetime-local field sends); None for anything else."""
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        return None
    try:
        return clock.as_utc(datetime.fromisoformat(value))
    except (ValueError, OverflowError):  # 25:00, or an offset before year 1
        return None


class IdConverter(BaseConverter):
    """`<id:name>` in a route: an id in ASCII digits without leading zeros, 1 to MAX_ID; any
    other spelling ("١٢", "012", "0") matches no route, so one row has one address."""

    regex = r"[1-9][0-9]{0,9}"
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = read_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value) -> str:
        return str(int(value))
