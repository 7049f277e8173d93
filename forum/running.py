"""Each prediction's scoring sweep, kept as its forecasts arrive (forum.scoring's running
totals), so that resolving a busy prediction reads one row per forecaster instead of sweeping
every forecast.

`record` adds a forecast in the transaction that writes it, under the prediction's row lock
(add_forecast's guarded UPDATE), so two forecasts on one prediction are added one after the
other. The totals are a cache of the forecasts, never a source: when they are missing (a
database from before them, demo data, a forecast written some other way) or cannot follow
(two writers that took their times in one order and committed in the other), `rebuild` makes
them again from the forecasts; `load` gives them to a resolve only when they hold exactly the
forecasts stored (their number and the latest instant), and the resolve sweeps the forecasts
otherwise. `forum scores recompute` always sweeps: it checks these too.
"""

from collections.abc import Hashable
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import Select, delete, func, insert, select, update

from forum.extensions import db
from forum.models import Forecast, Prediction
from forum.models import RunningTotals as TotalsRow
from forum.models import RunningWindow as WindowRow
from forum.scores import forecast_points
from forum.scoring import (
    ForecastPoint,
    RunningTotals,
    RunningWindow,
    run_all,
    run_forecast,
    running_moment,
)

_TOTALS, _WINDOWS, _FORECASTS = TotalsRow.__table__, WindowRow.__table__, Forecast.__table__
_WINDOW_FIELDS = ("first", "crowd_before_yes", "crowd_before_no", "probability", "since",
                  "own_yes", "own_no")
_TOTALS_FIELDS = ("forecasts", "moment", "last_id", "crowd", "crowd_yes", "crowd_no")


@dataclass
class Kept:
    """A prediction's running totals and its forecasters' windows, as stored."""

    totals: RunningTotals
    windows: dict[Hashable, RunningWindow]

    def counts_all(self, created_at: datetime, before: datetime | None) -> bool:
        """Whether every forecast they hold was made before `before` (None: no cut)."""
        return before is None or self.totals.moment < running_moment(created_at, before)


def record(prediction: Prediction, forecast: Forecast, points=None) -> None:
    """Add a forecast just written (its prediction's crowd counters already refreshed, the
    row locked) to the prediction's running totals; `points`: its forecasts, if the caller
    has them, for a rebuild."""
    connection = db.session.connection()
    totals = _stored_totals(connection, prediction.id)
    if totals is None:
        rebuild(prediction, points)
        return
    stored = connection.execute(
        select(*_WINDOWS.c[_WINDOW_FIELDS]).where(_WINDOWS.c.prediction_id == prediction.id,
                                                  _WINDOWS.c.user_id == forecast.user_id)).first()
    window = run_forecast(totals, None if stored is None else RunningWindow(*stored),
                          running_moment(prediction.created_at, forecast.created_at),
                          forecast.id, forecast.probability, prediction.crowd_median)
    if window is None:
        rebuild(prediction, points)
        return
    if stored is None:
        connection.execute(insert(_WINDOWS).values(prediction_id=prediction.id,
                                                   user_id=forecast.user_id, **asdict(window)))
    else:
        connection.execute(update(_WINDOWS).where(_WINDOWS.c.prediction_id == prediction.id,
                                                  _WINDOWS.c.user_id == forecast.user_id)
                           .values(**asdict(window)))
    connection.execute(update(_TOTALS).where(_TOTALS.c.prediction_id == prediction.id)
                       .values(**asdict(totals)))


def rebuild(prediction: Prediction, points: list[ForecastPoint] | None = None) -> None:
    """Build the prediction's running totals again from its forecasts, replacing any."""
    points = forecast_points(prediction.id) if points is None else points
    totals, windows = run_all(points, prediction.created_at)
    connection = db.session.connection()
    connection.execute(delete(_WINDOWS).where(_WINDOWS.c.prediction_id == prediction.id))
    connection.execute(delete(_TOTALS).where(_TOTALS.c.prediction_id == prediction.id))
    if points:
        connection.execute(insert(_TOTALS).values(prediction_id=prediction.id, **asdict(totals)))
        connection.execute(insert(_WINDOWS), [
            {"prediction_id": prediction.id, "user_id": user, **asdict(window)}
            for user, window in windows.items()])


def load(prediction: Prediction) -> Kept | None:
    """The prediction's running totals and windows, when they hold exactly its stored
    forecasts (as many, the latest at the same instant); None otherwise."""
    connection = db.session.connection()
    totals = _stored_totals(connection, prediction.id)
    if totals is None:
        return None
    f = _FORECASTS.c
    count, latest = connection.execute(
        select(func.count(), func.max(f.created_at)).where(f.prediction_id == prediction.id)
    ).one()
    if count != totals.forecasts or latest is None \
            or running_moment(prediction.created_at, latest) != totals.moment:
        return None
    w = _WINDOWS.c
    windows = {user: RunningWindow(*values) for user, *values in connection.execute(
        select(w.user_id, *w[_WINDOW_FIELDS]).where(w.prediction_id == prediction.id))}
    return Kept(totals, windows)


def forecasters(prediction_id: int, kept: Kept | None) -> Select:
    """SQL: the ids of those who forecast on the prediction. From the windows (one row each)
    when `kept` says they hold every stored forecast, otherwise from the forecasts: for the
    busiest prediction, 5,000 rows read instead of 30,000, twice in a resolve (its in-app
    notices and its emails)."""
    if kept is not None:
        return select(_WINDOWS.c.user_id).where(_WINDOWS.c.prediction_id == prediction_id)
    return select(_FORECASTS.c.user_id).where(_FORECASTS.c.prediction_id == prediction_id)


def _stored_totals(connection, prediction_id: int) -> RunningTotals | None:
    row = connection.execute(select(*_TOTALS.c[_TOTALS_FIELDS])
                             .where(_TOTALS.c.prediction_id == prediction_id)).first()
    return None if row is None else RunningTotals(*row)
