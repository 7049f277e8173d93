"""Predictions (claims on the board), their revisions and the forecasts made on them."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum import clock
from forum.extensions import db
from forum.models.article import Article
from forum.models.user import User


class Prediction(db.Model):
    """A claim. `status` stores open/resolved/annulled; "closed" is derived from the date."""

    __tablename__ = "predictions"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'resolved', 'annulled')", name="status"),
        CheckConstraint("outcome IS NULL OR outcome IN ('yes', 'no')", name="outcome"),
        # Board lists: every sort, with the hidden flag, so a page (and its count) is read
        # from the index in order, never sorted; status first where a status is filtered.
        Index("ix_predictions_board_hot", "article_id", "hidden", "hot_rank"),
        Index("ix_predictions_board_status_hot", "article_id", "hidden", "status", "hot_rank"),
        Index("ix_predictions_board_new", "article_id", "hidden", "created_at"),
        Index("ix_predictions_board_top", "article_id", "hidden", "vote_score", "created_at"),
        Index("ix_predictions_board_forecasts", "article_id", "hidden", "forecast_count"),
        Index("ix_predictions_board_resolving", "article_id", "hidden", "resolution_date"),
        Index("ix_predictions_board_status_resolving", "article_id", "hidden", "status",
              "resolution_date"),
        Index("ix_predictions_status_resolution_date", "status", "resolution_date"),
        Index("ix_predictions_author_created", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    criteria: Mapped[str] = mapped_column(Text)
    criteria_html: Mapped[str] = mapped_column(Text)
    quote: Mapped[str | None] = mapped_column(Text)
    resolution_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    status: Mapped[str] = mapped_column(String(10), default="open")
    outcome: Mapped[str | None] = mapped_column(String(3))
    outcome_time: Mapped[datetime | None]  # of the latest resolution
    resolved_at: Mapped[datetime | None]  # when the latest resolution was made
    hidden: Mapped[bool] = mapped_column(default=False)
    # Set when its author withdrew it (it is hidden from then on, and can't be restored).
    withdrawn_at: Mapped[datetime | None]
    # Counters kept in the same transaction as the writes that change them.
    author_probability: Mapped[float] = mapped_column(Float)
    vote_score: Mapped[int] = mapped_column(default=0)
    votes_up: Mapped[int] = mapped_column(default=0)
    votes_down: Mapped[int] = mapped_column(default=0)
    comment_count: Mapped[int] = mapped_column(default=0)
    forecast_count: Mapped[int] = mapped_column(default=0)
    forecaster_count: Mapped[int] = mapped_column(default=0)
    crowd_median: Mapped[float | None] = mapped_column(Float)
    hot_rank: Mapped[float] = mapped_column(Float, default=0.0)

    article: Mapped[Article] = relationship()
    author: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Prediction {self.id} {self.title[:30]!r}>"


class PredictionRevision(db.Model):
    """The text of a prediction before one of its author's edits."""

    __tablename__ = "prediction_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    prediction_id: Mapped[int] = mapped_column(
        ForeignKey("predictions.id", ondelete="CASCADE"), index=True
    )
    editor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    criteria: Mapped[str] = mapped_column(Text)
    resolution_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())

    editor: Mapped[User] = relationship()


class Forecast(db.Model):
    """A probability given by a user; append-only, the latest is the user's standing forecast."""

    __tablename__ = "forecasts"
    __table_args__ = (
        CheckConstraint("probability >= 0.01 AND probability <= 0.99", name="probability"),
        # Covers what scoring reads of a prediction's forecasts (migration 0009), in the
        # page's order (created_at, id).
        Index("ix_forecasts_prediction_points", "prediction_id", "created_at", "id", "user_id",
              "probability"),
        Index("ix_forecasts_user_created", "user_id", "created_at"),
        # A member's standing forecast on the predictions of a list or page: a busy member has
        # tens of thousands of forecasts, and reading them all by time cost 70 ms a page.
        Index("ix_forecasts_user_prediction", "user_id", "prediction_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prediction_id: Mapped[int] = mapped_column(ForeignKey("predictions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    probability: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    reason: Mapped[str | None] = mapped_column(String(280))  # optional, shown in the discussion

    user: Mapped[User] = relationship()
    prediction: Mapped[Prediction] = relationship()
