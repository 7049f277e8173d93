"""Comments and votes."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum import clock
from forum.extensions import db
from forum.models.user import User


class Comment(db.Model):
    """A comment in a prediction's thread; `hidden` by a moderator, `deleted` by its author."""

    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_prediction_created", "prediction_id", "created_at"),
        Index("ix_comments_author_created", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prediction_id: Mapped[int] = mapped_column(ForeignKey("predictions.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    edited_at: Mapped[datetime | None]
    hidden: Mapped[bool] = mapped_column(default=False)
    deleted: Mapped[bool] = mapped_column(default=False)
    vote_score: Mapped[int] = mapped_column(default=0)
    votes_up: Mapped[int] = mapped_column(default=0)
    votes_down: Mapped[int] = mapped_column(default=0)

    author: Mapped[User] = relationship()


class Vote(db.Model):
    """One user's +1/−1 on a prediction or a comment; unique per user and target."""

    __tablename__ = "votes"
    __table_args__ = (
        CheckConstraint("value IN (-1, 1)", name="value"),
        CheckConstraint(
            "(prediction_id IS NULL) <> (comment_id IS NULL)", name="one_target"
        ),
        UniqueConstraint("user_id", "prediction_id", name="uq_votes_user_prediction"),
        UniqueConstraint("user_id", "comment_id", name="uq_votes_user_comment"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    prediction_id: Mapped[int | None] = mapped_column(
        ForeignKey("predictions.id", ondelete="CASCADE"), index=True
    )
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
