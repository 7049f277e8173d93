"""Crowd histories kept per worker, so a page's cost doesn't grow with a prediction's
popularity (the busiest has tens of thousands of forecasts).

Both caches live on the app (one per worker process) and are keyed by the prediction's id,
creation time and forecast count: every new forecast changes the count, so the next view
recomputes; an unchanged prediction costs no forecast query at all.

- The board's sparklines are 96 pixels wide: their history is thinned to a few points per pixel.
- The prediction page keeps its whole history (the chart and its data table) and the newest
  forecasts it lists; the viewer's own forecasts are read apart, in one small query.
"""

from dataclasses import dataclass, field
from datetime import datetime

from flask import render_template
from markupsafe import Markup

from forum.board import queries
from forum.scoring import crowd_history
from forum.worker_cache import worker_cache

POINTS_KEPT = 192  # two per pixel of the widest sparkline
SPARKLINES_KEPT = 4096
PAGE_POINTS_KEPT = 200_000  # history steps and rows over every kept prediction page, ~25 MB

History = list[tuple[datetime, float]]


def _key(prediction) -> tuple:
    return prediction.id, prediction.created_at, prediction.forecast_count


def thin(history: History, keep: int = POINTS_KEPT) -> History:
    """At most about `keep` evenly spaced steps of a step function, always with its last."""
    if len(history) <= keep:
        return history
    stride = len(history) / keep
    kept = [history[int(index * stride)] for index in range(keep)]
    if kept[-1] is not history[-1]:
        kept.append(history[-1])
    return kept


def crowd_histories(predictions) -> dict[int, History]:
    """The thinned crowd history of each prediction; one query for those not yet kept."""
    cache = worker_cache("crowd_histories", SPARKLINES_KEPT)
    found: dict[int, History] = {}
    missing = []
    for prediction in predictions:
        history = cache.get(_key(prediction))
        if history is None:
            missing.append(prediction)
        else:
            found[prediction.id] = history
    if missing:
        points = queries.forecast_points_by_prediction(prediction.id for prediction in missing)
        for prediction in missing:
            history = thin(crowd_history(points.get(prediction.id, [])))
            cache.put(_key(prediction), history)
            found[prediction.id] = history
    return found


@dataclass
class PageForecasts:
    """What the prediction page shows of everyone's forecasts."""

    history: History
    newest: list  # ForecastRow, newest first, at most the page's `newest` count
    total: int
    _rows_by_zone: dict = field(default_factory=dict, repr=False)

    def table_rows(self, zone_name: str) -> Markup:
        """The chart's data table (hundreds of rows) with times in a zone, rendered once per
        kept history and zone: one member's zone never reaches another's page."""
        rows = self._rows_by_zone.get(zone_name)
        if rows is None:
            rows = Markup(render_template("board/_history_rows.html", history=self.history))
            self._rows_by_zone[zone_name] = rows
        return rows


def page_forecasts(prediction, newest: int) -> PageForecasts:
    """The prediction page's crowd history and newest forecasts (one query when not kept)."""
    cache = worker_cache("page_forecasts", PAGE_POINTS_KEPT)
    key = (*_key(prediction), newest)
    found = cache.get(key)
    if found is None:
        rows = queries.forecast_rows(prediction.id)
        found = PageForecasts(history=crowd_history(row.point for row in rows),
                              newest=rows[::-1][:newest], total=len(rows))
        cache.put(key, found, weight=len(found.history) + len(found.newest))
    return found
