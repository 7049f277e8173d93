"""Flags: a member reports a prediction, a comment or a resolution; moderators close them.

One open flag per member and target is a partial unique index on the table: a second report
meets the index (inside a savepoint) and becomes a clear 409, never a 500."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from forum import clock
from forum.errors import Conflict, Forbidden, Invalid, NotFound
from forum.extensions import db
from forum.forms import declare_limits
from forum.models import Flag, User
from forum.params import MAX_ID
from forum.permissions import ensure_can_write
from forum.text import line_problem
from forum.visibility import load_comment, load_prediction, load_resolution

REASONS = {
    "spam": "Spam or advertising",
    "abusive": "Abusive or harassing",
    "unclear_criteria": "Unclear criteria",
    "wrong_resolution": "Wrong resolution",
    "other": "Something else",
}
DISPUTE = "wrong_resolution"
# Which reasons fit which thing: criteria belong to predictions, and a resolution can only be
# wrong once there is one (a prediction resolved or annulled, or an entry of its log).
REASONS_FOR = {
    "prediction": ("spam", "abusive", "unclear_criteria", "other"),
    "resolved prediction": ("spam", "abusive", "unclear_criteria", "wrong_resolution", "other"),
    "comment": ("spam", "abusive", "other"),
    "resolution": ("wrong_resolution", "abusive", "other"),
}
TARGET_TYPES = ("prediction", "comment", "resolution")
TEXT_MAX = 1000
declare_limits(report_text=TEXT_MAX)


def find(model, row_id: int):
    """The row with this id, or None (also for ids no integer column can hold)."""
    return db.session.get(model, row_id) if 0 < row_id <= MAX_ID else None


@dataclass(frozen=True)
class FlagTarget:
    """The thing reported: what it is, the prediction it belongs to, and who wrote it."""

    type: str
    id: int
    prediction_id: int
    owner_id: int
    resolved: bool = False  # a prediction with a resolution in force
    row: object = field(default=None, compare=False, repr=False)  # what the page shows

    @property
    def reasons(self) -> dict[str, str]:
        """The reasons that fit this thing, with their labels, most likely first."""
        kind = "resolved prediction" if self.type == "prediction" and self.resolved else self.type
        return {reason: REASONS[reason] for reason in REASONS_FOR[kind]}


def find_target(target_type: str, target_id: int) -> FlagTarget:
    """The reportable thing, or NotFound. Only what the public sees can be reported: a hidden
    prediction, and its comments and resolutions, are not found (forum.visibility)."""
    try:
        if target_type == "prediction":
            row = load_prediction(target_id, None)
            return FlagTarget("prediction", row.id, row.id, row.author_id,
                              resolved=row.status in ("resolved", "annulled"))
        if target_type == "comment":
            row, _prediction = load_comment(target_id, None)
            if row.hidden or row.deleted:
                raise Conflict("That comment was already removed.")
            return FlagTarget("comment", row.id, row.prediction_id, row.author_id, row=row)
        if target_type == "resolution":
            row, _prediction = load_resolution(target_id, None)
            return FlagTarget("resolution", row.id, row.prediction_id, row.resolved_by_id,
                              row=row)
    except NotFound:
        pass
    raise NotFound(f"Nothing to report: no such {target_type}.")


def reason_problem(reason, target: FlagTarget | None = None) -> str | None:
    """Why this reason can't be given for this thing; None when it fits."""
    if not isinstance(reason, str) or reason not in REASONS:
        return "Choose why you are reporting it."
    if target is not None and reason not in target.reasons:
        what = ("a prediction that isn't resolved yet" if target.type == "prediction"
                else f"a {target.type}")
        choices = ", ".join(f"“{label}”" for label in target.reasons.values())
        return f"“{REASONS[reason]}” doesn't fit {what}: choose {choices}."
    return None


def read_flag(data: Mapping, target: FlagTarget | None = None) -> tuple[str, str]:
    """The reason (one of the target's reasons) and the text ("other" needs it); Invalid
    otherwise."""
    reason, text = data.get("reason"), data.get("text")
    errors: dict[str, list[str]] = {}
    if problem := reason_problem(reason, target):
        errors["reason"] = [problem]
    if text is not None and not isinstance(text, str):
        errors["text"] = ["Describe the problem in words."]
    text = (text or "").strip() if isinstance(text, str) else ""
    if problem := line_problem(text):
        errors["text"] = [problem]
    elif reason == "other" and not text:
        errors["text"] = ["Say what is wrong, so a moderator knows what to look for."]
    elif len(text) > TEXT_MAX:
        errors["text"] = [f"Keep it under {TEXT_MAX:,} characters (you have {len(text):,})."]
    if errors:
        raise Invalid(errors)
    return reason, text


def create_flag(reporter: User, target_type: str, target_id: int, reason: str,
                text: str = "") -> Flag:
    """Report something to the moderators; Conflict when this member already has it open."""
    ensure_can_write(reporter)
    if target_type not in TARGET_TYPES:
        raise NotFound("Only predictions, comments and resolutions can be reported.")
    target = find_target(target_type, target_id)
    if target.owner_id == reporter.id:
        raise Forbidden(f"You can't report your own {target_type}.")
    if problem := reason_problem(reason, target):
        raise Invalid({"reason": [problem]})
    flag = Flag(reporter_id=reporter.id, target_type=target.type, target_id=target.id,
                prediction_id=target.prediction_id, reason=reason, text=text,
                created_at=clock.now())
    try:
        with db.session.begin_nested():
            db.session.add(flag)
    except IntegrityError:
        raise Conflict(f"You have already reported this {target_type}; a moderator will "
                       "look at it soon.") from None
    return flag


def close_flags(condition, moderator: User, note: str, status: str = "actioned") -> list[int]:
    """Close the open flags matching `condition` in one guarded UPDATE; returns the ids it
    closed (none when another moderator closed them first)."""
    return sorted(db.session.scalars(
        update(Flag).where(Flag.status == "open", condition)
        .values(status=status, handled_by_id=moderator.id, handled_at=clock.now(),
                handled_note=note[:1000])
        .returning(Flag.id).execution_options(synchronize_session=False)
    ))


def close_target_flags(target_type: str, target_id: int, moderator: User, note: str):
    """Every open report of one thing is answered (it was hidden)."""
    return close_flags((Flag.target_type == target_type) & (Flag.target_id == target_id),
                       moderator, note)


def close_disputes(prediction_id: int, moderator: User, note: str):
    """Open "wrong resolution" reports on a prediction are answered by a correction."""
    return close_flags((Flag.prediction_id == prediction_id) & (Flag.reason == DISPUTE)
                       & or_(Flag.target_type == "resolution", Flag.target_type == "prediction"),
                       moderator, note)
