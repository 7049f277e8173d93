"""Score rows in the database: written by resolutions, corrections and annulments in the same
transaction, and rebuilt identically by `forum scores recompute`.

The helpers at the top build SCORING.md's worked examples through the real services; the other
score test modules import them."""

from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from forum import clock
from forum.extensions import db
from forum.models import Prediction, Score
from forum.scores import recompute, recompute_all, rescore_prediction
from tests.factories import make_forecast, make_prediction, make_user

NOTE = "The news reported it on the day."
START = datetime.combine(clock.today() - timedelta(days=60), time.min, tzinfo=UTC)
# SCORING.md's worked examples: (who, probability, day) after the author's first forecast.
EXAMPLE = (("bob", 0.20, 2), ("alice", 0.90, 5), ("carol", 0.50, 8), ("carol", 0.95, 11))
EXAMPLE_1_YES = {  # user: (brier, crowd_brier, coverage, relative_brier, calibration point)
    "alice": (0.085, 0.25075, 1.0, -0.16575, 0.90),
    "bob": (0.64, 0.2734375, 0.8, 0.29325, 0.20),
    "carol": (0.25, 0.25, 0.2, 0.0, 0.50),
}
EXAMPLE_1_NO = {
    "alice": (0.585, 0.26075, 1.0, 0.32425, 0.90),
    "bob": (0.04, 0.2359375, 0.8, -0.15675, 0.20),
    "carol": (0.25, 0.25, 0.2, 0.0, 0.50),
}


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch):
    """These tests make many accounts: hash their passwords cheaply."""
    from werkzeug.security import generate_password_hash

    monkeypatch.setattr("forum.models.user.generate_password_hash",
                        lambda password, method=None: generate_password_hash(
                            password, method="pbkdf2:sha256:1"))


@contextmanager
def frozen(moment: datetime):
    """Make `clock.now()` answer `moment` inside the block."""
    original = clock.now
    clock.now = lambda: moment
    try:
        yield
    finally:
        clock.now = original


def users(*names, role="member"):
    """Users by name, created when missing."""
    from forum.auth.services import find_user

    return [find_user(name) or make_user(name, role=role) for name in names]


def moderator():
    return users("mod", role="moderator")[0]


def history(article, author, forecasts=(), *, first=0.60, start=START, close_day=10,
            title="North Korea will hold a nuclear test in 2027"):
    """A prediction posted at `start` (T0) by `author` at `first`, whose scheduled close is
    `close_day` days later, with forecasts [(user, probability, day)] made while it was open."""
    prediction = make_prediction(article, author, probability=first, created_at=start,
                                 title=title)
    for user, probability, day in forecasts:
        make_forecast(prediction, user, probability, created_at=start + timedelta(days=day))
    prediction.resolution_date = (start + timedelta(days=close_day - 1)).date()
    db.session.commit()
    return prediction


def example_history(article, start=START, close_day=10, title=None):
    """SCORING.md's worked example: alice posts at 60 %, bob, alice again, carol twice."""
    alice, bob, carol = users("alice", "bob", "carol")
    people = {"alice": alice, "bob": bob, "carol": carol}
    return history(article, alice, [(people[who], p, day) for who, p, day in EXAMPLE],
                   start=start, close_day=close_day,
                   title=title or "North Korea will hold a nuclear test in 2027")


def resolve(prediction, outcome="yes", *, outcome_time=None, correction=False, at=None,
            commit=True):
    """Resolve, correct or annul through the moderators' service (at `at`, default now)."""
    from forum.moderation.resolutions import ResolutionRequest, resolve_prediction

    request = ResolutionRequest(outcome=outcome, note=NOTE, outcome_time=outcome_time,
                                correction=correction)
    with frozen(at or clock.now()):
        resolution = resolve_prediction(prediction, moderator(), request)
    if commit:
        db.session.commit()
    return resolution


def close_of(prediction):
    """T_close: 00:00 UTC after the resolution date."""
    return datetime.combine(prediction.resolution_date + timedelta(days=1), time.min, tzinfo=UTC)


def scores_by_name(prediction_id: int) -> dict[str, Score]:
    from forum.models import User

    rows = db.session.execute(
        select(User.username, Score).join(Score, Score.user_id == User.id)
        .where(Score.prediction_id == prediction_id)
    ).all()
    return {name: score for name, score in rows}


def score_rows() -> set[tuple]:
    """Every score row's values, without its id."""
    return {
        (row.user_id, row.prediction_id, row.article_id, row.outcome, row.brier, row.crowd_brier,
         row.coverage, row.relative_brier, row.final_probability, row.resolved_at)
        for row in db.session.execute(select(Score.__table__))
    }


def assert_example(scores: dict[str, Score], expected: dict) -> None:
    assert set(scores) == set(expected)
    for name, (brier, crowd, coverage, relative, final) in expected.items():
        score = scores[name]
        assert score.brier == pytest.approx(brier, abs=1e-12), name
        assert score.crowd_brier == pytest.approx(crowd, abs=1e-12), name
        assert score.coverage == pytest.approx(coverage, abs=1e-12), name
        assert score.relative_brier == pytest.approx(relative, abs=1e-12), name
        assert score.final_probability == final, name


def test_resolving_yes_scores_worked_example_1(article):
    prediction = example_history(article)
    resolve(prediction, "yes", outcome_time=close_of(prediction))
    assert_example(scores_by_name(prediction.id), EXAMPLE_1_YES)
    assert all(score.outcome is True for score in scores_by_name(prediction.id).values())


def test_early_resolution_scores_worked_example_2(article):
    prediction = example_history(article, close_day=20)
    resolve(prediction, "yes", outcome_time=START + timedelta(days=10))
    scores = scores_by_name(prediction.id)
    halved = {name: (b, c, cov / 2, rel / 2, f) for name, (b, c, cov, rel, f)
              in EXAMPLE_1_YES.items()}
    assert_example(scores, halved)


def test_correction_from_yes_to_no_flips_scores_in_the_same_transaction(article):
    prediction = example_history(article)
    resolve(prediction, "yes", outcome_time=close_of(prediction))
    resolve(prediction, "no", correction=True, commit=False)
    # Not committed yet: the corrected scores are already in this transaction...
    assert_example(scores_by_name(prediction.id), EXAMPLE_1_NO)
    db.session.rollback()
    # ...and a rollback takes them away with the correction itself.
    assert_example(scores_by_name(prediction.id), EXAMPLE_1_YES)
    resolve(prediction, "no", correction=True)
    assert_example(scores_by_name(prediction.id), EXAMPLE_1_NO)
    assert all(score.outcome is False for score in scores_by_name(prediction.id).values())


def test_rescore_after_changing_the_outcome_flips_scores(article):
    prediction = example_history(article)
    resolve(prediction, "yes", outcome_time=close_of(prediction))
    prediction.outcome = "no"
    rescore_prediction(prediction)
    db.session.commit()
    assert_example(scores_by_name(prediction.id), EXAMPLE_1_NO)


def test_annulled_prediction_leaves_no_score(article):
    prediction = example_history(article)
    resolve(prediction, "annulled")
    assert scores_by_name(prediction.id) == {}
    recompute_all()
    db.session.commit()
    assert scores_by_name(prediction.id) == {}


def test_correction_to_annulled_removes_the_scores(article):
    prediction = example_history(article)
    resolve(prediction, "yes", outcome_time=close_of(prediction))
    assert len(scores_by_name(prediction.id)) == 3
    resolve(prediction, "annulled", correction=True)
    assert scores_by_name(prediction.id) == {}


def test_hidden_prediction_keeps_its_scores(article):
    prediction = example_history(article)
    resolve(prediction, "yes", outcome_time=close_of(prediction))
    prediction.hidden = True
    db.session.commit()
    before = score_rows()
    assert recompute().changed == 0
    db.session.commit()
    assert score_rows() == before and len(before) == 3


def test_scores_carry_the_latest_resolution_time(article):
    prediction = example_history(article)
    first = clock.now() - timedelta(days=3)
    resolve(prediction, "yes", outcome_time=close_of(prediction), at=first)
    assert {s.resolved_at for s in scores_by_name(prediction.id).values()} == {first}
    resolve(prediction, "no", correction=True)
    db.session.expire_all()
    latest = db.session.get(Prediction, prediction.id).resolved_at
    assert latest > first
    assert {s.resolved_at for s in scores_by_name(prediction.id).values()} == {latest}


def test_resolution_before_anyone_forecast_leaves_no_score(article):
    alice, = users("alice")
    prediction = history(article, alice)
    resolve(prediction, "yes", outcome_time=START)  # T_end = T0: no forecast counts
    assert scores_by_name(prediction.id) == {}


def test_recompute_changes_nothing_when_the_scores_are_right(article):
    first = example_history(article)
    second = example_history(article, title="The summit will take place before the end of 2027")
    resolve(first, "yes", outcome_time=close_of(first))
    resolve(second, "no", outcome_time=START + timedelta(days=7))
    ids_before = dict(db.session.execute(select(Score.id, Score.brier)).all())
    summary = recompute()
    db.session.commit()
    assert (summary.rows, summary.changed) == (5, 0)  # carol forecast after day 7
    assert dict(db.session.execute(select(Score.id, Score.brier)).all()) == ids_before


def test_recompute_repairs_wrong_missing_and_stale_rows(article):
    first = example_history(article)
    second = example_history(article, title="The summit will take place before the end of 2027")
    resolve(first, "yes", outcome_time=close_of(first))
    resolve(second, "yes", outcome_time=close_of(second))
    right = score_rows()
    scores = scores_by_name(first.id)
    scores["alice"].brier = 0.5  # wrong
    db.session.delete(scores["bob"])  # missing
    second.status, second.outcome = "annulled", None  # its rows are now stale
    db.session.commit()
    summary = recompute(batch_forecasts=3)  # several batches
    db.session.commit()
    assert (summary.inserted, summary.updated, summary.deleted, summary.rows) == (1, 1, 3, 3)
    assert score_rows() == {row for row in right if row[1] == first.id}


def test_recompute_equals_the_incremental_rows(article):
    first = example_history(article)
    second = example_history(article, title="The summit will take place before the end of 2027")
    resolve(first, "yes", outcome_time=close_of(first))
    resolve(second, "no", outcome_time=START + timedelta(days=4))
    incremental = score_rows()
    db.session.execute(Score.__table__.delete())
    db.session.commit()
    assert recompute_all() == 5  # carol forecast after day 4
    db.session.commit()
    assert score_rows() == incremental


def test_cli_recompute_reports_the_rows(app, article):
    prediction = example_history(article)
    resolve(prediction, "yes", outcome_time=close_of(prediction))
    db.session.execute(Score.__table__.delete())
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["scores", "recompute"])
    assert result.exit_code == 0, result.output
    assert "Recomputed 3 scores" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Score)) == 3
