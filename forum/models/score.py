"""Scores per (user, resolved prediction), written with the resolution that changes them."""

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db


class Score(db.Model):
    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("user_id", "prediction_id", name="uq_scores_user_prediction"),
        Index("ix_scores_resolved_at", "resolved_at"),
        Index("ix_scores_article_resolved_at", "article_id", "resolved_at"),
        Index("ix_scores_prediction", "prediction_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    prediction_id: Mapped[int] = mapped_column(ForeignKey("predictions.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    outcome: Mapped[bool]
    brier: Mapped[float] = mapped_column(Float)
    crowd_brier: Mapped[float] = mapped_column(Float)
    coverage: Mapped[float] = mapped_column(Float)
    relative_brier: Mapped[float] = mapped_column(Float)
    final_probability: Mapped[float] = mapped_column(Float)  # the calibration point
    resolved_at: Mapped[datetime]  # the latest resolution's, for leaderboard periods
