"""Email deliveries: one row per email, so a retried job or a re-run never sends twice."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum import clock
from forum.extensions import db
from forum.models.user import User

DELIVERY_STATUSES = ("queued", "sending", "sent", "failed", "skipped")


class EmailDelivery(db.Model):
    """An email to send: queued when its transaction commits, claimed by one job, then sent
    (or skipped when the member turned that kind off, or failed after every retry).

    `dedupe_key` is unique: the same event never makes a second row, so a reminder run twice,
    or a retried fan-out, sends nothing twice."""

    __tablename__ = "email_deliveries"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'sending', 'sent', 'failed', 'skipped')", name="status"
        ),
        Index("ix_email_deliveries_status_due", "status", "next_attempt_at"),
        # For deleting an account's rows (ON DELETE CASCADE); nothing reads them by time. A
        # resolution queues an email per forecaster, at one place per member in this index:
        # the member's id alone keeps it small (migration 0020).
        Index("ix_email_deliveries_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    recipient: Mapped[str | None] = mapped_column(String(254))  # None: the user's address
    kind: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    next_attempt_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User | None] = relationship()
