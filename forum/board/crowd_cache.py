"""Crowd histories kept per worker, so a page's cost doesn't grow with a prediction's
popularity (the busiest has tens of thousands of forecasts).

Both caches live on the app (one per worker process) and are keyed by the prediction's id,
creation time and forecast count: every new forecast changes the count, so the next view
recomputes; an unchanged prediction costs no forecast query at all.

- The board's sparklines are 96 pixels wide: their history is thinned to a few points per pixel.
- The prediction page keeps every forecast (its log is paged from memory) and what is derived
  from them: the crowd's history, the standing forecasts; the viewer's own are read apart.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from forum import cache_versions
from forum.board import queries
from forum.lifecycle import RESOLVED
from forum.scoring import crowd_history, scheduled_close
from forum.worker_cache import worker_cache

POINTS_KEPT = 192  # two per pixel of the widest sparkline
SPARKLINES_KEPT = 4096
PAGE_POINTS_KEPT = 200_000  # history steps and rows over every kept prediction page, ~25 MB

History = list[tuple[datetime, float]]


def counted_until(prediction) -> datetime | None:
    """T_end of a resolved prediction: only forecasts made before it count (SCORING.md), for
    its crowd median, its chart and everyone's standing forecast; None while nothing is cut."""
    if prediction.status != RESOLVED or prediction.outcome_time is None:
        return None
    return min(prediction.outcome_time, scheduled_close(prediction.resolution_date))


def _counts(point, until: datetime | None) -> bool:
    return until is None or point.created_at < until


def _key(prediction) -> tuple:
    # The outcome time too: a correction that moves it changes which forecasts count.
    return (prediction.id, prediction.created_at, prediction.forecast_count, prediction.status,
            prediction.outcome_time)


def thin(history: History, keep: int = POINTS_KEPT) -> History:
    """At most about `keep` evenly spaced steps of a step function, always with its last."""
    if len(history) <= keep:
        return history
    stride = len(history) / keep
    kept = [history[int(index * stride)] for index in range(keep)]
    if kept[-1] is not history[-1]:
        kept.append(history[-1])
    return kept


@dataclass(frozen=True)
class RowCrowd:
    """What a board row shows beyond the stored counters: the thinned crowd history (only
    what counts) and the author's current standing forecast."""

    history: History
    author_standing: float | None


def crowd_histories(predictions) -> dict[int, RowCrowd]:
    """Each prediction's row figures; one query for those not yet kept."""
    cache = worker_cache("crowd_histories", SPARKLINES_KEPT)
    found: dict[int, RowCrowd] = {}
    missing = []
    for prediction in predictions:
        kept = cache.get(_key(prediction))
        if kept is None:
            missing.append(prediction)
        else:
            found[prediction.id] = kept
    if missing:
        points = queries.forecast_points_by_prediction(prediction.id for prediction in missing)
        for prediction in missing:
            until = counted_until(prediction)
            counted = [point for point in points.get(prediction.id, [])
                       if _counts(point, until)]
            own = [point for point in counted if point.user == prediction.author_id]
            latest = max(own, key=lambda point: (point.created_at, point.id), default=None)
            kept = RowCrowd(thin(crowd_history(counted)),
                            latest.probability if latest else None)
            cache.put(_key(prediction), kept)
            found[prediction.id] = kept
    return found


@dataclass
class PageForecasts:
    """Everyone's forecasts on a prediction, as its page shows them."""

    rows: list  # ForecastRow, oldest first: every forecast ever made
    until: datetime | None  # only forecasts before it count (a resolved prediction's T_end)

    @property
    def total(self) -> int:
        return len(self.rows)

    @cached_property
    def counted(self) -> list:
        return [row for row in self.rows if _counts(row, self.until)]

    @cached_property
    def late(self) -> list:
        """Forecasts made at or after the outcome time: kept and shown, never scored."""
        return [row for row in self.rows if not _counts(row, self.until)]

    @cached_property
    def history(self) -> History:
        """The crowd median after each change, from the counted forecasts only."""
        return crowd_history(row.point for row in self.counted)

    @cached_property
    def changes(self) -> History:
        """The history where the median moved, as the chart's data table lists it: a
        forecast that leaves the median where it was adds no row (the busiest predictions'
        30,000 instants are a few hundred changes)."""
        history = self.history
        return [point for index, point in enumerate(history)
                if index == 0 or point[1] != history[index - 1][1]]

    @cached_property
    def standing(self) -> dict:
        """Each forecaster's standing (latest counted) forecast, by user id."""
        return {row.user_id: row for row in self.counted}  # oldest first: the latest wins

    @cached_property
    def latest_ids(self) -> frozenset:
        """The id of each forecaster's latest forecast: every other row is superseded."""
        return frozenset(row.id for row in {row.user_id: row for row in self.rows}.values())

    @cached_property
    def reasons(self) -> list:
        """The forecasts that carry a reason, newest first."""
        return [row for row in reversed(self.rows) if row.reason]


def page_forecasts(prediction) -> PageForecasts:
    """The prediction page's forecasts (one query when not kept), kept under the prediction's
    version: its rows carry usernames, which a rename changes without a new forecast."""
    cache = worker_cache("page_forecasts", PAGE_POINTS_KEPT)
    key = (*_key(prediction),
           cache_versions.pinned(cache_versions.SITE, cache_versions.prediction(prediction.id)))
    found = cache.get(key)
    if found is None:
        found = PageForecasts(queries.forecast_rows(prediction.id), counted_until(prediction))
        cache.put(key, found, weight=2 * len(found.rows))
    return found
