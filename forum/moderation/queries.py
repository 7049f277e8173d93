"""Reading for the moderators' pages and the prediction page's panel. Each function costs a
fixed number of queries, however many rows there are."""

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from forum import cache_versions, clock
from forum.extensions import db
from forum.lifecycle import CLOSED, status_clause
from forum.models import AuditEntry, Comment, Flag, Prediction, Resolution, User
from forum.moderation.flags import DISPUTE
from forum.pagination import Page

REPORTS_SHOWN = 200  # open flags loaded for the queue, oldest first


def awaiting_resolution(page: int = 1, per_page: int = 20) -> Page:
    """Closed predictions (past their date, no resolution), the longest waiting first."""
    closed = status_clause(Prediction, CLOSED, clock.today())
    total = db.session.scalar(select(func.count(Prediction.id)).where(closed))
    items = db.session.scalars(
        select(Prediction).options(joinedload(Prediction.author), joinedload(Prediction.article))
        .where(closed)
        .order_by(Prediction.resolution_date, Prediction.created_at, Prediction.id)
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total or 0)


@dataclass
class ReportGroup:
    """The open reports of one thing (disputes apart from the rest), with the thing itself."""

    target_type: str
    target_id: int
    dispute: bool
    flags: list[Flag]
    prediction: Prediction | None = None
    comment: Comment | None = None
    resolution: Resolution | None = None

    @property
    def first(self) -> Flag:
        return self.flags[0]


@dataclass
class Reports:
    reports: list[ReportGroup] = field(default_factory=list)
    disputes: list[ReportGroup] = field(default_factory=list)
    total: int = 0  # open reports in all
    shown: int = 0  # of which loaded here


def open_reports() -> Reports:
    """Open flags grouped by the thing reported, oldest first, with their targets (5 queries)."""
    total = db.session.scalar(select(func.count(Flag.id)).where(Flag.status == "open")) or 0
    rows = db.session.scalars(
        select(Flag).options(joinedload(Flag.reporter)).where(Flag.status == "open")
        .order_by(Flag.created_at, Flag.id).limit(REPORTS_SHOWN)
    ).all()
    grouped: dict[tuple, list[Flag]] = {}  # in order of each thing's oldest open report
    for flag in rows:
        key = (flag.target_type, flag.target_id, flag.reason == DISPUTE)
        grouped.setdefault(key, []).append(flag)
    groups = [ReportGroup(*key, flags=flags) for key, flags in grouped.items()]
    _attach_targets(groups)
    result = Reports(total=total, shown=len(rows))
    for group in groups:
        (result.disputes if group.dispute else result.reports).append(group)
    return result


def _attach_targets(groups: list[ReportGroup]) -> None:
    def ids(kind):
        return {group.target_id for group in groups if group.target_type == kind}

    prediction_ids = {group.first.prediction_id for group in groups}
    predictions = _by_id(Prediction, prediction_ids, joinedload(Prediction.author))
    comments = _by_id(Comment, ids("comment"), joinedload(Comment.author))
    resolutions = _by_id(Resolution, ids("resolution"), joinedload(Resolution.resolved_by))
    for group in groups:
        group.prediction = predictions.get(group.first.prediction_id)
        group.comment = comments.get(group.target_id) if group.target_type == "comment" else None
        if group.target_type == "resolution":
            group.resolution = resolutions.get(group.target_id)


def _by_id(model, ids, *options) -> dict:
    if not ids:
        return {}
    rows = db.session.scalars(select(model).options(*options).where(model.id.in_(ids)))
    return {row.id: row for row in rows}


def audit_log(actor: str = "", action: str = "", page: int = 1, per_page: int = 50) -> Page:
    """Audit entries, newest first, optionally of one actor (by name) and one action."""
    conditions = []
    if actor:
        conditions.append(AuditEntry.actor_id.in_(
            select(User.id).where(User.username_key == actor.strip().casefold())))
    if action:
        conditions.append(AuditEntry.action == action)
    total = db.session.scalar(select(func.count(AuditEntry.id)).where(*conditions))
    items = db.session.scalars(
        select(AuditEntry).options(joinedload(AuditEntry.actor)).where(*conditions)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total or 0)


def audit_usernames(entries) -> dict[int, str]:
    """Names of the members that audit entries point at (one query)."""
    ids = {entry.target_id for entry in entries if entry.target_type == "user"}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())


def members(query: str = "", page: int = 1, per_page: int = 25) -> Page:
    """Members whose name contains `query`, alphabetically."""
    conditions = []
    if query:
        # autoescape: a % or _ in the search is the character itself, not a wildcard
        conditions.append(User.username_key.contains(query.strip().casefold(), autoescape=True))
    total = db.session.scalar(select(func.count(User.id)).where(*conditions))
    items = db.session.scalars(
        select(User).where(*conditions).order_by(User.username_key)
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total or 0)


def resolution_log(prediction_id: int) -> list[Resolution]:
    """A prediction's resolution log, latest first, with who made each entry (one query)."""
    return list(db.session.scalars(
        select(Resolution).options(joinedload(Resolution.resolved_by))
        .where(Resolution.prediction_id == prediction_id)
        .order_by(Resolution.resolved_at.desc(), Resolution.id.desc())
    ))


@dataclass
class PanelState:
    """What the viewer's moderation controls on one prediction page need to know."""

    my_flags: set = field(default_factory=set)  # {(target_type, target_id)} open by the viewer
    open_counts: dict = field(default_factory=dict)  # moderators: {(type, id): open reports}


def _open_flags(prediction_id: int, viewer) -> tuple[tuple, ...]:
    """(target type, target id, reporter) of the open reports on a prediction's page: all of
    them for a moderator, the viewer's own for a member."""
    conditions = [Flag.prediction_id == prediction_id, Flag.status == "open"]
    if not viewer.is_moderator:
        conditions.append(Flag.reporter_id == viewer.id)
    return tuple(tuple(row) for row in db.session.execute(
        select(Flag.target_type, Flag.target_id, Flag.reporter_id).where(*conditions)))


def panel_state(prediction_id: int, viewer) -> PanelState:
    """The viewer's open reports and, for moderators, the open report counts (one query,
    kept while the database is unchanged; none for a visitor)."""
    state = PanelState()
    if getattr(viewer, "is_authenticated", False):
        rows = cache_versions.while_unchanged(
            ("panel-flags", prediction_id, viewer.id, viewer.is_moderator),
            lambda: _open_flags(prediction_id, viewer))
        for target_type, target_id, reporter_id in rows:
            if reporter_id == viewer.id:
                state.my_flags.add((target_type, target_id))
            if viewer.is_moderator:
                key = (target_type, target_id)
                state.open_counts[key] = state.open_counts.get(key, 0) + 1
    return state
