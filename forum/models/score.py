"""Scores per (user, resolved prediction), written with the resolution that changes them."""

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db


class Score(db.Model):
    __tablename__ = "scores"
    __table_args__ = (
        # A resolve adds a row for each forecaster, nearly every member on a busy prediction:
        # each index that leads with the member, or with the article (one article holds every
        # member's scores), is rewritten nearly whole by it. So there is one of each: the
        # unique pair (a member's profile reads it) and the calibration points; migrations
        # 0017 and 0018 dropped three more.
        UniqueConstraint("user_id", "prediction_id", name="uq_scores_user_prediction"),
        # Leaderboards (all time, a period, an article) and the article's scorecard read only
        # this covering index, which a resolve appends to (resolved_at comes first).
        Index("ix_scores_resolved_totals", "resolved_at", "user_id", "brier", "relative_brier",
              "article_id"),
        Index("ix_scores_article_calibration", "article_id", "final_probability", "outcome"),
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


class RunningTotals(db.Model):
    """A prediction's scoring sweep so far (forum.scoring.RunningTotals), kept as forecasts
    arrive so that resolving it reads one window per forecaster instead of every forecast.

    A cache of the forecasts, never a source: forum.running builds it again from them when it
    is missing or cannot follow, and `forum scores recompute` never reads it."""

    __tablename__ = "running_totals"

    prediction_id: Mapped[int] = mapped_column(
        ForeignKey("predictions.id", ondelete="CASCADE"), primary_key=True)
    forecasts: Mapped[int]
    moment: Mapped[int] = mapped_column(BigInteger)  # microseconds from the prediction's T0
    last_id: Mapped[int]
    crowd: Mapped[float] = mapped_column(Float)
    crowd_yes: Mapped[float] = mapped_column(Float)
    crowd_no: Mapped[float] = mapped_column(Float)


class RunningWindow(db.Model):
    """A forecaster's running totals on a prediction (forum.scoring.RunningWindow)."""

    __tablename__ = "running_windows"

    prediction_id: Mapped[int] = mapped_column(
        ForeignKey("predictions.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    first: Mapped[int] = mapped_column(BigInteger)
    crowd_before_yes: Mapped[float] = mapped_column(Float)
    crowd_before_no: Mapped[float] = mapped_column(Float)
    probability: Mapped[float] = mapped_column(Float)
    since: Mapped[int] = mapped_column(BigInteger)
    own_yes: Mapped[float] = mapped_column(Float)
    own_no: Mapped[float] = mapped_column(Float)
