"""In-app notifications: one per user and event, never to the person who acted."""

from flask import url_for
from sqlalchemy import Integer, String, bindparam, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from forum import cache_versions, clock
from forum.database import prebuilt
from forum.extensions import db
from forum.models import Notification, User
from forum.pagination import Page
from forum.params import MAX_ID
from forum.permissions import may_see_hidden
from forum.visibility import load_notification, notifications_shown, notifications_shown_to

NOTIFY_CHUNK = 10_000  # users per statement, well inside every database's parameter limit


def notify(user_id: int, *, kind: str, event_key: str, message: str, actor_id: int | None = None,
           prediction_id: int | None = None, comment_id: int | None = None) -> Notification | None:
    """Add a notification unless this user already has one for this event, or acted themself."""
    if user_id == actor_id:
        return None
    exists = db.session.scalar(
        select(Notification.id).where(
            Notification.user_id == user_id, Notification.event_key == event_key
        )
    )
    if exists:
        return None
    notification = Notification(
        user_id=user_id, kind=kind, event_key=event_key, message=message[:400],
        actor_id=actor_id, prediction_id=prediction_id, comment_id=comment_id,
    )
    db.session.add(notification)
    return notification


def notify_many(user_ids, *, kind: str, event_key: str, message: str,
                actor_id: int | None = None, prediction_id: int | None = None) -> int:
    """`notify` for many users given by id; returns how many were notified (one statement
    per 10,000 users)."""
    wanted = sorted(set(user_ids))
    return sum(notify_where(User.id.in_(wanted[start:start + NOTIFY_CHUNK]), kind=kind,
                            event_key=event_key, message=message, actor_id=actor_id,
                            prediction_id=prediction_id)
               for start in range(0, len(wanted), NOTIFY_CHUNK))


def notify_where(who, *, kind: str, event_key: str, message: str,
                 actor_id: int | None = None, prediction_id: int | None = None) -> int:
    """`notify` for every user matching `who` (a condition on User, such as "forecast on this
    prediction"); returns how many were notified.

    One INSERT … SELECT however many they are: the unique index on user and event skips
    everyone who already has this event (ON CONFLICT DO NOTHING: no anti-join, which
    PostgreSQL answered by reading that whole index), the condition skips the actor, and no
    row or id list travels to Python and back. Rows go in by user id, as one by one."""
    rows = select(
        User.id, literal(kind, String), literal(event_key, String),
        literal(message[:400], String), literal(actor_id, Integer),
        literal(prediction_id, Integer), literal(clock.now(), Notification.created_at.type),
    ).where(who, *([User.id != actor_id] if actor_id is not None else [])).order_by(User.id)
    dialect = db.session.get_bind().dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Notification)
    return len(db.session.execute(statement.from_select(
        ["user_id", "kind", "event_key", "message", "actor_id", "prediction_id",
         "created_at"], rows).on_conflict_do_nothing(index_elements=["event_key", "user_id"])
        .returning(Notification.id)).all())  # rowcount: -1 on psycopg


def inbox(user: User, page: int = 1, per_page: int = 20) -> Page:
    """The user's notifications, newest first, with who acted (two queries); those about a
    prediction hidden from them are left out."""
    mine = (Notification.user_id == user.id, notifications_shown_to(user))
    total = db.session.scalar(select(func.count(Notification.id)).where(*mine))
    items = db.session.scalars(
        select(Notification).where(*mine)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total or 0)


def unread_count(user: User, cap: int | None = None) -> int:
    """The unread notifications the user can see; with a `cap`, counted no further than it
    (the navigation bar shows "99+": a busy member has thousands, and counting them all cost
    3 ms of every page they load)."""
    sees_hidden = may_see_hidden(user)
    return cache_versions.while_unchanged(
        ("unread", user.id, sees_hidden, cap),
        lambda: db.session.scalar(_unread_statement(sees_hidden, cap), {"user_id": user.id}) or 0)


@prebuilt
def _unread_statement(sees_hidden: bool, cap: int | None):
    """Built once per kind of viewer and cap: the navigation bar asks on every member's page."""
    unread = select(Notification.id).where(
        Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None),
        notifications_shown(sees_hidden))
    if cap is not None:
        unread = unread.limit(cap)
    return select(func.count()).select_from(unread.subquery())


def mark_read(user: User, notification_id: int) -> bool:
    """Mark one of the user's notifications read; False when it isn't theirs or was read."""
    if not 0 < notification_id <= MAX_ID:
        return False
    result = db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.user_id == user.id,
               Notification.read_at.is_(None), notifications_shown_to(user))
        .values(read_at=clock.now())
    )
    return result.rowcount > 0


def get_notification(user: User, notification_id: int) -> Notification:
    """The user's notification, unchanged; NotFound when it isn't theirs or is about a
    prediction hidden from them."""
    return load_notification(notification_id, user)


def mark_opened(user: User, notification_id: int) -> Notification:
    """The user's notification, marked read (a POST: following it reads it)."""
    notification = load_notification(notification_id, user)
    if notification.read_at is None:
        notification.read_at = clock.now()
    return notification


def target_url(notification: Notification) -> str:
    """Where a notification leads: the comment, the resolution, or the prediction."""
    if notification.prediction_id is None:
        return url_for("notifications.index")
    if notification.comment_id:
        anchor = f"comment-{notification.comment_id}"
    elif notification.kind in ("resolved", "corrected"):
        anchor = "resolution"
    else:
        anchor = None
    return url_for("board.show", prediction_id=notification.prediction_id, _anchor=anchor)


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
    )
    return result.rowcount
