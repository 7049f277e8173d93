"""Resolutions, flags, the audit log and notifications."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum import clock
from forum.extensions import db
from forum.models.user import User


class Resolution(db.Model):
    """One entry of a prediction's append-only resolution log; the latest is in force."""

    __tablename__ = "resolutions"
    __table_args__ = (
        CheckConstraint("outcome IN ('yes', 'no', 'annulled')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prediction_id: Mapped[int] = mapped_column(
        ForeignKey("predictions.id", ondelete="CASCADE"), index=True
    )
    outcome: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(String(2000))
    outcome_time: Mapped[datetime]
    resolved_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    is_correction: Mapped[bool] = mapped_column(default=False)

    resolved_by: Mapped[User] = relationship()


class Flag(db.Model):
    """A member's report of a prediction, comment or resolution; one open flag per member and target."""

    __tablename__ = "flags"
    __table_args__ = (
        CheckConstraint(
            "target_type IN ('prediction', 'comment', 'resolution')", name="target_type"
        ),
        CheckConstraint("status IN ('open', 'dismissed', 'actioned')", name="status"),
        Index(
            "uq_flags_open_per_reporter",
            "reporter_id", "target_type", "target_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_flags_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    target_type: Mapped[str] = mapped_column(String(12))
    target_id: Mapped[int]
    prediction_id: Mapped[int] = mapped_column(
        ForeignKey("predictions.id", ondelete="CASCADE"), index=True
    )  # the prediction the target belongs to, for links
    reason: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handled_at: Mapped[datetime | None]
    handled_note: Mapped[str] = mapped_column(Text, default="")

    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])


class AuditEntry(db.Model):
    """A moderator's or admin's action, with who, on what, why and when."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(32), index=True)
    target_type: Mapped[str] = mapped_column(String(12))
    target_id: Mapped[int]
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())

    actor: Mapped[User | None] = relationship()


class Notification(db.Model):
    """An in-app notice; `event_key` makes one per user and event."""

    __tablename__ = "notifications"
    __table_args__ = (
        # One per user and event, the event first: a resolution's thousands of notices share
        # one key and go in side by side, not at one place per member (migration 0016).
        Index("uq_notifications_event_user", "event_key", "user_id", unique=True),
        # A member's notices (the inbox, a deletion, an export), and their unread ones alone
        # (the count every member's page shows, "mark all read"). An index of (user_id,
        # read_at) served both but held a 26-character time for every notice: a resolution
        # notifies nearly every member, and rewrote 5,200 of its pages (migration 0019).
        Index("ix_notifications_user", "user_id"),
        Index("ix_notifications_unread", "user_id", sqlite_where=text("read_at IS NULL"),
              postgresql_where=text("read_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # resolved, corrected, reply, comment
    event_key: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    prediction_id: Mapped[int | None] = mapped_column(
        ForeignKey("predictions.id", ondelete="CASCADE")
    )
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    read_at: Mapped[datetime | None]

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
