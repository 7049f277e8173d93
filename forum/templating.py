"""Template filters and globals: dates as people say them, percentages, fingerprinted static URLs."""

import hashlib
import math
import re
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, request, url_for
from markupsafe import Markup
from werkzeug.routing import BuildError

from forum import assets, clock, search
from forum.forms import FIELD_LIMITS, error_items
from forum.markdown import nest_headings
from forum.permissions import can_change, vote_refusal_message
from forum.scoring import scheduled_close
from forum.site import absolute_url
from forum.timezones import exact_time, local
from forum.xml_text import html_text


@lru_cache(maxsize=256)
def _file_digest(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:10]


def static_url(filename: str) -> str:
    """A static file's URL with a content hash, so it can be cached for a year (a bundle's,
    forum/assets.py, is its concatenation's)."""
    version = assets.version(filename)
    if version is None:
        path = Path(current_app.static_folder) / filename
        try:
            version = _file_digest(str(path), path.stat().st_mtime)
        except OSError:
            version = "0"
    return url_for("static", filename=filename, v=version)


def canonical_url() -> str | None:
    """The page's address under SITE_URL, for `<link rel="canonical">`: its route with the
    path arguments, and `page` past the first. Other query arguments (sorting, filters, a
    search, a reply form) show the same content another way. None when the request is no GET
    (or HEAD, which must answer GET's headers) of a route (a form shown again with its errors,
    a page that doesn't exist)."""
    if request.method not in ("GET", "HEAD") or request.url_rule is None \
            or request.endpoint is None:
        return None
    values = dict(request.view_args or {})
    page = request.args.get("page", "")
    if page.isdigit() and int(page) > 1:
        values["page"] = int(page)
    try:
        return absolute_url(request.endpoint, **values)
    except BuildError:
        return None


def human_date(value: date | datetime | None) -> str:
    """'30 Jun 2027': a date as it is, an instant as its day in the viewer's time zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value)
    return f"{value.day} {value:%b %Y}"


def human_time(value: datetime | None) -> str:
    """'30 Nov 2026, 09:04:17 UTC' (seconds only when there are some): an instant in a
    message, never an ISO timestamp with microseconds."""
    if value is None:
        return ""
    value = clock.as_utc(value)
    clock_part = f"{value:%H:%M:%S}" if value.second or value.microsecond else f"{value:%H:%M}"
    return f"{human_date(value)}, {clock_part} UTC"


def utc_time(value: datetime | None) -> str:
    """'2027-06-30 14:05 UTC' whoever reads it (tables headed UTC); pages show `exact_time`."""
    return "" if value is None else f"{clock.as_utc(value):%Y-%m-%d %H:%M} UTC"


def datetime_attribute(value: date | datetime | None) -> str:
    """The machine-readable value of `<time datetime>`: '2027-06-30' for a date, and for an
    instant UTC to the millisecond ('2027-06-30T14:05:09.123Z'), the most HTML allows (the
    API's `isoformat_z` keeps microseconds, SPEC.md §7)."""
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return value.isoformat()
    value = clock.as_utc(value)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


_INPUT_VALUES = {
    "number": re.compile(r"-?(\d+(\.\d+)?|\.\d+)([eE][-+]?\d+)?"),
    "url": re.compile(r"https?://[^\s\"<>\\^`{|}]+"),
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "datetime-local": re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?"),
}


def _fits_input(text: str, wanted: str) -> bool:
    if not _INPUT_VALUES[wanted].fullmatch(text):
        return False
    try:
        if wanted == "date":
            date.fromisoformat(text)
        elif wanted == "datetime-local":
            datetime.fromisoformat(text)
        elif wanted == "url":
            urlsplit(text).port  # noqa: B018 (raises on a port that is no number)
    except ValueError:
        return False
    return True


def input_type(value: object, wanted: str) -> str:
    """The type of an `<input>` that shows a refused value back: `wanted` (number, url, date,
    datetime-local) when the value is one, else "text", so what was typed stays there to be
    corrected (`<input type=number value="ten">` is invalid HTML, and shown empty). The
    template leaves out the attributes only the typed input takes (min, max, step)."""
    text = "" if value is None else str(value).strip()
    return wanted if not text or _fits_input(text, wanted) else "text"


def relative_time(value: date | datetime | None, now: datetime | None = None) -> str:
    """'in 3 months', '2 days ago', 'today' for dates; 'just now' for instants."""
    if value is None:
        return ""
    now = now or clock.now()
    if isinstance(value, datetime):
        seconds = (clock.as_utc(value) - now).total_seconds()
    else:
        days = (value - now.date()).days
        if days == 0:
            return "today"
        if days in (1, -1):
            return "tomorrow" if days == 1 else "yesterday"
        seconds = days * 86400
    return _say_span(seconds)


def _say_span(seconds: float) -> str:
    label = duration(seconds)
    if label is None:
        return "just now"
    return f"in {label}" if seconds > 0 else f"{label} ago"


def duration(seconds: float) -> str | None:
    """A span in its largest whole unit: '5 minutes', '3 months'; None under a minute."""
    span = abs(seconds)
    units = [(365 * 86400, "year"), (30 * 86400, "month"), (7 * 86400, "week"),
             (86400, "day"), (3600, "hour"), (60, "minute")]
    for size, name in units:
        if span >= size:
            count = int(span // size)
            return f"{count} {name}{'s' if count != 1 else ''}"
    return None


def precise_percent(value: float | None) -> str:
    """A share as a percentage that never rounds a small one to nothing: 0.5 -> '50 %',
    0.1234 -> '12.3 %', 0.0000377 -> '0.0038 %' (two significant digits below 1 %)."""
    if value is None:
        return "–"
    number = value * 100
    if number == 0:
        return "0 %"
    if number >= 1:
        return percent(value) if number >= 10 else f"{number:.2f}".rstrip("0").rstrip(".") + " %"
    digits = 1 - math.floor(math.log10(number))
    return f"{number:.{digits}f} %"


TIME_STYLES = {"date": human_date, "relative": relative_time, "exact": exact_time}


def time_tag(value: date | datetime | None, style: str = "date") -> Markup:
    """Every date or time a page shows, as one `<time>` element: its machine-readable value,
    the text in `style` ("date": '30 Jun 2027', "relative": '2 days ago', "exact": '2027-06-30
    16:05 Europe/Paris') and, for an instant, the exact time in the viewer's zone as a tooltip.
    A date (a resolution date) is a UTC day; its tooltip says when forecasts on it close."""
    if value is None:
        return Markup("")
    machine = datetime_attribute(value)
    if isinstance(value, datetime):
        title = exact_time(value)
    else:
        title = f"Forecasts close {exact_time(scheduled_close(value))} (the end of {machine} UTC)"
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        machine, title, TIME_STYLES[style](value))


def percent(value: float | None) -> str:
    """0.35 -> '35 %', 0.425 -> '42.5 %', None -> '–'."""
    if value is None:
        return "–"
    number = value * 100
    if abs(number - round(number)) < 0.05:
        return f"{round(number)} %"
    return f"{number:.1f} %"


def brier(value: float | None, signed: bool = False) -> str:
    """A Brier score to three decimals ('+0.012' when signed)."""
    if value is None:
        return "–"
    return f"{value:+.3f}" if signed else f"{value:.3f}"


def mark_fingerprinted_static_immutable(response):
    """A static URL that carries its content hash never changes: browsers needn't revalidate."""
    if request.endpoint == "static" and "v" in request.args and response.status_code == 200:
        response.cache_control.max_age = 365 * 86400
        response.cache_control.public = True
        response.cache_control.immutable = True
    return response


class Clean(Markup):
    """HTML already passed through `html_text` (a cached fragment), so a page that shows it
    needn't scan it again."""

    __slots__ = ()


def without_forbidden_characters(value):
    """The templates' `finalize`: each value a template outputs, text or HTML (a stored body,
    a macro's output), with every character HTML forbids replaced (forum/xml_text.py), so no
    page carries one, wherever it came from, and a cached fragment is clean when stored."""
    if not isinstance(value, str) or isinstance(value, Clean):
        return value
    cleaned = html_text(value)
    if cleaned is value:
        return value
    return Markup(cleaned) if isinstance(value, Markup) else cleaned


def number(value: int) -> str:
    """A count as readers read it: thousands grouped ("6,427 predictions", "30,000")."""
    return f"{value:,}"


def register(app: Flask) -> None:
    """Make the helpers available in every template. They format and link; none reads the
    database (each page's data comes from its page function, the layout's from
    forum/layout.py)."""
    app.jinja_env.filters.update(
        human_date=human_date, human_time=human_time, utc_time=utc_time, exact_time=exact_time,
        time_tag=time_tag, relative_time=relative_time,
        datetime_attribute=datetime_attribute, input_type=input_type, nest_headings=nest_headings,
        percent=percent, brier=brier, precise_percent=precise_percent, number=number,
        highlight=search.highlight,
    )
    app.jinja_env.globals.update(
        static_url=static_url, canonical_url=canonical_url, absolute_url=absolute_url,
        isoformat_z=clock.isoformat_z, vote_refusal=vote_refusal_message, can_change=can_change,
        duration=duration, time_tag=time_tag, error_items=error_items, limits=FIELD_LIMITS,
    )
    app.after_request(mark_fingerprinted_static_immutable)
    app.jinja_env.finalize = without_forbidden_characters
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
