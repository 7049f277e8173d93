"""Resolving, correcting and annulling predictions (SPEC.md §3 and §7).

One function, `resolve_prediction`, serves the pages and the JSON API. Everything it changes
(the prediction row, a new resolution log entry, the score rows, the crowd counters, the
forecasters' notifications, the audit entry, answered disputes) is written in the caller's
transaction, so a failure anywhere leaves nothing half-written. The state check is in the
UPDATE itself (WHERE status = 'open', or resolved/annulled for a correction): of two
moderators resolving at once, one changes the row and the other changes nothing and gets 409.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import Select, update

from forum import cache_versions, clock, running, scores
from forum.board.services import refresh_crowd, set_crowd
from forum.database import checkpoint_after_response
from forum.errors import Conflict, Invalid
from forum.extensions import db
from forum.forms import declare_limits
from forum.lifecycle import ANNULLED, OPEN, RESOLVED
from forum.models import Prediction, Resolution, User
from forum.moderation import audit, flags
from forum.moderation.notifications import resolution_emails
from forum.notifications.services import notify_where
from forum.params import TIME_MESSAGE
from forum.params import read_time as read_instant
from forum.permissions import ensure_can_resolve
from forum.scoring import ForecastPoint, scheduled_close
from forum.templating import human_time
from forum.text import line_problem

OUTCOMES = {"yes": "Yes", "no": "No", "annulled": "Annulled"}
NOTE_MAX = 2000
URL_MAX = 2000
declare_limits(note=NOTE_MAX, source_url=URL_MAX)
_HOST = re.compile(r"(?:[\w-]+\.)*[\w-]+\.?")  # a name or an IPv4 address (IPv6 has a ":")
_TRUE = {"1", "true", "on", "yes", "y"}
_FALSE = {"", "0", "false", "off", "no", "n"}


@dataclass(frozen=True)
class ResolutionRequest:
    """What a moderator asks for; `outcome_time` None means now (or, for a correction, keep)."""

    outcome: str
    note: str
    source_url: str | None = None
    outcome_time: datetime | None = None
    correction: bool = False


def read_resolution(data: Mapping, prediction: Prediction | None = None) -> ResolutionRequest:
    """Read a resolution from a JSON object or a form; Invalid names every bad field at once,
    the outcome time's bounds too when the prediction is given."""
    errors: dict[str, list[str]] = {}
    outcome = data.get("outcome")
    if not isinstance(outcome, str) or outcome not in OUTCOMES:
        errors["outcome"] = ["Choose the outcome: yes, no or annulled."]
    note = _read_note(data.get("note"), errors)
    source_url = read_source_url(data.get("source_url"), errors)
    outcome_time = read_time(data.get("outcome_time"), errors)
    correction = _read_flag(data.get("correction"), errors)
    if prediction is not None and "outcome_time" not in errors:
        try:
            check_outcome_time(prediction, outcome_time, clock.now())
        except Invalid as invalid:
            errors.update(invalid.fields)
    if errors:
        raise Invalid(errors)
    return ResolutionRequest(outcome=outcome, note=note, source_url=source_url,
                             outcome_time=outcome_time, correction=correction)


def _read_note(value, errors: dict) -> str | None:
    if not isinstance(value, str) or not value.strip():
        errors["note"] = ["Write a note: how do you know the outcome? Anyone can read it."]
        return None
    note = value.strip()
    if problem := line_problem(note):
        errors["note"] = [problem]
        return None
    if len(note) > NOTE_MAX:
        errors["note"] = [f"Keep the note under {NOTE_MAX:,} characters (you have {len(note):,})."]
        return None
    return note


def read_source_url(value, errors: dict, name: str = "source_url") -> str | None:
    """An optional http(s) link with a host; None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    message = "Give a full web address starting with http:// or https://, or leave it empty."
    if not isinstance(value, str):
        errors[name] = [message]
        return None
    url = value.strip()
    if len(url) > URL_MAX:
        errors[name] = [f"Keep the address under {URL_MAX:,} characters."]
        return None
    if problem := line_problem(url):
        errors[name] = [problem]
        return None
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port
    except ValueError:
        host = None
    if (host is None or parts.scheme.lower() not in ("http", "https")
            or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url)
            or not (":" in host or _HOST.fullmatch(host))):
        errors[name] = [message]
        return None
    return url


def read_time(value, errors: dict, name: str = "outcome_time") -> datetime | None:
    """An optional instant in ISO 8601's extended form (a time without a zone is UTC); None
    when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    moment = read_instant(value)
    if moment is None:
        errors[name] = [TIME_MESSAGE]
    return moment


def _read_flag(value, errors: dict) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    errors["correction"] = ["correction is true or false."]
    return False


def check_outcome_time(prediction: Prediction, moment: datetime | None, now: datetime) -> None:
    """Never later than now, never before the prediction was created (equal is fine)."""
    if moment is None:
        return
    if moment > now:
        raise Invalid({"outcome_time": ["The outcome time can't be in the future."]})
    if moment < prediction.created_at:
        posted = human_time(prediction.created_at)
        raise Invalid({"outcome_time": [
            f"The outcome time can't be before the prediction was posted ({posted})."]})


def resolve_prediction(prediction: Prediction, moderator: User,
                       request: ResolutionRequest) -> Resolution:
    """Resolve, correct or annul; returns the new log entry. The caller commits. Moderators
    may not resolve their own predictions (forum.permissions.resolve_refusal)."""
    ensure_can_resolve(moderator, prediction)
    now = clock.now()
    check_outcome_time(prediction, request.outcome_time, now)
    with scores.collector_paused():  # a busy prediction: tens of thousands of forecasts
        return _resolve(prediction, moderator, request, now)


def _resolve(prediction: Prediction, moderator: User, request: ResolutionRequest,
             now: datetime) -> Resolution:
    """Everything a resolution writes, in a fixed number of statements whatever the number of
    forecasts and forecasters (tests/test_resolution_scale.py counts them)."""
    checkpoint_after_response(db.session.connection())  # SQLite: ~17,000 pages for the busiest
    _change_row(prediction, request, now)
    cache_versions.touch(*cache_versions.of_prediction(prediction.id), cache_versions.SCORES)
    resolution = Resolution(
        prediction_id=prediction.id, outcome=request.outcome, note=request.note,
        source_url=request.source_url, outcome_time=prediction.outcome_time,
        resolved_by_id=moderator.id, resolved_at=now, is_correction=request.correction,
    )
    db.session.add(resolution)
    db.session.flush()
    # The running totals spare reading and sweeping every forecast when all of them count;
    # otherwise (an outcome time before the last forecast, or no totals) the forecasts.
    kept = running.load(prediction)
    cut = t_end(prediction) if prediction.status == RESOLVED else None
    if kept is not None and kept.counts_all(prediction.created_at, cut):
        scores.rescore_prediction(prediction, kept=kept)
        set_crowd(prediction, kept.totals.crowd, len(kept.windows), kept.totals.forecasts)
    else:
        points = scores.forecast_points(prediction.id)
        scores.rescore_prediction(prediction, points)
        refresh_counted_crowd(prediction, points)
    forecasters = running.forecasters(prediction.id, kept)
    _notify_forecasters(prediction, resolution, moderator, forecasters)
    resolution_emails(prediction, resolution, forecasters)
    action = "correct" if request.correction else (
        "annul" if request.outcome == "annulled" else "resolve")
    audit.record(moderator, action, "prediction", prediction.id, request.note,
                 outcome=request.outcome, outcome_time=clock.isoformat_z(resolution.outcome_time),
                 source_url=request.source_url, resolution_id=resolution.id,
                 prediction_id=prediction.id)
    if request.correction:
        flags.close_disputes(prediction.id, moderator, f"Corrected to {request.outcome}.")
    return resolution


def _change_row(prediction: Prediction, request: ResolutionRequest, now: datetime) -> None:
    """The guarded UPDATE; Conflict when the prediction's state doesn't allow the request."""
    annulled = request.outcome == "annulled"
    values = {"status": ANNULLED if annulled else RESOLVED,
              "outcome": None if annulled else request.outcome, "resolved_at": now}
    if request.outcome_time is not None or not request.correction:
        values["outcome_time"] = request.outcome_time or now  # a correction keeps it otherwise
    allowed = (RESOLVED, ANNULLED) if request.correction else (OPEN,)
    changed = db.session.execute(
        update(Prediction).where(Prediction.id == prediction.id, Prediction.status.in_(allowed))
        .values(**values).execution_options(synchronize_session=False)
    ).rowcount
    if not changed and request.correction:
        raise Conflict("There is no resolution to correct yet: resolve the prediction first.")
    if not changed:
        raise Conflict("This prediction is already resolved or annulled. To change the "
                       "outcome, make a correction (\"correction\": true) with a note.")
    db.session.refresh(prediction)


def t_end(prediction: Prediction) -> datetime:
    """min(outcome_time, T_close) of the latest resolution (SCORING.md)."""
    return min(prediction.outcome_time, scheduled_close(prediction.resolution_date))


def refresh_counted_crowd(prediction: Prediction, points: list[ForecastPoint]) -> None:
    """The crowd counters: on a resolved prediction only forecasts before T_end count."""
    refresh_crowd(prediction, points,
                  before=t_end(prediction) if prediction.status == RESOLVED else None)


def _notify_forecasters(prediction: Prediction, resolution: Resolution, moderator: User,
                        forecasters: Select) -> None:
    """Everyone who forecast on the prediction (`forecasters`: their ids) hears of it in the
    app, but not the moderator."""
    title = prediction.title if len(prediction.title) <= 80 else prediction.title[:77] + "…"
    annulled, outcome = resolution.outcome == "annulled", resolution.outcome.upper()
    if resolution.is_correction:
        message = (f"The resolution of “{title}” was corrected: it is annulled (not scored)."
                   if annulled else f"The resolution of “{title}” was corrected to {outcome}.")
    else:
        message = (f"“{title}” was annulled (not scored)." if annulled
                   else f"“{title}” resolved {outcome}.")
    notify_where(User.id.in_(forecasters),
                 kind="corrected" if resolution.is_correction else "resolved",
                 event_key=f"resolution:{resolution.id}", message=message,
                 actor_id=moderator.id, prediction_id=prediction.id)
