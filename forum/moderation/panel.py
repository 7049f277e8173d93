"""The prediction page's moderation panel, and the moderators' pages' helpers.

`prediction_panel` is the panel's data (the resolution log, the viewer's open reports and the
moderators' report counts): `forum.board.pages.prediction_page` calls it, so the page's view
model holds it and templates/moderation/_prediction_panel.html and _comment_actions.html only
read it (two queries for a member, one for a visitor, however many comments the page shows).
The template globals below compute nothing from the database: labels, dates and rules."""

from dataclasses import dataclass
from datetime import date

from forum import clock
from forum.lifecycle import status_of
from forum.moderation import bp, queries
from forum.moderation.flags import REASONS, FlagTarget
from forum.moderation.notifications import moment
from forum.moderation.resolutions import OUTCOMES
from forum.params import read_time
from forum.permissions import resolve_refusal
from forum.scoring import scheduled_close
from forum.templating import relative_time


@dataclass(frozen=True)
class PredictionPanel:
    """What the moderation parts of a prediction's page show: its resolution log (latest
    first), its status right now, and the viewer's reports and the moderators' counts."""

    log: list
    status: str
    state: queries.PanelState


def prediction_panel(prediction, viewer, log: list | None = None) -> PredictionPanel:
    """The panel of one prediction's page for this viewer (one query, two for a member);
    `log`: the page's resolution log, when the page already read it (a kept page's)."""
    return PredictionPanel(log=queries.resolution_log(prediction.id) if log is None else log,
                           status=status_of(prediction.status, prediction.resolution_date),
                           state=queries.panel_state(prediction.id, viewer))


bp.add_app_template_global(resolve_refusal)  # why the viewer may not resolve; None if they may


@bp.app_template_global()
def flag_reasons(target_type: str | None = None, prediction=None) -> dict[str, str]:
    """The reasons a member may give for reporting this kind of thing (every reason when
    no kind is named); a prediction's depend on whether it is resolved."""
    if target_type is None:
        return REASONS
    resolved = prediction is not None and prediction.status in ("resolved", "annulled")
    return FlagTarget(target_type, 0, 0, 0, resolved=resolved).reasons


@bp.app_template_global()
def suspension_end(details: dict | None):
    """From a suspension's audit details: when it lifts itself (None: no end) and whether
    that time has passed (the audit log says so; it is read at read time, like the state)."""
    until = read_time((details or {}).get("until"))
    return None if until is None else {"at": until, "text": moment(until),
                                       "passed": until <= clock.now()}


@bp.app_template_global()
def tomorrow_iso() -> str:
    """The first day a suspension may lift itself on (YYYY-MM-DD, UTC)."""
    return date.fromordinal(clock.today().toordinal() + 1).isoformat()


@bp.app_template_global()
def outcome_label(outcome: str | None) -> str:
    return OUTCOMES.get(outcome or "", "")


@bp.app_template_global()
def lifecycle_status(prediction) -> str:
    """open, closed, resolved or annulled, right at this moment."""
    return status_of(prediction.status, prediction.resolution_date)


@bp.app_template_global()
def waiting_for(resolution_date: date) -> str:
    """How long a closed prediction has waited for its resolution ('3 days')."""
    since = relative_time(scheduled_close(resolution_date), clock.now())
    return since.removesuffix(" ago") if since.endswith(" ago") else "under a minute"
