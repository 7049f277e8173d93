"""What a profile shows: a user's stats, calibration, scores and activity. Each function is one
query; the profile page and the JSON API share them."""

import math
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import func, select

from forum.auth.services import USERNAME_PATTERN, find_user, normalize_username
from forum.errors import Invalid, NotFound
from forum.extensions import db
from forum.models import Comment, Forecast, Prediction, Score, User
from forum.pagination import Page
from forum.params import MAX_PAGE, read_whole_number
from forum.scoring import CalibrationBin, calibration


@dataclass(frozen=True)
class ProfileStats:
    """SPEC.md §7 `stats`: mean_brier is the mean and relative_brier the sum over the user's
    scored predictions, as on the all-time leaderboard (None when nothing is scored yet)."""

    predictions_scored: int
    mean_brier: float | None
    relative_brier: float | None
    predictions: int
    forecasts: int
    comments: int

    def as_dict(self) -> dict:
        return {"predictions_scored": self.predictions_scored, "mean_brier": self.mean_brier,
                "relative_brier": self.relative_brier, "predictions": self.predictions,
                "forecasts": self.forecasts, "comments": self.comments}


def get_profile_user(username: str) -> User:
    """The user with this name, compared case-insensitively; NotFound otherwise."""
    name = normalize_username(username)
    user = find_user(name) if USERNAME_PATTERN.fullmatch(name) else None
    if user is None:
        raise NotFound(f"No member is called {username!r}.")
    return user


def _visible_comment(user_id: int):
    return (Comment.author_id == user_id, Comment.hidden.is_(False), Comment.deleted.is_(False),
            Prediction.hidden.is_(False))


def profile_stats(user_id: int) -> ProfileStats:
    """The user's scores and public activity counted, in one query.

    Scores count on every prediction (a hidden one keeps its scores, as on the leaderboard);
    predictions, forecasts and comments count what the public can see.
    """
    scored = select(func.count(), func.avg(Score.brier), func.sum(Score.relative_brier)) \
        .where(Score.user_id == user_id).subquery()
    predictions = select(func.count()).select_from(Prediction).where(
        Prediction.author_id == user_id, Prediction.hidden.is_(False)).scalar_subquery()
    forecasts = select(func.count()).select_from(Forecast).join(Prediction).where(
        Forecast.user_id == user_id, Prediction.hidden.is_(False)).scalar_subquery()
    comments = select(func.count()).select_from(Comment).join(Prediction).where(
        *_visible_comment(user_id)).scalar_subquery()
    count, mean, total, *activity = db.session.execute(
        select(*scored.c, predictions, forecasts, comments)
    ).one()
    return ProfileStats(count, None if mean is None else float(mean),
                        None if total is None else float(total), *activity)


def calibration_of(*, user_id: int | None = None, article_id: int | None = None
                   ) -> list[CalibrationBin]:
    """The ten calibration bins of a user's (or an article's) scored predictions.

    Each score keeps its calibration point (the standing forecast just before T_end). The
    database counts identical points; each distinct probability is binned by
    forum.scoring.calibration itself and weighted by its count, so an article's hundreds of
    thousands of points cost a few hundred rows.
    """
    conditions = []
    if user_id is not None:
        conditions.append(Score.user_id == user_id)
    if article_id is not None:
        conditions.append(Score.article_id == article_id)
    rows = db.session.execute(
        select(Score.final_probability, Score.outcome, func.count())
        .where(*conditions).group_by(Score.final_probability, Score.outcome)
    ).all()
    counts, sums, yeses = [0] * 10, [[] for _ in range(10)], [0] * 10
    for probability, outcome, count in rows:
        index = _bin_index(probability)
        counts[index] += count
        sums[index].append(probability * count)  # exactly the sum of `count` copies, rounded
        yeses[index] += count if outcome else 0
    return [
        CalibrationBin(
            bin_start=empty.bin_start, bin_end=empty.bin_end, count=counts[index],
            mean_forecast=math.fsum(sums[index]) / counts[index] if counts[index] else None,
            observed=yeses[index] / counts[index] if counts[index] else None,
        )
        for index, empty in enumerate(calibration([]))
    ]


@lru_cache(maxsize=4096)
def _bin_index(probability: float) -> int:
    """Which of the ten bins forum.scoring.calibration puts a probability in."""
    return next(index for index, item in enumerate(calibration([(probability, False)]))
                if item.count)


def scores_of(user_id: int) -> list[Score]:
    """Every score of a user, the latest resolved first."""
    return list(db.session.scalars(
        select(Score).where(Score.user_id == user_id)
        .order_by(Score.resolved_at.desc(), Score.prediction_id.desc())
    ))


def read_section_page(args, name: str) -> int:
    """A section's page number from the query string (`scores_page=2`); Invalid when bad."""
    page = read_whole_number(args.get(name, "1"), 1, MAX_PAGE)
    if page is None:
        raise Invalid({name: [f"{name} must be a whole number from 1 to {MAX_PAGE}."]},
                      message=f"{name} must be a whole number from 1 to {MAX_PAGE}.")
    return page


def _page(statement, page: int, per_page: int, total: int) -> Page:
    rows = db.session.execute(statement.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=list(rows), page=page, per_page=per_page, total=total)


def scores_page(user_id: int, page: int, per_page: int, total: int) -> Page:
    """Rows of (Score, prediction title, prediction hidden), the latest resolved first."""
    return _page(
        select(Score, Prediction.title, Prediction.hidden).join(Prediction)
        .where(Score.user_id == user_id)
        .order_by(Score.resolved_at.desc(), Score.prediction_id.desc()),
        page, per_page, total,
    )


def predictions_page(user_id: int, page: int, per_page: int, total: int) -> Page:
    """Rows of (Prediction,) the user posted and the public can see, newest first."""
    return _page(
        select(Prediction).where(Prediction.author_id == user_id, Prediction.hidden.is_(False))
        .order_by(Prediction.created_at.desc(), Prediction.id.desc()),
        page, per_page, total,
    )


def forecasts_page(user_id: int, page: int, per_page: int, total: int) -> Page:
    """Rows of (Forecast, Prediction) for the user's forecasts, newest first."""
    return _page(
        select(Forecast, Prediction).join(Prediction)
        .where(Forecast.user_id == user_id, Prediction.hidden.is_(False))
        .order_by(Forecast.created_at.desc(), Forecast.id.desc()),
        page, per_page, total,
    )


def comments_page(user_id: int, page: int, per_page: int, total: int) -> Page:
    """Rows of (Comment, prediction id, prediction title), newest first."""
    return _page(
        select(Comment, Prediction.id, Prediction.title).join(Prediction)
        .where(*_visible_comment(user_id))
        .order_by(Comment.created_at.desc(), Comment.id.desc()),
        page, per_page, total,
    )
