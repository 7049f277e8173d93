"""In-app notifications: one per user and event, never to the person who acted."""

from sqlalchemy import select

from forum.extensions import db
from forum.models import Notification


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
