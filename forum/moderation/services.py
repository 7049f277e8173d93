"""Moderators' actions on content and members: hide and restore, answer reports, suspend and
restore, and (admins) roles. Each one is audited; the caller commits.

Every change is one guarded UPDATE (… WHERE hidden = false, … WHERE status = 'open'), so a
repeated click or two moderators at once change the row once and are audited once."""

from datetime import UTC, datetime, time

from sqlalchemy import delete, update

from forum import cache_versions, clock
from forum.comments.services import refresh_comment_count
from forum.errors import Conflict, Forbidden, Invalid, NotFound
from forum.extensions import db
from forum.forms import declare_limits
from forum.models import ROLES, Article, Comment, Flag, LoginSession, Prediction, User
from forum.moderation import audit, flags, notifications
from forum.params import DATE_MESSAGE, read_date
from forum.permissions import ensure_admin, ensure_moderator
from forum.text import line_problem

REASON_MAX = 1000
declare_limits(reason=REASON_MAX)
HIDEABLE = {"comment": Comment, "prediction": Prediction}


def read_reason(value, name: str = "reason") -> str:
    """A moderator's reason: required, at most 1000 characters; everyone can see it in the log."""
    if not isinstance(value, str) or not value.strip():
        raise Invalid({name: ["Give a reason; it is kept in the audit log."]})
    if problem := line_problem(value):
        raise Invalid({name: [problem]})
    if len(value.strip()) > REASON_MAX:
        raise Invalid({name: [f"Keep the reason under {REASON_MAX:,} characters."]})
    return value.strip()


def set_hidden(target_type: str, target_id: int, moderator: User, reason: str,
               hidden: bool) -> bool:
    """Hide or restore a comment or prediction; False when it already was."""
    ensure_moderator(moderator)
    reason = read_reason(reason)
    model = HIDEABLE.get(target_type)
    row = flags.find(model, target_id) if model else None
    if row is None:
        raise NotFound(f"No such {target_type}.")
    if not hidden and getattr(row, "withdrawn_at", None) is not None:
        raise Conflict("Its author withdrew this prediction, so it stays hidden.")
    changed = db.session.execute(
        update(model).where(model.id == target_id, model.hidden.is_(not hidden))
        .values(hidden=hidden).execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        cache_versions.unseen()
        return False
    if target_type == "comment":
        refresh_comment_count(row.prediction_id)
        prediction_id = row.prediction_id
    else:
        step = -1 if hidden else 1
        db.session.execute(
            update(Article).where(Article.id == row.article_id)
            .values(prediction_count=Article.prediction_count + step)
        )
        prediction_id = row.id
    cache_versions.touch(*cache_versions.of_prediction(prediction_id))
    if hidden:
        flags.close_target_flags(target_type, target_id, moderator, f"Hidden: {reason}")
    entry = audit.record(moderator, "hide" if hidden else "restore", target_type, target_id,
                         reason, prediction_id=prediction_id)
    db.session.refresh(row)
    if hidden:
        notifications.content_hidden(entry, row, target_type, prediction_id)
    return True


def handle_flag(flag_id: int, moderator: User, decision: str, note: str) -> int:
    """Dismiss, or act on, a report and the other open reports of the same kind on the same
    thing. Acting on a comment or prediction report hides it. Returns how many were closed."""
    ensure_moderator(moderator)
    if decision not in ("dismiss", "act"):
        raise Invalid({"decision": ["Dismiss the report or act on it."]})
    note = read_reason(note)
    flag = flags.find(Flag, flag_id)
    if flag is None:
        raise NotFound("No such report.")
    if flag.status != "open":
        raise Conflict("This report was already handled.")
    dispute = flag.reason == flags.DISPUTE
    same_kind = (Flag.reason == flags.DISPUTE) if dispute else (Flag.reason != flags.DISPUTE)
    closed = flags.close_flags(
        (Flag.target_type == flag.target_type) & (Flag.target_id == flag.target_id) & same_kind,
        moderator, note, status="dismissed" if decision == "dismiss" else "actioned",
    )
    if not closed:  # another moderator got there first
        raise Conflict("These reports were already handled.")
    if decision == "act" and not dispute and flag.target_type in HIDEABLE:
        set_hidden(flag.target_type, flag.target_id, moderator, note, hidden=True)
    audit.record(moderator, "dismiss_flags" if decision == "dismiss" else "action_flags",
                 flag.target_type, flag.target_id, note, flag_ids=closed,
                 prediction_id=flag.prediction_id)
    return len(closed)


def get_member(user_id: int) -> User:
    user = flags.find(User, user_id)
    if user is None:
        raise NotFound("No such member.")
    return user


def read_suspension_end(value, name: str = "until") -> datetime | None:
    """The day a suspension lifts itself (YYYY-MM-DD, after today in UTC): it ends at the start
    of that day, 00:00 UTC. Empty: it lasts until a moderator lifts it."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    day = read_date(value.strip() if isinstance(value, str) else value)
    if day is None:
        raise Invalid({name: [DATE_MESSAGE]})
    if day <= clock.today():
        raise Invalid({name: [("Choose a day after today (UTC), or leave it empty to suspend "
                               "until a moderator lifts it.")]})
    if day.year > clock.today().year + 10:
        raise Invalid({name: ["Choose a day at most ten years ahead, or leave it empty."]})
    return datetime.combine(day, time(), tzinfo=UTC)


def set_suspended(target: User, actor: User, reason: str, suspended: bool,
                  until: datetime | None = None) -> bool:
    """Suspend (read-only, logged out everywhere), until `until` when given, or restore a
    member; False if no change. A suspension whose end has passed counts as lifted, so
    suspending again works and lifting it says nothing changed. The member is notified."""
    ensure_moderator(actor)
    reason = read_reason(reason)
    if target.id == actor.id:
        raise Forbidden("You can't change your own suspension.")
    if target.is_admin and suspended:
        raise Forbidden("Admins can't be suspended: an admin must revoke the role first.")
    if target.is_moderator and not actor.is_admin:
        raise Forbidden("Only an admin can suspend or restore a moderator.")
    now_suspended = User.suspended  # the flag, and its end still ahead
    changed = db.session.execute(
        update(User).where(User.id == target.id, ~now_suspended if suspended else now_suspended)
        .values(suspension_flag=suspended, suspended_until=until if suspended else None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        cache_versions.unseen()
        return False
    cache_versions.touch(cache_versions.SITE)  # a profile says when a member is suspended
    if suspended:  # end their web sessions; API tokens stay but every write through them is 403
        db.session.execute(delete(LoginSession).where(LoginSession.user_id == target.id))
    details = {"username": target.username}
    if suspended and until is not None:
        details["until"] = clock.isoformat_z(until)
    entry = audit.record(actor, "suspend" if suspended else "unsuspend", "user", target.id,
                         reason, **details)
    db.session.refresh(target)
    notifications.suspension_changed(entry, target)
    return True


CONSOLE_ROLE_REASON = "Set on the server's command line (forum users set-role)."


def set_role(target: User, admin: User, role: str, reason: str) -> bool:
    """An admin grants or revokes a role; False when the member already has it."""
    ensure_admin(admin)
    _check_role(role)
    reason = read_reason(reason)
    if target.id == admin.id:
        raise Forbidden("You can't change your own role; ask another admin.")
    return _change_role(target, role, admin, reason)


def set_role_from_console(target: User, role: str) -> bool:
    """The operator of the server gives a role (`forum users set-role`): no account acts, so
    the audit entry has no actor and says where the change came from."""
    _check_role(role)
    return _change_role(target, role, None, CONSOLE_ROLE_REASON)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise Invalid({"role": [f"Choose one of: {', '.join(ROLES)}."]})


def _change_role(target: User, role: str, actor: User | None, reason: str) -> bool:
    previous = target.role
    changed = db.session.execute(
        update(User).where(User.id == target.id, User.role != role)
        .values(role=role).execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        cache_versions.unseen()
        return False
    cache_versions.touch(cache_versions.SITE)  # names carry their role's badge
    audit.record(actor, "role", "user", target.id, reason, username=target.username,
                 previous=previous, role=role)
    db.session.refresh(target)
    return True
