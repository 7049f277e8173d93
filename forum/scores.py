"""Score rows: written in the same transaction as the resolution that changes them, and
rebuilt by `forum scores recompute`. The arithmetic is in forum.scoring.

The incremental path (`rescore_prediction`, called by resolve, correct and annul) replaces one
prediction's rows. The bulk path (`recompute`) streams the forecasts of every resolved
prediction in large batches, scores them with the same function, and writes only the
difference from the rows already stored: on a database whose scores are right it changes
nothing, not even a row id.
"""

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import groupby
from operator import itemgetter

from sqlalchemy import DateTime, String, bindparam, select, type_coerce

from forum import cache_versions
from forum.clock import as_utc
from forum.database import roomy_sqlite_cache
from forum.extensions import db
from forum.models import Forecast, Prediction, Score
from forum.scoring import ForecastPoint, score_prediction, score_running

log = logging.getLogger("forum")

# The columns a score row is compared on (besides its user and prediction).
VALUE_COLUMNS = ("article_id", "outcome", "brier", "crowd_brier", "coverage", "relative_brier",
                 "final_probability", "resolved_at")
_INSERT_COLUMNS = ("prediction_id", "user_id", *VALUE_COLUMNS)
_SCORES, _FORECASTS, _PREDICTIONS = Score.__table__, Forecast.__table__, Prediction.__table__


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector around the scoring of a busy prediction.

    Reading and scoring 30,000 forecasts makes about 100,000 short-lived tuples; each counts
    toward the collector's thresholds, and the full collections they set off walk every
    object of the worker: a fifth of a resolve's CPU time, measured (README, Benchmark).
    Reference counting frees those tuples all the same; the collector resumes at the end and
    collects whatever cycle was made meanwhile at its next threshold, as it would have.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def is_scored(status: str, outcome: str | None) -> bool:
    """Only predictions resolved yes or no are scored (annulled ones never are)."""
    return status == "resolved" and outcome in ("yes", "no")


@dataclass(frozen=True, slots=True)
class _Resolved:
    """What scoring needs to know about a resolved prediction."""

    id: int
    article_id: int
    outcome: str
    created_at: datetime
    resolution_date: date
    outcome_time: datetime
    resolved_at: datetime


def _score_values(prediction, points, kept=None) -> list[dict]:
    """The rows (as column values) that a resolved yes/no prediction's forecasts earn; from
    the running totals `kept` (forum.running) when every forecast they hold counts."""
    terms = {"outcome": prediction.outcome == "yes", "created_at": prediction.created_at,
             "resolution_date": prediction.resolution_date,
             "outcome_time": prediction.outcome_time}
    results = None if kept is None else score_running(kept.totals, kept.windows, **terms)
    if results is None:
        points = forecast_points(prediction.id) if points is None else points
        results = score_prediction(points, **terms)
    return [
        {"user_id": result.user, "prediction_id": prediction.id,
         "article_id": prediction.article_id, "outcome": prediction.outcome == "yes",
         "brier": result.brier, "crowd_brier": result.crowd_brier, "coverage": result.coverage,
         "relative_brier": result.relative_brier, "final_probability": result.final_probability,
         "resolved_at": prediction.resolved_at}
        for result in results
    ]


def forecast_points(prediction_id: int) -> list[ForecastPoint]:
    """Every forecast on a prediction, in the scoring module's terms.

    A busy prediction has tens of thousands, and the resolve request reads them all: through
    Core, from the covering index (prediction_id, created_at, user_id, probability), so no
    table row is visited; on SQLite the stored timestamp text is parsed by
    `datetime.fromisoformat` (C) rather than SQLAlchemy's per-row processors.
    """
    f = _FORECASTS.c
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        created_at, parse = type_coerce(f.created_at, String).label("created_at"), _from_text
    else:
        created_at, parse = _naive(f.created_at), _aware
    rows = connection.execute(
        select(f.id, f.user_id, f.probability, created_at).where(f.prediction_id == prediction_id)
    ).all()
    return [ForecastPoint(id_, user, probability, parse(moment))
            for id_, user, probability, moment in rows]


def _from_text(text: str) -> datetime:
    """SQLite's stored form of a timestamp (naive UTC text) as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def compute_scores(prediction: Prediction, points=None) -> list[Score]:
    """The score rows a resolved (yes/no) prediction should have, unsaved; none otherwise."""
    if not is_scored(prediction.status, prediction.outcome):
        return []
    points = forecast_points(prediction.id) if points is None else points
    return [Score(**values) for values in _score_values(prediction, points)]


def rescore_prediction(prediction: Prediction, points: list[ForecastPoint] | None = None,
                       kept=None) -> int:
    """Replace the prediction's score rows with freshly computed ones (annulled: none); returns
    how many rows it wrote. `points`: the prediction's forecasts, if the caller has them;
    `kept`: its running totals (forum.running.Kept), used when every forecast counts.

    Called in the transaction of the resolve, correction or annulment; the caller commits.
    The rows go in with one bulk statement (a prediction may have thousands of forecasters).
    """
    # Through the session, not the bare connection, so the page cache sees a write.
    db.session.execute(_SCORES.delete().where(_SCORES.c.prediction_id == prediction.id))
    connection = db.session.connection()
    rows = []
    if is_scored(prediction.status, prediction.outcome):
        rows = [tuple(values[name] for name in _INSERT_COLUMNS)
                for values in _score_values(prediction, points, kept)]
        if rows:
            _insert_rows(connection, rows)
    # Score objects already loaded in this session would show the rows just replaced.
    for score in [obj for obj in db.session.identity_map.values() if isinstance(obj, Score)]:
        if score.prediction_id == prediction.id:
            db.session.expunge(score)
    return len(rows)


@dataclass
class RecomputeSummary:
    """What a full recomputation found: the rows it left, and what it had to change."""

    rows: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0

    @property
    def changed(self) -> int:
        return self.inserted + self.updated + self.deleted


def recompute_all(batch_forecasts: int = 200_000) -> int:
    """Rebuild every score row from the forecasts and resolutions; returns how many rows."""
    return recompute(batch_forecasts).rows


def recompute(batch_forecasts: int = 200_000) -> RecomputeSummary:
    """Make the scores table exactly what the forecasts and resolutions say, in bulk.

    Rows of predictions that are not resolved yes/no are deleted in one statement; the
    resolved predictions are then taken in batches of about `batch_forecasts` forecasts (by
    their forecast counters), each batch costing one read of its forecasts, one of its stored
    scores, and one bulk write per kind of change. Reads go through Core with timestamps as
    plain (naive UTC) datetimes: at a million rows the ORM and type layers cost seconds.
    The caller commits.
    """
    connection = db.session.connection()
    with roomy_sqlite_cache(connection):
        summary = _recompute(connection, batch_forecasts)
    db.session.expire_all()  # Score objects in the session may be stale now
    log.info("scores recomputed: %d rows, %d inserted, %d updated, %d deleted",
             summary.rows, summary.inserted, summary.updated, summary.deleted)
    return summary


def _recompute(connection, batch_forecasts: int) -> RecomputeSummary:
    summary = RecomputeSummary()
    # Every prediction's scores may change: every page that shows a score or a name is redone.
    cache_versions.touch(cache_versions.SITE, cache_versions.SCORES)
    summary.deleted += db.session.execute(
        _SCORES.delete().where(_SCORES.c.prediction_id.not_in(
            select(_PREDICTIONS.c.id).where(_scored(_PREDICTIONS))))
    ).rowcount
    p = _PREDICTIONS.c
    rows = connection.execute(
        select(p.id, p.article_id, p.outcome, _naive(p.created_at), p.resolution_date,
               _naive(p.outcome_time), _naive(p.resolved_at), p.forecast_count)
        .where(_scored(_PREDICTIONS)).order_by(p.id)
    ).all()
    for batch in _batches(rows, batch_forecasts):
        _recompute_batch(connection, {row[0]: _Resolved(*row[:7]) for row in batch}, summary)
    return summary


def _scored(predictions):
    """SQL: the prediction is resolved yes or no."""
    return (predictions.c.status == "resolved") & predictions.c.outcome.in_(("yes", "no"))


def _naive(column):
    """Read a timestamp as the stored naive UTC value, skipping the UTC-aware wrapper type."""
    return type_coerce(column, DateTime()).label(column.name)


def _batches(rows, size: int):
    """Split predictions (ordered by id, forecast count last) into runs of about `size`."""
    batch, weight = [], 0
    for row in rows:
        batch.append(row)
        weight += max(row[-1] or 0, 1)
        if weight >= size:
            yield batch
            batch, weight = [], 0
    if batch:
        yield batch


def _recompute_batch(connection, predictions: dict[int, _Resolved],
                     summary: RecomputeSummary) -> None:
    """Score one batch of predictions and write the difference from the stored rows."""
    first, last = min(predictions), max(predictions)
    f, p = _FORECASTS.c, _PREDICTIONS.c
    forecasts = connection.execute(
        select(f.prediction_id, f.id, f.user_id, f.probability, _naive(f.created_at))
        .join_from(_FORECASTS, _PREDICTIONS, p.id == f.prediction_id)
        .where(f.prediction_id.between(first, last), _scored(_PREDICTIONS))
        .order_by(f.prediction_id)
    ).all()
    wanted: dict[tuple[int, int], tuple] = {}
    for prediction_id, group in groupby(forecasts, key=itemgetter(0)):
        prediction = predictions[prediction_id]
        points = [ForecastPoint(id_, user, probability, created_at)
                  for _, id_, user, probability, created_at in group]
        for values in _score_values(prediction, points):
            wanted[prediction_id, values["user_id"]] = tuple(values[name] for name in VALUE_COLUMNS)
    s = _SCORES.c
    stored = connection.execute(
        select(s.id, s.prediction_id, s.user_id,
               *(_naive(s.resolved_at) if name == "resolved_at" else s[name]
                 for name in VALUE_COLUMNS))
        .where(s.prediction_id.between(first, last))
    ).all()
    updates, deletes = [], []
    for row in stored:
        values = wanted.pop((row[1], row[2]), None)
        if values is None:
            deletes.append(row[0])
        elif tuple(row[3:]) != values:
            updates.append({"_id": row[0], **dict(zip(VALUE_COLUMNS, values, strict=True))})
    inserts = [(prediction_id, user_id, *values)
               for (prediction_id, user_id), values in wanted.items()]
    _write(connection, inserts, updates, deletes)
    summary.rows += len(stored) - len(deletes) + len(inserts)
    summary.inserted += len(inserts)
    summary.updated += len(updates)
    summary.deleted += len(deletes)


def _write(connection, inserts: list[tuple], updates: list[dict], deletes: list[int]) -> None:
    """Apply one batch's changes in bulk: COPY or executemany for inserts, one statement each
    for updates and deletes."""
    if inserts:
        _insert_rows(connection, inserts)
    if updates:
        connection.execute(
            _SCORES.update().where(_SCORES.c.id == bindparam("_id"))
            .values({name: bindparam(name) for name in VALUE_COLUMNS}),
            updates,
        )
    for start in range(0, len(deletes), 10_000):
        connection.execute(_SCORES.delete().where(_SCORES.c.id.in_(deletes[start:start + 10_000])))


def _insert_rows(connection, rows: list[tuple]) -> None:
    """Insert score rows given as tuples in _INSERT_COLUMNS order (resolved_at last).

    PostgreSQL takes them with COPY; other databases with the driver's executemany, the
    timestamp bound once per distinct value. Both skip SQLAlchemy's per-row parameter
    processing, which costs more than the database's own work at this size.
    """
    columns = ", ".join(_INSERT_COLUMNS)
    if connection.dialect.name == "postgresql":
        bind = _naive_utc
    else:
        bind = _SCORES.c.resolved_at.type.bind_processor(connection.dialect) or _naive_utc
    bound: dict = {}
    rows = [(*row[:-1], bound[row[-1]] if row[-1] in bound
             else bound.setdefault(row[-1], bind(row[-1]))) for row in rows]
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY scores ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    connection.exec_driver_sql(
        f"INSERT INTO scores ({columns}) VALUES ({', '.join([marker] * len(_INSERT_COLUMNS))})",
        rows,
    )


def _naive_utc(moment):
    """The stored form of a timestamp: naive UTC."""
    return as_utc(moment).replace(tzinfo=None)
