"""SCORING.md's worked example 1, computed by forum.scoring itself for the rules page, so
the page can never disagree with the code that scores real predictions."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from forum.scoring import (
    ForecastPoint,
    Standing,
    UserScore,
    aggregate,
    crowd_history,
    score_prediction,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)  # any instant: only the days between matter
CLOSE_DAY = 10
# (who, probability, day)
FORECASTS = (("alice", 0.60, 0), ("bob", 0.20, 2), ("alice", 0.90, 5), ("carol", 0.50, 8),
             ("carol", 0.95, 11))


@dataclass(frozen=True)
class ExampleForecast:
    who: str
    probability: float
    day: float
    counted: bool


@dataclass(frozen=True)
class CrowdPiece:
    start: float
    end: float
    median: float


@dataclass(frozen=True)
class WorkedExample:
    close_day: int
    forecasts: list[ExampleForecast]
    crowd: list[CrowdPiece]
    scores: list[UserScore]
    ranking: list[Standing]


def _day(moment: datetime) -> float:
    return (moment - T0) / timedelta(days=1)


@lru_cache(maxsize=1)
def worked_example() -> WorkedExample:
    """Example 1: created at day 0, resolves yes at its scheduled close, day 10."""
    end = T0 + timedelta(days=CLOSE_DAY)
    points = [ForecastPoint(index, who, probability, T0 + timedelta(days=day))
              for index, (who, probability, day) in enumerate(FORECASTS, start=1)]
    scores = score_prediction(points, outcome=True, created_at=T0,
                              resolution_date=(end - timedelta(days=1)).date(), outcome_time=end)
    history = crowd_history([point for point in points if point.created_at < end])
    ends = [moment for moment, _ in history[1:]] + [end]
    crowd = [CrowdPiece(_day(moment), _day(until), median)
             for (moment, median), until in zip(history, ends, strict=True)]
    ranking = aggregate((score.user, score.user, score.brier, score.relative_brier)
                        for score in scores)
    forecasts = [ExampleForecast(who, probability, day, day < CLOSE_DAY)
                 for who, probability, day in FORECASTS]
    return WorkedExample(CLOSE_DAY, forecasts, crowd, scores, ranking)
