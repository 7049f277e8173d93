"""Running totals (forum.running): each prediction's scoring sweep kept as its forecasts
arrive, so that a resolve reads one row per forecaster instead of every forecast (issue 14).

What a resolve writes from them is what sweeping every forecast writes, bit for bit: `forum
scores recompute`, which always sweeps, changes nothing after it. When they can't serve (an
outcome time before the last forecast, a forecast stored some other way, totals missing or
overtaken by a writer that took its time earlier), the resolve sweeps, or the next forecast
builds them again."""

from datetime import timedelta

import pytest
from sqlalchemy import event, insert, select

from forum import clock, running, scores
from forum.extensions import db
from forum.models import Forecast, Prediction, Score
from forum.models import RunningTotals as TotalsRow
from forum.models import RunningWindow as WindowRow
from forum.scoring import run_all, score_prediction
from tests import moderation_support
from tests.api_support import bearer
from tests.factories import make_prediction, make_user
from tests.moderation_support import resolve_api
from tests.test_resolution_scale import stored_points

people, mod_headers = moderation_support.people, moderation_support.mod_headers


@pytest.fixture
def moments(monkeypatch):
    """Set the clock: `moments.at(hours)` is `hours` after a start 10 days ago."""
    start = clock.now() - timedelta(days=10)

    class Moments:
        def at(self, hours: float):
            instant = start + timedelta(hours=hours)
            monkeypatch.setattr(clock, "now", lambda: instant)
            return instant

        def real(self):
            monkeypatch.undo()

    return Moments()


def forecast(client, user, prediction_id: int, probability: float):
    response = client.post(f"/api/v1/predictions/{prediction_id}/forecasts",
                           json={"probability": probability}, headers=bearer(user))
    assert response.status_code == 201, response.get_json()
    return response


def busy_prediction(client, article, people, moments) -> Prediction:
    """alice's prediction, forecast on through the API over two days: bob twice, carol at
    the same instant as bob's second, alice again."""
    moments.at(0)
    prediction = make_prediction(article, people["alice"], probability=0.3, days_ahead=30)
    for hours, who, probability in ((1, "bob", 0.8), (5, "carol", 0.55), (5, "bob", 0.6),
                                    (30, "alice", 0.45), (47.5, "carol", 0.7)):
        moments.at(hours)
        forecast(client, people[who], prediction.id, probability)
    moments.real()
    return prediction


def stored_totals(prediction_id: int):
    """The stored running totals, compared with those a sweep of the forecasts builds."""
    db.session.expire_all()
    prediction = db.session.get(Prediction, prediction_id)
    return running.load(prediction), run_all(stored_points(prediction_id),
                                             prediction.created_at)


def stored_scores(prediction_id: int) -> dict:
    return {row.user_id: (row.brier, row.crowd_brier, row.coverage, row.relative_brier,
                          row.final_probability)
            for row in db.session.scalars(select(Score).where(Score.prediction_id
                                                              == prediction_id))}


def swept_scores(prediction_id: int) -> dict:
    db.session.expire_all()
    prediction = db.session.get(Prediction, prediction_id)
    return {s.user: (s.brier, s.crowd_brier, s.coverage, s.relative_brier, s.final_probability)
            for s in score_prediction(
                stored_points(prediction_id), outcome=prediction.outcome == "yes",
                created_at=prediction.created_at, resolution_date=prediction.resolution_date,
                outcome_time=prediction.outcome_time)}


def recompute_changes() -> int:
    changed = scores.recompute().changed
    db.session.commit()
    return changed


class ForecastReads:
    """Counts the statements that read the forecasts' probabilities (a sweep does)."""

    def __init__(self):
        self.count = 0

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if "forecasts.probability" in statement:
            self.count += 1


@pytest.fixture
def forecast_reads(app):
    reads = ForecastReads()
    event.listen(db.engine, "before_cursor_execute", reads)
    yield reads
    event.remove(db.engine, "before_cursor_execute", reads)


def test_forecasts_through_the_api_keep_the_totals_a_sweep_would_build(client, article, people,
                                                                      moments):
    prediction = busy_prediction(client, article, people, moments)
    kept, (totals, windows) = stored_totals(prediction.id)
    assert kept is not None
    assert kept.totals == totals and kept.windows == windows
    assert kept.totals.forecasts == 6 and len(kept.windows) == 3


def test_a_resolve_scores_from_the_totals_exactly_as_a_sweep(client, article, people,
                                                             mod_headers, moments,
                                                             forecast_reads):
    prediction = busy_prediction(client, article, people, moments)
    forecast_reads.count = 0
    response = resolve_api(client, mod_headers, prediction.id, outcome="yes")
    assert response.status_code == 200, response.get_json()
    assert forecast_reads.count == 0  # no forecast was read: one window per forecaster
    assert stored_scores(prediction.id) == swept_scores(prediction.id)
    assert len(stored_scores(prediction.id)) == 3
    assert recompute_changes() == 0
    db.session.expire_all()
    row = db.session.get(Prediction, prediction.id)
    assert (row.crowd_median, row.forecaster_count, row.forecast_count) == (0.6, 3, 6)


def test_a_correction_to_the_other_outcome_scores_from_the_same_totals(client, article, people,
                                                                      mod_headers, moments,
                                                                      forecast_reads):
    prediction = busy_prediction(client, article, people, moments)
    assert resolve_api(client, mod_headers, prediction.id, outcome="yes").status_code == 200
    yes = stored_scores(prediction.id)
    forecast_reads.count = 0
    assert resolve_api(client, mod_headers, prediction.id, outcome="no",
                       correction=True).status_code == 200
    assert forecast_reads.count == 0
    assert stored_scores(prediction.id) == swept_scores(prediction.id) != yes
    assert recompute_changes() == 0


def test_an_outcome_time_before_the_last_forecast_sweeps_the_forecasts(client, article,
                                                                      people, mod_headers,
                                                                      moments, forecast_reads):
    prediction = busy_prediction(client, article, people, moments)
    cut = clock.isoformat_z(db.session.get(Prediction, prediction.id).created_at
                            + timedelta(hours=20))  # before alice's and carol's last
    forecast_reads.count = 0
    response = resolve_api(client, mod_headers, prediction.id, outcome="no", outcome_time=cut)
    assert response.status_code == 200, response.get_json()
    assert forecast_reads.count > 0
    assert stored_scores(prediction.id) == swept_scores(prediction.id)
    assert recompute_changes() == 0
    db.session.expire_all()
    row = db.session.get(Prediction, prediction.id)
    assert (row.crowd_median, row.forecaster_count) == (0.55, 3)  # carol's, at hour 20


def test_a_forecast_stored_some_other_way_is_never_missed(client, article, people,
                                                          mod_headers, moments):
    prediction = busy_prediction(client, article, people, moments)
    dave = make_user("dave")
    db.session.execute(insert(Forecast).values(
        prediction_id=prediction.id, user_id=dave.id, probability=0.05,
        created_at=db.session.get(Prediction, prediction.id).created_at + timedelta(hours=2)))
    db.session.commit()
    assert stored_totals(prediction.id)[0] is None  # they no longer hold every forecast
    assert resolve_api(client, mod_headers, prediction.id, outcome="yes").status_code == 200
    assert dave.id in stored_scores(prediction.id)
    assert stored_scores(prediction.id) == swept_scores(prediction.id)
    assert recompute_changes() == 0


def test_the_next_forecast_builds_missing_totals_again(client, article, people, mod_headers,
                                                       moments):
    prediction = busy_prediction(client, article, people, moments)
    db.session.execute(WindowRow.__table__.delete())  # as on a database from before them
    db.session.execute(TotalsRow.__table__.delete())
    db.session.commit()
    assert stored_totals(prediction.id)[0] is None
    moments.at(60)
    forecast(client, people["bob"], prediction.id, 0.35)
    moments.real()
    kept, (totals, windows) = stored_totals(prediction.id)
    assert kept is not None and (kept.totals, kept.windows) == (totals, windows)
    assert kept.totals.forecasts == 7


def test_a_forecast_that_took_its_time_before_the_last_one_builds_them_again(
        client, article, people, mod_headers, moments, forecast_reads):
    # Two writers: one took its time first and committed second (the prediction's row lock
    # orders the commits, not the clocks). Its forecast lands before the totals' last one.
    prediction = busy_prediction(client, article, people, moments)
    moments.at(40)
    forecast(client, people["bob"], prediction.id, 0.2)
    moments.real()
    kept, (totals, windows) = stored_totals(prediction.id)
    assert kept is not None and (kept.totals, kept.windows) == (totals, windows)
    forecast_reads.count = 0
    assert resolve_api(client, mod_headers, prediction.id, outcome="no").status_code == 200
    assert forecast_reads.count == 0
    assert stored_scores(prediction.id) == swept_scores(prediction.id)
    assert recompute_changes() == 0


def test_deleting_a_prediction_takes_its_totals_with_it(client, article, people, moments):
    prediction = busy_prediction(client, article, people, moments)
    db.session.delete(db.session.get(Prediction, prediction.id))
    db.session.commit()
    assert db.session.scalars(select(TotalsRow)).all() == []
    assert db.session.scalars(select(WindowRow)).all() == []
