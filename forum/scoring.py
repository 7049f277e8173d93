"""Time-averaged Brier scores relative to the crowd median, calibration and leaderboard order.

Pure Python (standard library only) so that every rule of SCORING.md can be unit-tested
without a database or an application. All functions take plain values: forecasts come in as
`ForecastPoint`, scores go out as `UserScore`, `CalibrationBin` and `Standing`.

The crowd forecast is the median of the standing forecasts; it changes only at forecast
times, so every integral here is a sum over the pieces of a step function. The pieces are
found with one sweep over the forecasts sorted by (created_at, id), keeping the standing
probabilities in a Fenwick tree over their distinct values, so a history of n forecasts costs
O(n log n). Durations are counted in whole microseconds (exact integers, the precision of the
stored timestamps); every figure is a ratio of durations, so the unit cancels out.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby
from operator import attrgetter, itemgetter
from typing import NamedTuple, Self

_MICROSECOND = timedelta(microseconds=1)
_BINS = 10


class _Point(NamedTuple):
    id: int
    user: Hashable
    probability: float
    created_at: datetime


class ForecastPoint(_Point):
    """One forecast: a user's probability at an instant (naive datetimes are taken as UTC).

    An immutable tuple rather than a frozen dataclass: a busy prediction's scoring builds tens
    of thousands of them, and a tuple costs a third as much to make.
    """

    __slots__ = ()

    def __new__(cls, id: int, user: Hashable, probability: float,
                created_at: datetime) -> Self:
        if created_at.tzinfo is not UTC:
            created_at = _utc(created_at)
        return tuple.__new__(cls, (id, user, probability, created_at))


@dataclass(frozen=True, slots=True)
class UserScore:
    """A user's score on one resolved prediction (see SCORING.md for each figure)."""

    user: Hashable
    brier: float
    crowd_brier: float
    coverage: float
    relative_brier: float
    final_probability: float


@dataclass(frozen=True, slots=True)
class CalibrationBin:
    """One tenth of the probability scale, with how often forecasts in it came true."""

    bin_start: float
    bin_end: float
    count: int
    mean_forecast: float | None
    observed: float | None


@dataclass(frozen=True, slots=True)
class Standing:
    """One leaderboard row: a user's scores over a period, aggregated."""

    user: Hashable
    username: str
    predictions: int
    mean_brier: float
    relative_brier: float


def _utc(moment: datetime) -> datetime:
    """Return `moment` as an aware UTC datetime; a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _micros(delta: timedelta) -> int:
    """Return a duration in whole microseconds, exactly."""
    return delta // _MICROSECOND


# Sort key: (created_at, id): time order, and at the same instant the later id last (so it
# wins). An attrgetter, so sorting a busy prediction's forecasts calls no Python per item.
_order = attrgetter("created_at", "id")


def scheduled_close(resolution_date: date) -> datetime:
    """Return T_close, 00:00 UTC of the day after `resolution_date` (forecasts end there)."""
    return datetime.combine(resolution_date + timedelta(days=1), time.min, tzinfo=UTC)


def median(values: Sequence[float]) -> float | None:
    """Return the median: the middle value, or the mean of the two middle values; None if empty."""
    ordered = sorted(values)
    count = len(ordered)
    if count == 0:
        return None
    middle = count // 2
    if count % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def standing_forecasts(
    forecasts: Iterable[ForecastPoint], before: datetime | None = None
) -> dict[Hashable, ForecastPoint]:
    """Return each user's standing forecast: their latest one made strictly before `before`.

    With `before` None every forecast counts. At the same instant the later id wins.
    """
    cutoff = None if before is None else _utc(before)
    standing: dict[Hashable, ForecastPoint] = {}
    for forecast in forecasts:
        if cutoff is not None and forecast.created_at >= cutoff:
            continue
        current = standing.get(forecast.user)
        if current is None or _order(forecast) > _order(current):
            standing[forecast.user] = forecast
    return standing


def crowd_median(
    forecasts: Iterable[ForecastPoint], before: datetime | None = None
) -> tuple[float | None, int]:
    """Return (median of the standing forecasts, number of forecasters); (None, 0) if none."""
    standing = standing_forecasts(forecasts, before)
    return median([forecast.probability for forecast in standing.values()]), len(standing)


class _Crowd:
    """The standing probabilities, counted in a Fenwick tree over their distinct values.

    Changing a user's forecast and reading the median both cost O(log n). Beside the tree a
    plain count per value says whether the two middle values of an even crowd share a value
    (with whole percentages they nearly always do), so the median usually takes one descent.
    """

    __slots__ = ("_counts", "_position", "_size", "_standing", "_top", "_tree", "_values")

    def __init__(self, probabilities: Iterable[float]) -> None:
        self._values = sorted(set(probabilities))
        self._position = {value: index + 1 for index, value in enumerate(self._values)}
        # A power-of-two size lets the binary lifting in _kth skip bounds checks.
        self._top = 1 << max(len(self._values) - 1, 0).bit_length()
        self._tree = [0] * (self._top + 1)
        self._counts = [0] * (self._top + 1)
        self._size = 0
        self._standing: dict[Hashable, float] = {}

    def set(self, user: Hashable, probability: float) -> None:
        """Make `probability` the user's standing forecast, replacing any earlier one."""
        tree, top, counts, standing = self._tree, self._top, self._counts, self._standing
        previous = standing.get(user)
        if previous is None:
            self._size += 1
        else:
            index = self._position[previous]
            counts[index] -= 1
            while index <= top:
                tree[index] -= 1
                index += index & -index
        index = self._position[probability]
        counts[index] += 1
        while index <= top:
            tree[index] += 1
            index += index & -index
        standing[user] = probability

    def _kth(self, rank: int) -> tuple[int, int]:
        """(index from 1 of the rank-th smallest standing probability, how many standing
        values come before it), by binary lifting."""
        tree, position, before, step = self._tree, 0, 0, self._top
        while step:
            following = position + step
            if before + tree[following] < rank:
                position = following
                before += tree[following]
            step >>= 1
        return position + 1, before

    def median(self) -> float | None:
        """Return the median of the standing probabilities, None when there are none."""
        size = self._size
        if size == 0:
            return None
        middle = size // 2
        if size % 2:
            return self._values[self._kth(middle + 1)[0] - 1]
        index, before = self._kth(middle)
        low = self._values[index - 1]
        # The next value up is in the same bucket unless `middle` is that bucket's last.
        high = low if before + self._counts[index] > middle else \
            self._values[self._kth(middle + 1)[0] - 1]
        return (low + high) / 2


def _sweep(
    ordered: list[ForecastPoint],
) -> Iterator[tuple[datetime, list[ForecastPoint], float]]:
    """Yield (instant, its forecasts, crowd median after all of them), for sorted forecasts."""
    crowd = _Crowd(forecast.probability for forecast in ordered)
    for instant, group in groupby(ordered, key=attrgetter("created_at")):
        batch = list(group)
        for forecast in batch:
            crowd.set(forecast.user, forecast.probability)
        yield instant, batch, crowd.median()  # never None: the batch has a forecast


def crowd_history(forecasts: Iterable[ForecastPoint]) -> list[tuple[datetime, float]]:
    """Return the crowd median as a step function, for the chart.

    One (instant, median) per distinct forecast time, in time order: the median of the
    standing forecasts once every forecast made at that instant has been applied. The median
    holds until the next instant. One sort and one sweep: O(n log n).
    """
    ordered = sorted(forecasts, key=_order)
    return [(instant, crowd) for instant, _, crowd in _sweep(ordered)]


@dataclass(slots=True)
class _Window:
    """A user's running totals during the sweep (times in microseconds from T0)."""

    first: int  # f_u
    crowd_before: float  # C(f_u): the crowd integral from the first forecast up to f_u
    probability: float  # the standing forecast p_u
    since: int  # when p_u was made
    own: float = 0.0  # the integral of (p_u - o)^2 from f_u up to `since`

    def move(self, probability: float, moment: int, target: float) -> None:
        """Close the current piece at `moment` and stand on `probability` from then on."""
        self.own += (self.probability - target) ** 2 * (moment - self.since)
        self.probability, self.since = probability, moment


def score_prediction(
    forecasts: Iterable[ForecastPoint],
    *,
    outcome: bool,
    created_at: datetime,
    resolution_date: date,
    outcome_time: datetime,
) -> list[UserScore]:
    """Score every forecaster of one resolved prediction, exactly as SCORING.md says.

    T0 = created_at, T_close = scheduled_close(resolution_date), T_end = min(outcome_time,
    T_close); only forecasts made before T_end count. With o = 1 for yes and 0 for no, p_u(t)
    the user's standing forecast, c(t) the crowd median and f_u the user's first counted
    forecast:

        brier          = 1/(T_end - f_u)   * ∫[f_u, T_end] (p_u(t) - o)² dt
        crowd_brier    = 1/(T_end - f_u)   * ∫[f_u, T_end] (c(t) - o)² dt
        coverage       = (T_end - f_u) / (T_close - T0)
        relative_brier = 1/(T_close - T0)  * ∫[f_u, T_end] ((p_u - o)² - (c - o)²) dt
                       = coverage * (brier - crowd_brier)

    The crowd integral is kept as a running total C(t), so a user's window is
    C(T_end) - C(f_u). Returns one score per user with a counted forecast, sorted by user;
    the order of `forecasts` does not matter. If T_close <= T0 (it cannot happen for a
    resolution date after the creation day) coverage is taken as 1.
    """
    start = _utc(created_at)
    end = min(_utc(outcome_time), scheduled_close(resolution_date))
    target = 1.0 if outcome else 0.0
    ordered = sorted((f for f in forecasts if f.created_at < end), key=_order)
    windows: dict[Hashable, _Window] = {}
    # Before the first forecast there is no crowd: start with a piece that adds nothing.
    crowd_total, previous_moment, previous_crowd = 0.0, 0, target
    for instant, batch, crowd in _sweep(ordered):
        moment = _micros(instant - start)
        crowd_total += (previous_crowd - target) ** 2 * (moment - previous_moment)
        for forecast in batch:
            window = windows.get(forecast.user)
            if window is None:
                windows[forecast.user] = _Window(moment, crowd_total, forecast.probability, moment)
            else:
                window.move(forecast.probability, moment, target)
        previous_moment, previous_crowd = moment, crowd
    finish = _micros(end - start)
    crowd_total += (previous_crowd - target) ** 2 * (finish - previous_moment)
    life = _micros(scheduled_close(resolution_date) - start)
    return [
        _user_score(user, window, target, finish, crowd_total, life)
        for user, window in sorted(windows.items(), key=itemgetter(0))
    ]


def _user_score(
    user: Hashable, window: _Window, target: float, finish: int, crowd_total: float, life: int
) -> UserScore:
    """Turn a user's totals at T_end (`finish`) into their score."""
    own = window.own + (window.probability - target) ** 2 * (finish - window.since)
    covered = finish - window.first
    crowd = crowd_total - window.crowd_before
    if life > 0:
        coverage, relative = covered / life, (own - crowd) / life
    else:
        coverage, relative = 1.0, (own - crowd) / covered
    return UserScore(
        user=user,
        brier=own / covered,
        crowd_brier=crowd / covered,
        coverage=coverage,
        relative_brier=relative,
        final_probability=window.probability,
    )


# Running totals: a prediction's sweep, kept as its forecasts arrive ---------------------------

@dataclass(slots=True)
class RunningTotals:
    """A prediction's sweep so far, for both outcomes, after `forecasts` forecasts taken in
    (created_at, id) order: the last one's instant (`moment`, microseconds from T0) and id,
    the crowd median once it stood, and the crowd integrals of (c - 1)² and (c - 0)² up to it.

    Kept beside the forecasts (forum.running), so that a resolve adds one last piece per
    forecaster instead of reading and sweeping every forecast. Each step does exactly the
    arithmetic `score_prediction` does for the same forecast, in the same order, once per
    outcome, so the scores `score_running` gives are the same floats, bit for bit.
    """

    forecasts: int = 0
    moment: int = 0
    last_id: int = 0
    crowd: float = 0.0
    crowd_yes: float = 0.0
    crowd_no: float = 0.0


@dataclass(slots=True)
class RunningWindow:
    """A forecaster's `_Window`, for both outcomes."""

    first: int
    crowd_before_yes: float
    crowd_before_no: float
    probability: float
    since: int
    own_yes: float = 0.0
    own_no: float = 0.0


def running_moment(created_at: datetime, moment: datetime) -> int:
    """An instant as running totals count it: whole microseconds from the prediction's T0."""
    return _micros(_utc(moment) - _utc(created_at))


def run_forecast(totals: RunningTotals, window: RunningWindow | None, moment: int,
                 forecast_id: int, probability: float, crowd: float) -> RunningWindow | None:
    """Add one forecast (made `moment` microseconds after T0; `crowd` the median once it
    stands) to the totals, in place; returns the forecaster's window, updated or new.

    None when the forecast comes before the totals' last one in (created_at, id) order (two
    writers that took their times in one order and committed in the other): the totals can
    no longer follow, and the caller builds them again from the forecasts (`run_all`)."""
    if totals.forecasts and (moment, forecast_id) < (totals.moment, totals.last_id):
        return None
    if totals.forecasts:  # the piece since the last instant (at the same instant: 0.0)
        totals.crowd_yes += (totals.crowd - 1.0) ** 2 * (moment - totals.moment)
        totals.crowd_no += (totals.crowd - 0.0) ** 2 * (moment - totals.moment)
    if window is None:
        window = RunningWindow(moment, totals.crowd_yes, totals.crowd_no, probability, moment)
    else:
        window.own_yes += (window.probability - 1.0) ** 2 * (moment - window.since)
        window.own_no += (window.probability - 0.0) ** 2 * (moment - window.since)
        window.probability, window.since = probability, moment
    totals.forecasts += 1
    totals.moment, totals.last_id, totals.crowd = moment, forecast_id, crowd
    return window


def run_all(forecasts: Iterable[ForecastPoint],
            created_at: datetime) -> tuple[RunningTotals, dict[Hashable, RunningWindow]]:
    """The running totals and windows of a prediction's forecasts, built in one sweep."""
    start = _utc(created_at)
    ordered = sorted(forecasts, key=_order)
    crowd = _Crowd(forecast.probability for forecast in ordered)
    totals, windows = RunningTotals(), {}
    for forecast in ordered:
        crowd.set(forecast.user, forecast.probability)
        windows[forecast.user] = run_forecast(
            totals, windows.get(forecast.user), _micros(forecast.created_at - start),
            forecast.id, forecast.probability, crowd.median())
    return totals, windows


def score_running(totals: RunningTotals, windows: dict[Hashable, RunningWindow], *,
                  outcome: bool, created_at: datetime, resolution_date: date,
                  outcome_time: datetime) -> list[UserScore] | None:
    """`score_prediction` from running totals, when every forecast they hold counts (all were
    made before T_end); None when some would not (an outcome time before the last forecast):
    then the forecasts must be swept again."""
    start = _utc(created_at)
    end = min(_utc(outcome_time), scheduled_close(resolution_date))
    finish = _micros(end - start)
    if totals.forecasts == 0 or totals.moment >= finish:
        return None
    target = 1.0 if outcome else 0.0
    crowd_total = totals.crowd_yes if outcome else totals.crowd_no
    crowd_total += (totals.crowd - target) ** 2 * (finish - totals.moment)
    life = _micros(scheduled_close(resolution_date) - start)
    return [
        _user_score(user, _Window(window.first,
                                  window.crowd_before_yes if outcome else window.crowd_before_no,
                                  window.probability, window.since,
                                  window.own_yes if outcome else window.own_no),
                    target, finish, crowd_total, life)
        for user, window in sorted(windows.items(), key=itemgetter(0))
    ]


def calibration(points: Iterable[tuple[float, bool]]) -> list[CalibrationBin]:
    """Return the ten calibration bins [0.0, 0.1), [0.1, 0.2), …, [0.9, 1.0] for (p, outcome).

    A point falls in bin floor(p * 10 + 1e-9) (the 1e-9 keeps 0.3 out of the bin below it;
    1.0 joins the last bin). Each bin has its count, mean_forecast = the mean p and
    observed = the share of yes; an empty bin has count 0 and None for both.
    """
    probabilities: list[list[float]] = [[] for _ in range(_BINS)]
    yeses = [0] * _BINS
    for probability, happened in points:
        index = min(max(math.floor(probability * _BINS + 1e-9), 0), _BINS - 1)
        probabilities[index].append(probability)
        yeses[index] += bool(happened)
    bins = []
    for index, members in enumerate(probabilities):
        count = len(members)
        bins.append(
            CalibrationBin(
                bin_start=index / _BINS,
                bin_end=(index + 1) / _BINS,
                count=count,
                mean_forecast=math.fsum(members) / count if count else None,
                observed=yeses[index] / count if count else None,
            )
        )
    return bins


def aggregate(scores: Iterable[tuple[Hashable, str, float, float]]) -> list[Standing]:
    """Return leaderboard rows from (user, username, brier, relative_brier) per scored prediction.

    Per user: predictions = how many, mean_brier = the mean of brier, relative_brier = the
    sum of relative_brier (math.fsum, so the order of the input does not matter). Ranked by
    relative_brier ascending, then mean_brier ascending, then username (case-insensitively,
    then exactly); a row's rank is its index + 1.
    """
    names: dict[Hashable, str] = {}
    briers: dict[Hashable, list[float]] = {}
    relatives: dict[Hashable, list[float]] = {}
    for user, username, brier, relative_brier in scores:
        names[user] = username
        briers.setdefault(user, []).append(brier)
        relatives.setdefault(user, []).append(relative_brier)
    rows = [
        Standing(
            user=user,
            username=names[user],
            predictions=len(briers[user]),
            mean_brier=math.fsum(briers[user]) / len(briers[user]),
            relative_brier=math.fsum(relatives[user]),
        )
        for user in names
    ]
    return sorted(rows, key=_rank)


def _rank(row: Standing) -> tuple[float, float, str, str]:
    """Leaderboard order: relative_brier, then mean_brier, then username."""
    return row.relative_brier, row.mean_brier, row.username.casefold(), row.username


if __name__ == "__main__":
    # `python -m forum.scoring DIR`: recompute an open dataset's scores (SPEC.md §10). The
    # file reading lives in its own standard-library module, loaded only here.
    from forum.dataset_files import main

    raise SystemExit(main())
