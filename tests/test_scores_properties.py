"""Property: on a random history of users, predictions, forecasts and resolutions (with
corrections and annulments), the full recomputation produces exactly the rows that the
incremental path (rescore on every resolution) left, and running it again changes nothing."""

from datetime import UTC, datetime, time, timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from forum import clock
from forum.extensions import db
from forum.models import Forecast, Prediction, Score, User
from forum.scores import recompute, rescore_prediction
from forum.scoring import scheduled_close
from tests.test_scores import score_rows

BASE = datetime.combine(clock.today() - timedelta(days=120), time.min, tzinfo=UTC)
DAY_US = 86_400 * 1_000_000

probabilities = st.one_of(st.integers(1, 99).map(lambda n: n / 100),
                          st.floats(0.01, 0.99, allow_nan=False))
# Small offsets make forecasts at the same instant (ties broken by id) likely.
offsets = st.one_of(st.integers(0, 3), st.integers(0, 25 * DAY_US))


@st.composite
def predictions(draw, users: int):
    life = draw(st.integers(1, 20))
    return {
        "author": draw(st.integers(0, users - 1)),
        "start": draw(st.integers(0, 60 * DAY_US)),
        "life": life,
        "first": draw(probabilities),
        "forecasts": draw(st.lists(st.tuples(st.integers(0, users - 1), probabilities, offsets),
                                   max_size=8)),
        # (outcome, outcome_time as a share of the scheduled life; > 1 is after the close)
        "resolutions": draw(st.lists(st.tuples(st.sampled_from(["yes", "no", "annulled"]),
                                               st.floats(0, 1.3)), min_size=1, max_size=3)),
    }


@st.composite
def histories(draw):
    users = draw(st.integers(1, 4))
    return users, draw(st.lists(predictions(users), min_size=1, max_size=4))


def build(article, users: int, plans: list[dict]) -> None:
    """Write the history; resolve each prediction step by step through the incremental path."""
    people = [User(username=f"user{index}", username_key=f"user{index}",
                   email=f"user{index}@example.com", password_hash="x")
              for index in range(users)]
    db.session.add_all(people)
    db.session.flush()
    moment = clock.now() - timedelta(days=1)
    for plan in plans:
        start = BASE + timedelta(microseconds=plan["start"])
        close_date = (start + timedelta(days=plan["life"] - 1)).date()
        prediction = Prediction(
            article_id=article.id, author_id=people[plan["author"]].id, title="A claim to test",
            criteria="Criteria", criteria_html="<p>Criteria</p>", resolution_date=close_date,
            created_at=start, author_probability=plan["first"])
        db.session.add(prediction)
        db.session.flush()
        db.session.add(Forecast(prediction_id=prediction.id, user_id=people[plan["author"]].id,
                                probability=plan["first"], created_at=start))
        db.session.add_all(
            Forecast(prediction_id=prediction.id, user_id=people[who].id, probability=p,
                     created_at=start + timedelta(microseconds=offset))
            for who, p, offset in plan["forecasts"])
        db.session.flush()
        life = scheduled_close(close_date) - start
        for outcome, share in plan["resolutions"]:
            moment += timedelta(seconds=1)
            prediction.status = "annulled" if outcome == "annulled" else "resolved"
            prediction.outcome = None if outcome == "annulled" else outcome
            prediction.outcome_time = start + life * share
            prediction.resolved_at = moment
            db.session.flush()
            rescore_prediction(prediction)
    db.session.commit()


def empty(article) -> None:
    db.session.rollback()
    for model in (Score, Forecast, Prediction, User):
        db.session.execute(model.__table__.delete())
    db.session.commit()


@settings(deadline=None, database=None,  # examples: the profile's (tests/conftest.py)
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(history=histories())
def test_recompute_equals_incremental_and_is_idempotent(app, article, history):
    users, plans = history
    try:
        build(article, users, plans)
        incremental = score_rows()
        event("scored" if incremental else "nothing scored")
        ids = set(db.session.scalars(select(Score.id)))

        summary = recompute()  # rows that are right are left alone, ids included
        db.session.commit()
        assert summary.changed == 0 and summary.rows == len(incremental)
        assert score_rows() == incremental
        assert set(db.session.scalars(select(Score.id))) == ids

        db.session.execute(Score.__table__.delete())
        db.session.commit()
        assert recompute(batch_forecasts=5).inserted == len(incremental)  # from nothing
        db.session.commit()
        assert score_rows() == incremental

        again = recompute()
        db.session.commit()
        assert again.changed == 0 and score_rows() == incremental
    finally:
        empty(article)
