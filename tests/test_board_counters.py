"""The counters every list shows always equal what the rows say, after any sequence of writes."""

import random
import statistics

import pytest
from sqlalchemy import func, select

from forum.board.services import add_forecast, vote_on_comment, vote_on_prediction
from forum.comments.services import add_comment, delete_comment
from forum.errors import ActionError
from forum.extensions import db
from forum.models import Article, Comment, Forecast, Prediction, Vote
from tests.factories import make_prediction, make_user


def standing_median(prediction_id: int) -> tuple[float | None, int]:
    """The median of each forecaster's latest forecast, straight from the rows."""
    rows = db.session.execute(
        select(Forecast.user_id, Forecast.probability)
        .where(Forecast.prediction_id == prediction_id)
        .order_by(Forecast.created_at, Forecast.id)
    ).all()
    latest = {}
    for user_id, probability in rows:
        latest[user_id] = probability
    values = list(latest.values())
    return (statistics.median(values) if values else None), len(values)


def assert_counters_match_rows(article_id: int) -> None:
    db.session.expire_all()
    article = db.session.get(Article, article_id)
    visible = db.session.scalar(select(func.count()).select_from(Prediction)
                                .where(Prediction.hidden.is_(False)))
    assert article.prediction_count == visible
    for prediction in db.session.scalars(select(Prediction)):
        votes = db.session.scalars(select(Vote.value).where(Vote.prediction_id == prediction.id))
        values = list(votes)
        assert prediction.votes_up == values.count(1), prediction
        assert prediction.votes_down == values.count(-1), prediction
        assert prediction.vote_score == sum(values), prediction
        assert prediction.forecast_count == db.session.scalar(
            select(func.count()).select_from(Forecast)
            .where(Forecast.prediction_id == prediction.id))
        median, forecasters = standing_median(prediction.id)
        assert prediction.forecaster_count == forecasters
        assert prediction.crowd_median == pytest.approx(median)
        assert prediction.comment_count == db.session.scalar(
            select(func.count()).select_from(Comment).where(
                Comment.prediction_id == prediction.id, Comment.deleted.is_(False),
                Comment.hidden.is_(False)))
    for comment in db.session.scalars(select(Comment)):
        values = list(db.session.scalars(select(Vote.value).where(Vote.comment_id == comment.id)))
        assert (comment.vote_score, comment.votes_up, comment.votes_down) == \
            (sum(values), values.count(1), values.count(-1))


@pytest.mark.parametrize("seed", [1, 2])
def test_counters_equal_the_rows_after_200_random_writes(app, article, seed):
    rng = random.Random(seed)
    users = [make_user(f"writer{index}") for index in range(5)]
    predictions = [make_prediction(article, users[index], title=f"Random claim number {index}")
                   for index in range(3)]
    comments: list[Comment] = []
    refused = 0
    for _ in range(200):
        user = rng.choice(users)
        prediction = rng.choice(predictions)
        action = rng.choice(["forecast", "vote", "comment", "reply", "delete", "comment_vote"])
        try:
            if action == "forecast":
                add_forecast(prediction, user, rng.choice([0.01, 0.2, 0.35, 0.5, 0.77, 0.99]))
            elif action == "vote":
                vote_on_prediction(user, prediction, rng.choice([1, -1, 0]))
            elif action in ("comment", "reply"):
                parent = rng.choice(comments) if action == "reply" and comments else None
                target = db.session.get(Prediction, parent.prediction_id) if parent else prediction
                comments.append(add_comment(target, user, "A thought.",
                                            parent.id if parent else None))
            elif action == "delete" and comments:
                delete_comment(rng.choice(comments), user)
            elif action == "comment_vote" and comments:
                vote_on_comment(user, rng.choice(comments), rng.choice([1, -1, 0]))
        except ActionError:
            refused += 1  # voting on your own content, replying to a deleted comment, …
            db.session.rollback()
            continue
        db.session.commit()
    assert refused < 200
    assert_counters_match_rows(article.id)
