"""Writing to the board: post and edit predictions, forecast, vote. Each function changes the
rows and the counters that lists show in one transaction; the caller commits.

State checks sit in the statement that changes the row (UPDATE … WHERE status = 'open'),
which also takes the row's lock, so two requests arriving at once cannot both pass them."""

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError

from forum import cache_versions, clock, running
from forum.board.validation import PredictionDraft
from forum.errors import Conflict, Invalid, NotFound
from forum.extensions import db
from forum.lifecycle import OPEN, open_clause, votes_clause
from forum.markdown import render_user_markdown
from forum.models import Article, Comment, Forecast, Prediction, PredictionRevision, User, Vote
from forum.permissions import (
    EDIT_CLOSED_MESSAGE,
    NOT_WITHDRAWABLE_MESSAGE,
    editable_clause,
    ensure_can_edit_prediction,
    ensure_can_vote,
    ensure_can_withdraw,
    ensure_can_write,
)
from forum.scores import forecast_points
from forum.scoring import ForecastPoint, crowd_median
from forum.visibility import prediction_visible


def hot_rank(score: int, forecasters: int, created_at: datetime) -> float:
    """log10(max(score + forecasters, 1)) + created_at in Unix seconds / 45000 (SPEC.md §7)."""
    return math.log10(max(score + forecasters, 1)) + created_at.timestamp() / 45000


def create_prediction(article: Article, author: User, draft: PredictionDraft) -> Prediction:
    """Post a prediction with the author's probability as its first forecast."""
    ensure_can_write(author)
    now = clock.now()
    prediction = Prediction(
        article=article, author=author, title=draft.title, criteria=draft.criteria,
        criteria_html=render_user_markdown(draft.criteria), quote=draft.quote,
        resolution_date=draft.resolution_date, created_at=now, status=OPEN,
        author_probability=draft.probability, forecast_count=1, forecaster_count=1,
        crowd_median=draft.probability, hot_rank=hot_rank(0, 1, now),
    )
    db.session.add(prediction)
    db.session.flush()
    forecast = Forecast(prediction_id=prediction.id, user_id=author.id,
                        probability=draft.probability, created_at=now)
    db.session.add(forecast)
    db.session.flush()
    running.record(prediction, forecast)
    db.session.execute(
        update(Article).where(Article.id == article.id)
        .values(prediction_count=Article.prediction_count + 1)
    )
    cache_versions.touch(*cache_versions.of_prediction(prediction.id))
    return prediction


def edit_prediction(prediction: Prediction, editor: User, draft: PredictionDraft) -> bool:
    """The author changes claim, criteria or date while nobody else has forecast; the previous
    text is kept as a revision. Returns False when nothing changed."""
    ensure_can_edit_prediction(editor, prediction)
    new = (draft.title, draft.criteria, draft.resolution_date)
    old = (prediction.title, prediction.criteria, prediction.resolution_date)
    if new == old:
        return False
    revision = PredictionRevision(
        prediction_id=prediction.id, editor_id=editor.id, title=prediction.title,
        criteria=prediction.criteria, resolution_date=prediction.resolution_date,
    )
    changed = db.session.execute(
        update(Prediction)
        .where(Prediction.id == prediction.id, editable_clause(Prediction, clock.today()))
        .values(title=draft.title, criteria=draft.criteria,
                criteria_html=render_user_markdown(draft.criteria),
                resolution_date=draft.resolution_date)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        db.session.refresh(prediction)
        ensure_can_edit_prediction(editor, prediction)  # what changed meanwhile, said
        raise Conflict(EDIT_CLOSED_MESSAGE)
    db.session.add(revision)
    cache_versions.touch(*cache_versions.of_prediction(prediction.id))
    db.session.refresh(prediction)
    return True


def add_forecast(prediction: Prediction, user: User, probability: float,
                 reason: str | None = None) -> Forecast:
    """Add the user's newest forecast (history is kept), with an optional reason that the
    discussion shows; only while the prediction is open."""
    ensure_can_write(user)
    if prediction.hidden:
        raise NotFound("This prediction was removed by a moderator.")
    now = clock.now()
    accepted = db.session.execute(
        update(Prediction)
        .where(Prediction.id == prediction.id, open_clause(Prediction, now.date()),
               Prediction.hidden.is_(False))
        .values(forecast_count=Prediction.forecast_count + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not accepted:
        db.session.refresh(prediction)
        if prediction.hidden:  # withdrawn or hidden since the page was read
            raise NotFound("This prediction was withdrawn or removed.")
        raise Conflict("This prediction is closed to new forecasts.")
    forecast = Forecast(prediction_id=prediction.id, user_id=user.id, probability=probability,
                        created_at=now, reason=reason)
    db.session.add(forecast)
    db.session.flush()
    points = forecast_points(prediction.id)
    refresh_crowd(prediction, points)
    running.record(prediction, forecast, points)
    cache_versions.touch(*cache_versions.of_prediction(prediction.id))
    return forecast


def withdraw_prediction(prediction: Prediction, author: User) -> None:
    """The author takes back a prediction nobody else has forecast on: it is hidden for good
    (withdrawn_at set), so it leaves the board, its page, the feeds, the API and the open
    data, and the article's count; it had no scores (it was open). Comments and votes others
    left stay in the database, unseen, as for a prediction a moderator hid.

    The rule of forum.lifecycle.withdrawable is the UPDATE's WHERE: a forecast by someone
    else that commits first raises forecaster_count in the row this UPDATE waits for, so it
    then changes nothing; one that comes after meets hidden = true in add_forecast's UPDATE."""
    ensure_can_withdraw(author, prediction)
    now = clock.now()
    withdrawn = db.session.execute(
        update(Prediction)
        .where(Prediction.id == prediction.id, Prediction.author_id == author.id,
               Prediction.status == OPEN, Prediction.resolution_date >= now.date(),
               Prediction.forecaster_count <= 1, Prediction.hidden.is_(False),
               Prediction.withdrawn_at.is_(None))
        .values(hidden=True, withdrawn_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not withdrawn:
        db.session.refresh(prediction)
        ensure_can_withdraw(author, prediction)  # the reason, as things now stand
        raise Conflict(NOT_WITHDRAWABLE_MESSAGE)
    db.session.execute(
        update(Article).where(Article.id == prediction.article_id)
        .values(prediction_count=Article.prediction_count - 1)
    )
    cache_versions.touch(*cache_versions.of_prediction(prediction.id))
    db.session.refresh(prediction)


def refresh_crowd(prediction: Prediction, points: list[ForecastPoint] | None = None,
                  before: datetime | None = None) -> None:
    """Recompute the crowd counters from the forecast rows (the row is locked by the caller);
    with `before`, only forecasts made before it count (a resolved prediction's T_end)."""
    points = forecast_points(prediction.id) if points is None else points
    set_crowd(prediction, *crowd_median(points, before=before), len(points))


def set_crowd(prediction: Prediction, median: float | None, forecasters: int,
              forecasts: int) -> None:
    """Store the crowd counters (and the hot rank, which counts forecasters)."""
    db.session.refresh(prediction)
    db.session.execute(
        update(Prediction).where(Prediction.id == prediction.id)
        .values(crowd_median=median, forecaster_count=forecasters, forecast_count=forecasts,
                hot_rank=hot_rank(prediction.vote_score, forecasters, prediction.created_at))
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(prediction)


@dataclass(frozen=True)
class Tally:
    score: int
    up: int
    down: int
    my_vote: int

    def as_dict(self) -> dict:
        return {"score": self.score, "up": self.up, "down": self.down, "my_vote": self.my_vote}


def read_vote_value(value) -> int:
    """+1, −1, or 0 to remove; anything else is a validation error."""
    if isinstance(value, bool) or value not in (1, -1, 0) or isinstance(value, float):
        raise Invalid({"value": ["The vote must be 1, -1 or 0 (to remove it)."]})
    return int(value)


def vote_on_prediction(user: User, prediction: Prediction, value: int) -> Tally:
    """Set, change or remove the user's vote on a prediction."""
    ensure_can_vote(user, prediction)
    if not _lock(Prediction, prediction.id, votes_clause(Prediction)):
        db.session.refresh(prediction)
        ensure_can_vote(user, prediction)  # resolved or hidden meanwhile
    db.session.refresh(prediction)
    tally = _set_vote(user, Vote.prediction_id, prediction.id, value)
    db.session.execute(
        update(Prediction).where(Prediction.id == prediction.id)
        .values(vote_score=tally.score, votes_up=tally.up, votes_down=tally.down,
                hot_rank=hot_rank(tally.score, prediction.forecaster_count,
                                  prediction.created_at))
        .execution_options(synchronize_session=False)
    )
    cache_versions.touch(*cache_versions.of_prediction(prediction.id))
    db.session.refresh(prediction)
    return tally


def vote_on_comment(user: User, comment: Comment, value: int) -> Tally:
    """Set, change or remove the user's vote on a comment (not on a hidden prediction's)."""
    if not prediction_visible(prediction := db.session.get(Prediction, comment.prediction_id),
                              user):
        raise NotFound("No such comment.")
    ensure_can_vote(user, prediction, comment)
    if not _lock(Comment, comment.id, Comment.hidden.is_(False), Comment.deleted.is_(False)):
        db.session.refresh(comment)
        ensure_can_vote(user, prediction, comment)  # removed meanwhile
    tally = _set_vote(user, Vote.comment_id, comment.id, value)
    db.session.execute(
        update(Comment).where(Comment.id == comment.id)
        .values(vote_score=tally.score, votes_up=tally.up, votes_down=tally.down)
        .execution_options(synchronize_session=False)
    )
    cache_versions.touch(*cache_versions.of_prediction(comment.prediction_id))
    db.session.refresh(comment)
    return tally


def _lock(model, row_id: int, *conditions) -> bool:
    """Take the row's write lock (a no-op UPDATE), so concurrent votes on it run one by one;
    False when the row no longer meets the conditions."""
    return bool(db.session.execute(
        update(model).where(model.id == row_id, *conditions).values(vote_score=model.vote_score)
        .execution_options(synchronize_session=False)
    ).rowcount)


def _set_vote(user: User, target_column, target_id: int, value: int) -> Tally:
    existing = db.session.scalar(
        select(Vote).where(Vote.user_id == user.id, target_column == target_id)
    )
    if value == 0 and existing is not None:
        db.session.delete(existing)
    elif value != 0 and existing is not None:
        existing.value = value
    elif value != 0:
        _insert_vote(user, target_column, target_id, value)
    db.session.flush()
    up, down = db.session.execute(
        select(func.coalesce(func.sum(case((Vote.value > 0, 1), else_=0)), 0),
               func.coalesce(func.sum(case((Vote.value < 0, 1), else_=0)), 0))
        .where(target_column == target_id)
    ).one()
    return Tally(score=up - down, up=up, down=down, my_vote=value)


def _insert_vote(user: User, target_column, target_id: int, value: int) -> None:
    """Insert the vote; if an identical request won the race, the unique constraint stops the
    second row and this one updates the winner's instead."""
    vote = Vote(user_id=user.id, value=value)
    setattr(vote, target_column.key, target_id)
    try:
        with db.session.begin_nested():
            db.session.add(vote)
    except IntegrityError:
        db.session.execute(
            update(Vote).where(Vote.user_id == user.id, target_column == target_id)
            .values(value=value).execution_options(synchronize_session=False)
        )
