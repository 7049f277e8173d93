"""`forum demo-data`: deterministic, consistent with its own counters and scores, skewed."""

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from forum import clock
from forum.board.services import forecast_points
from forum.demo_data import DEMO_PASSWORD, MEMBER, DemoDataError, DemoSizes, generate
from forum.demo_data.shape import EPOCH, STEP, anchor, zipf_counts
from forum.extensions import db
from forum.lifecycle import status_of
from forum.models import (
    Article,
    AuditEntry,
    Comment,
    Forecast,
    Notification,
    Prediction,
    Resolution,
    Score,
    User,
    Vote,
)
from forum.scores import compute_scores
from forum.scoring import crowd_median, scheduled_close
from tests.contract import contracted_hot

SMALL = DemoSizes(users=30, predictions=40, forecasts=800, comments=100, seed=7)
DEMO_TABLES = (User, Prediction, Forecast, Comment, Vote, Resolution, Score, Notification,
               AuditEntry)


def snapshot() -> dict[str, list[tuple]]:
    """Every demo table's rows, ordered by id."""
    rows = {}
    for model in DEMO_TABLES:
        table = model.__table__
        rows[table.name] = [tuple(row) for row in db.session.execute(
            select(table).order_by(table.c.id))]
    return rows


def delete_demo_rows() -> None:
    """Remove what demo-data wrote, keeping the article it used."""
    for model in reversed(DEMO_TABLES):
        db.session.execute(model.__table__.delete())
    db.session.execute(Article.__table__.update().values(prediction_count=0))
    db.session.commit()


def test_the_same_seed_gives_the_same_rows(app):
    generate(SMALL)
    db.session.commit()
    first = snapshot()
    delete_demo_rows()
    generate(SMALL)
    db.session.commit()
    assert snapshot() == first
    assert len(first["forecasts"]) == 800 and len(first["comments"]) == 100


def test_a_different_seed_gives_different_rows(app):
    generate(SMALL)
    db.session.commit()
    first = snapshot()
    delete_demo_rows()
    generate(DemoSizes(30, 40, 800, 100, seed=8))
    db.session.commit()
    assert snapshot()["forecasts"] != first["forecasts"]


def test_counters_equal_the_rows_they_count(app):
    generate(SMALL)
    db.session.commit()
    predictions = db.session.scalars(select(Prediction)).all()
    assert len(predictions) == 40
    for prediction in predictions:
        forecasts = db.session.scalar(
            select(func.count()).where(Forecast.prediction_id == prediction.id))
        votes = Counter(db.session.scalars(
            select(Vote.value).where(Vote.prediction_id == prediction.id)))
        visible = db.session.scalar(select(func.count()).where(
            Comment.prediction_id == prediction.id, Comment.hidden.is_(False),
            Comment.deleted.is_(False)))
        assert prediction.forecast_count == forecasts
        assert (prediction.votes_up, prediction.votes_down) == (votes[1], votes[-1])
        assert prediction.vote_score == votes[1] - votes[-1]
        assert prediction.comment_count == visible
        assert prediction.hot_rank == pytest.approx(contracted_hot(
            prediction.vote_score, prediction.forecaster_count, prediction.created_at))
    article = db.session.scalar(select(Article))
    assert article.prediction_count == 40
    for comment in db.session.scalars(select(Comment)):
        votes = Counter(db.session.scalars(
            select(Vote.value).where(Vote.comment_id == comment.id)))
        assert (comment.votes_up, comment.votes_down) == (votes[1], votes[-1])


def test_crowd_medians_are_what_the_scoring_module_gives(app):
    generate(SMALL)
    db.session.commit()
    for prediction in db.session.scalars(select(Prediction)):
        before = None
        if prediction.status == "resolved":
            before = min(prediction.outcome_time, scheduled_close(prediction.resolution_date))
        median, forecasters = crowd_median(forecast_points(prediction.id), before=before)
        assert prediction.crowd_median == median
        assert prediction.forecaster_count == forecasters


def test_scores_are_what_compute_scores_gives_for_resolved_predictions(app):
    generate(SMALL)
    db.session.commit()
    resolved = db.session.scalars(select(Prediction).where(Prediction.status == "resolved")).all()
    assert resolved, "some predictions should be resolved"
    columns = ("user_id", "brier", "crowd_brier", "coverage", "relative_brier",
               "final_probability", "outcome", "resolved_at", "article_id")
    for prediction in resolved:
        expected = sorted(tuple(getattr(score, name) for name in columns)
                          for score in compute_scores(prediction))
        stored = sorted(tuple(getattr(score, name) for name in columns) for score in
                        db.session.scalars(select(Score).where(
                            Score.prediction_id == prediction.id)))
        assert stored == expected
    scored = set(db.session.scalars(select(Score.prediction_id).distinct()))
    assert scored <= {prediction.id for prediction in resolved}


def test_resolutions_log_matches_each_prediction(app):
    generate(SMALL)
    db.session.commit()
    for prediction in db.session.scalars(select(Prediction)):
        log = db.session.scalars(select(Resolution).where(
            Resolution.prediction_id == prediction.id).order_by(Resolution.id)).all()
        if prediction.status == "open":
            assert log == [] and prediction.outcome is None
            continue
        latest = log[-1]
        assert latest.outcome == (prediction.outcome or "annulled")
        assert latest.resolved_at == prediction.resolved_at
        assert prediction.created_at <= prediction.outcome_time <= prediction.resolved_at
        assert db.session.get(User, latest.resolved_by_id).is_moderator


def test_times_are_in_the_past_and_open_predictions_resolve_in_the_future(app):
    generate(SMALL)
    db.session.commit()
    now = clock.now()
    for model in (Prediction, Forecast, Comment, Vote):
        assert db.session.scalar(select(func.max(model.created_at))) <= now
    statuses = Counter(status_of(p.status, p.resolution_date)
                       for p in db.session.scalars(select(Prediction)))
    assert statuses["open"] > 0 and statuses["resolved"] > 0
    for prediction in db.session.scalars(select(Prediction).where(Prediction.status == "open")):
        first = db.session.scalar(select(func.min(Forecast.created_at)).where(
            Forecast.prediction_id == prediction.id))
        assert first == prediction.created_at  # the author's forecast
        assert prediction.resolution_date > prediction.created_at.date()


def test_popularity_is_skewed_like_a_real_forum(app):
    generate(DemoSizes(users=120, predictions=300, forecasts=10_000, comments=300, seed=3))
    db.session.commit()
    counts = sorted(db.session.scalars(select(Prediction.forecast_count)), reverse=True)
    assert sum(counts) == 10_000
    assert 0.025 <= counts[0] / 10_000 <= 0.035  # the busiest holds about 3 %
    assert sum(counts[:30]) / 10_000 > 0.25  # the top tenth holds a good share
    assert counts[-1] >= 1


def test_the_busiest_prediction_is_open_for_the_bench_to_resolve(app):
    generate(DemoSizes(users=120, predictions=300, forecasts=10_000, comments=300, seed=3))
    db.session.commit()
    busiest = db.session.scalars(select(Prediction).order_by(
        Prediction.forecast_count.desc(), Prediction.id).limit(2)).all()
    assert busiest[0].forecast_count > busiest[1].forecast_count  # one clear top
    assert busiest[0].status == "open" and busiest[0].resolution_date > clock.today()
    assert 0.025 <= busiest[0].forecast_count / 10_000 <= 0.035


def test_demo_members_can_log_in_with_the_demo_password(app, client):
    generate(SMALL)
    db.session.commit()
    member = db.session.scalar(select(User).where(User.username == MEMBER))
    assert member.check_password(DEMO_PASSWORD)
    assert db.session.scalar(select(func.count()).where(User.role == "moderator")) >= 1


def test_running_twice_on_the_same_database_is_refused(app):
    generate(SMALL)
    db.session.commit()
    with pytest.raises(DemoDataError, match="already has demo data"):
        generate(SMALL)


def test_impossible_sizes_are_refused():
    with pytest.raises(DemoDataError, match="--forecasts"):
        DemoSizes(users=10, predictions=50, forecasts=20).check()


def test_the_command_reports_what_it_made(runner):
    result = runner.invoke(args=["demo-data", "--users", "20", "--predictions", "10",
                                 "--forecasts", "100", "--comments", "30", "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert "10 predictions" in result.output and "100 forecasts" in result.output
    again = runner.invoke(args=["demo-data", "--users", "20", "--predictions", "10",
                                "--forecasts", "100"])
    assert again.exit_code == 1 and "already has demo data" in again.output


def test_the_data_anchor_moves_in_whole_steps_only():
    assert anchor(EPOCH) == EPOCH
    assert anchor(EPOCH + STEP / 2) == EPOCH
    assert anchor(EPOCH + STEP) == EPOCH + STEP
    assert anchor(datetime(2020, 1, 1, tzinfo=UTC)) <= datetime(2020, 1, 1, tzinfo=UTC)


def test_zipf_counts_add_up_and_put_about_three_percent_on_top():
    counts = zipf_counts(20_000, 1_000_000)
    assert sum(counts) == 1_000_000 and min(counts) >= 1
    assert counts[0] == pytest.approx(30_000, rel=0.02)
    assert zipf_counts(10, 10) == [1] * 10


def test_open_predictions_carry_the_running_totals_their_forecasts_would_have_left(app):
    from forum import running
    from forum.models import RunningTotals
    from forum.scoring import run_all

    generate(SMALL)
    db.session.commit()
    predictions = db.session.scalars(select(Prediction)).all()
    for prediction in predictions:
        kept = running.load(prediction)
        if prediction.status == "open":
            totals, windows = run_all(forecast_points(prediction.id), prediction.created_at)
            assert kept is not None and (kept.totals, kept.windows) == (totals, windows)
        else:  # a correction of a resolved one sweeps its forecasts
            assert kept is None
    assert db.session.scalar(select(func.count()).select_from(RunningTotals)) == sum(
        prediction.status == "open" for prediction in predictions) > 0
