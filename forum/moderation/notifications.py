"""Who hears about a resolution by email: everyone who forecast on the prediction, and its
author, each with their own score (unless they switched these emails off). The resolve
request records all of them in one INSERT … SELECT; jobs send them in batches.

A member also hears, in the app and by email (the "moderators' decisions" switch), when they
are suspended or reinstated, and when a moderator hides their comment or prediction: each
time with the moderator's reason."""

from sqlalchemy import Select, and_, func, or_, select

from forum import clock
from forum.extensions import db
from forum.mail import email_kind, queue, queue_many
from forum.models import AuditEntry, Comment, Prediction, Resolution, Score, User
from forum.notifications.services import notify
from forum.params import read_time
from forum.site import absolute_url
from forum.templating import human_date


def resolution_emails(prediction: Prediction, resolution: Resolution, forecasters: Select) -> int:
    """Queue the resolution's email to everyone who forecast (`forecasters`: their ids) and
    the author, but not the moderator; returns how many."""
    who = and_(or_(User.id.in_(forecasters), User.id == prediction.author_id),
               User.id != resolution.resolved_by_id)  # as in-app: not the one who acted
    return queue_many("resolution", who, f"resolution:{resolution.id}:",
                      {"resolution_id": resolution.id})


@email_kind("resolution", "moderation/emails/resolution.txt", switch="email_resolutions")
def _resolution(delivery, user):
    resolution = db.session.get(Resolution, delivery.params.get("resolution_id"))
    if resolution is None:
        return None
    prediction = db.session.get(Prediction, resolution.prediction_id)
    latest = db.session.scalar(select(Resolution.id).where(
        Resolution.prediction_id == prediction.id).order_by(Resolution.id.desc()).limit(1))
    if prediction.hidden or latest != resolution.id:
        return None  # hidden since, or corrected again: the newer email says what holds
    score = db.session.scalar(select(Score).where(Score.user_id == user.id,
                                                  Score.prediction_id == prediction.id))
    return {"prediction": prediction, "resolution": resolution, "score": score,
            "outcome": resolution.outcome,
            "verdict": ("it is annulled, so it is not scored." if resolution.outcome == "annulled"
                        else f"it resolved {resolution.outcome.upper()}."),
            "link": absolute_url("board.show", prediction_id=prediction.id,
                                 _anchor="resolution")}


# The moderators' daily digest of predictions waiting for resolution ----------------------------

def _waiting(today):
    """Visible predictions past their close (the day after the resolution date) and not
    resolved: they wait for a moderator."""
    return and_(Prediction.status == "open", Prediction.hidden.is_(False),
                Prediction.resolution_date < today)


def moderator_digest(now) -> int:
    """One digest a day to each moderator and admin, when something waits for resolution."""
    today = now.date()
    if db.session.scalar(select(Prediction.id).where(_waiting(today)).limit(1)) is None:
        return 0
    return queue_many("moderator_digest", User.role.in_(("moderator", "admin")),
                      f"digest:moderators:{today.isoformat()}:", {"day": today.isoformat()})


@email_kind("moderator_digest", "moderation/emails/moderator_digest.txt",
            switch="email_reminders")
def _moderator_digest(delivery, user):
    from datetime import date

    if not user.is_moderator:
        return None
    today = date.fromisoformat(delivery.params["day"])
    waiting = db.session.scalars(select(Prediction).where(_waiting(today))
                                 .order_by(Prediction.resolution_date, Prediction.id)
                                 .limit(50)).all()
    if not waiting:
        return None
    total = db.session.scalar(select(func.count(Prediction.id)).where(_waiting(today)))
    return {"items": [{"prediction": p, "link": absolute_url("board.show", prediction_id=p.id)}
                      for p in waiting], "total": total,
            "queue_link": absolute_url("moderation.queue")}


# Moderators' decisions about a member ----------------------------------------------------------

def moment(value) -> str:
    """'12 Dec 2026, 00:00 UTC': when a suspension ends, in words a person reads."""
    return f"{human_date(value)}, {clock.as_utc(value):%H:%M} UTC"


def suspension_text(user: User, reason: str) -> str:
    """What a suspended member is told (the notice on every page says the same)."""
    ends = (f" until {moment(user.suspended_until)}" if user.suspended_until is not None
            else " until a moderator lifts it")
    return (f"Your account is suspended{ends}: you can read, but not post, forecast, vote, "
            f"comment or report. The moderator's reason: “{reason}”")


def suspension_changed(entry: AuditEntry, target: User) -> None:
    """Tell the member they were suspended or reinstated, with the reason (in the app; by
    email unless they switched moderators' decisions off)."""
    db.session.flush()  # the audit entry's id keys the notice and the email
    if entry.action == "suspend":
        kind, message = "suspended", suspension_text(target, entry.reason)
    else:
        kind = "reinstated"
        message = ("Your suspension is lifted: you can post, forecast, vote and comment again. "
                   f"The moderator's note: “{entry.reason}”")
    notify(target.id, kind=kind, event_key=f"audit:{entry.id}", message=message,
           actor_id=entry.actor_id)
    if not target.is_deleted and target.email_moderation:
        queue("moderation_decision", user=target, dedupe_key=f"audit:{entry.id}",
              params={"audit_id": entry.id})


def content_hidden(entry: AuditEntry, row, target_type: str, prediction_id: int) -> None:
    """Tell the author that a moderator hid their comment or prediction, and why."""
    if getattr(row, "deleted", False):
        return  # its author deleted it already
    db.session.flush()
    prediction = row if target_type == "prediction" else db.session.get(Prediction,
                                                                         prediction_id)
    # Hidden content is shown to no member, its author included (forum.visibility): a hidden
    # prediction is named by its number and day, never by its text, and the notice links to
    # no prediction, so its author still reads it in their notifications.
    what = (f"comment on “{prediction.title}”" if target_type == "comment" else
            f"prediction #{prediction.id} of {human_date(prediction.created_at)}")
    message = f"A moderator hid your {what}. The reason: “{entry.reason}”"
    notify(row.author_id, kind="hidden", event_key=f"audit:{entry.id}", message=message,
           actor_id=entry.actor_id,
           prediction_id=prediction_id if target_type == "comment" else None,
           comment_id=row.id if target_type == "comment" else None)
    author = db.session.get(User, row.author_id)
    if author is not None and author.id != entry.actor_id and not author.is_deleted \
            and author.email_moderation:
        queue("moderation_decision", user=author, dedupe_key=f"audit:{entry.id}",
              params={"audit_id": entry.id})


@email_kind("moderation_decision", "moderation/emails/decision.txt", switch="email_moderation")
def _moderation_decision(delivery, user):
    entry = db.session.get(AuditEntry, delivery.params.get("audit_id"))
    if entry is None:
        return None
    context = {"action": entry.action, "reason": entry.reason, "until": None,
               "link": absolute_url("notifications.index")}
    if entry.action == "suspend":
        until = read_time((entry.details or {}).get("until"))
        context["until"] = moment(until) if until is not None else None
    elif entry.action == "hide":
        if entry.target_type == "comment":
            comment = db.session.get(Comment, entry.target_id)
            prediction = db.session.get(Prediction, comment.prediction_id) if comment else None
            if prediction is None or prediction.hidden:
                return None
            context["link"] = absolute_url("board.show", prediction_id=prediction.id,
                                           _anchor=f"comment-{entry.target_id}")
        else:
            prediction = db.session.get(Prediction, entry.target_id)
        if prediction is None:
            return None
        context.update(kind=entry.target_type, prediction=prediction)
    elif entry.action != "unsuspend":
        return None
    return context
