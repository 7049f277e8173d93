"""The dataset's rows and version, read from one consistent snapshot of the database.

A `Snapshot` is one connection in one read transaction (REPEATABLE READ on PostgreSQL; a
SQLite read transaction is a snapshot already), so the files and the version that labels them
agree with each other while members forecast and moderators resolve. Rows are read through
Core in batches (a server-side cursor on PostgreSQL, SQLite's stepping cursor) and formatted
as they come, so memory stays flat however many forecasts there are. Hidden predictions and
every row hanging on them are left out; no email address is ever selected.
"""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter
from typing import Self

from sqlalchemy import DateTime, String, and_, case, func, select, type_coerce
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

from forum.clock import as_utc
from forum.dataset_files import csv_field, format_bool, format_time
from forum.lifecycle import status_of
from forum.models import (
    AuditEntry,
    Forecast,
    Prediction,
    PredictionRevision,
    Resolution,
    Score,
    User,
)
from forum.scoring import scheduled_close

BATCH_ROWS = 5000
SQLITE_CACHE_KB = 16 * 1024
# Bump when the files' layout changes, so caches holding the old layout see a new version.
FORMAT_VERSION = 1

_P, _F, _R, _S, _U = (Prediction.__table__.c, Forecast.__table__.c, Resolution.__table__.c,
                      Score.__table__.c, User.__table__.c)


def _visible(article_id: int):
    """SQL: a prediction of the article that is not hidden."""
    return and_(_P.article_id == article_id, _P.hidden.is_(False))


@dataclass(frozen=True)
class DatasetVersion:
    """What labels one state of an article's dataset: a (weak) ETag and Last-Modified."""

    etag: str
    last_modified: datetime


class Snapshot:
    """One connection in one read transaction; close it (or use `with`) when done."""

    def __init__(self, engine: Engine):
        self.connection = engine.connect()
        if self.connection.dialect.name == "postgresql":
            self.connection.execution_options(isolation_level="REPEATABLE READ")
        self._transaction = self.connection.begin()
        self._cursors = 0
        self._cache_size = None
        if self.connection.dialect.name == "sqlite":
            # The joins look up every forecast's prediction and user: with SQLite's default
            # 2 MB page cache those pages are read again and again (a fifth of the time).
            self._cache_size = self.connection.exec_driver_sql("PRAGMA cache_size").scalar()
            self.connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")

    def close(self) -> None:
        try:
            self._transaction.rollback()  # it only read
            if self._cache_size is not None:  # the connection goes back to the pool
                self.connection.exec_driver_sql(f"PRAGMA cache_size={int(self._cache_size)}")
        finally:
            self.connection.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def batches(self, statement) -> Iterator[list]:
        """The statement's rows as the driver returns them, BATCH_ROWS at a time, from a
        server-side cursor on PostgreSQL (SQLite's cursor steps through the rows anyway).

        The statement runs on the driver's own cursor: SQLAlchemy's row and type layers
        would cost seconds at a million rows, and the formatting here needs neither.
        """
        dialect = self.connection.dialect
        compiled = statement.compile(dialect=dialect)
        params = compiled.construct_params()
        if compiled.positiontup is not None:
            params = tuple(params[name] for name in compiled.positiontup)
        driver = self.connection.connection.driver_connection
        if dialect.name == "postgresql":
            self._cursors += 1
            cursor = driver.cursor(name=f"forum_dataset_{self._cursors}")
        else:
            cursor = driver.cursor()
        try:
            cursor.execute(str(compiled), params)
            while batch := cursor.fetchmany(BATCH_ROWS):
                yield batch
        finally:
            cursor.close()

    def version(self, article, now: datetime, code: str = "") -> DatasetVersion:
        """The dataset's version, from a few aggregates over the article's predictions.

        Every change to the files moves one of them: a new prediction, forecast, resolution
        or correction (ids, counters and times), an author's edit (a revision), hiding or
        restoring (the audit log), and a prediction passing its scheduled close (its status
        reads "closed" from then on). Last-Modified is the latest of their times. `code`
        names the version of the code that writes the files (a new scorer makes new bytes).
        """
        today = now.date()
        visible = _visible(article.id)
        closed_date = case((_P.resolution_date < today, _P.resolution_date))
        latest_forecast = (select(func.max(_F.created_at)).where(_F.prediction_id == _P.id)
                           .correlate(Prediction.__table__).scalar_subquery())
        predictions = self.connection.execute(
            select(func.count(), func.sum(_P.id), func.sum(_P.forecast_count),
                   func.max(type_coerce(_P.created_at, DateTime())),
                   func.max(type_coerce(_P.resolved_at, DateTime())),
                   func.max(closed_date),
                   func.max(type_coerce(latest_forecast, DateTime())))
            .where(visible)).one()
        revisions = PredictionRevision.__table__.c
        edits = self.connection.execute(
            select(func.max(revisions.id), func.max(type_coerce(revisions.created_at, DateTime())))
            .join_from(PredictionRevision.__table__, Prediction.__table__,
                       _P.id == revisions.prediction_id)
            .where(_P.article_id == article.id)).one()
        audit = AuditEntry.__table__.c
        moderation = self.connection.execute(
            select(func.max(audit.id), func.max(type_coerce(audit.created_at, DateTime())))
            .join_from(AuditEntry.__table__, Prediction.__table__,
                       and_(audit.target_type == "prediction", audit.target_id == _P.id))
            .where(_P.article_id == article.id)).one()
        resolutions = self.connection.execute(
            select(func.max(_R.id)).join_from(Resolution.__table__, Prediction.__table__,
                                              _P.id == _R.prediction_id)
            .where(visible)).scalar()
        count, id_sum, forecasts, created, resolved, closed, forecast_time = predictions
        fingerprint = (FORMAT_VERSION, code, article.slug, article.title, count, id_sum, forecasts,
                       resolutions, edits[0], moderation[0], closed, resolved)
        times = [created, resolved, forecast_time, edits[1], moderation[1], article.published_at,
                 scheduled_close(_as_date(closed)) if closed is not None else None]
        last_modified = max(as_utc(_as_datetime(moment)) for moment in times if moment is not None)
        etag = hashlib.sha256(repr(fingerprint).encode()).hexdigest()[:32]
        return DatasetVersion(etag=etag, last_modified=min(last_modified, now))

    # The four files: each a stream of row batches, formatted as dataset_files says -------

    def predictions(self, article_id: int, now: datetime) -> Iterator[list[tuple]]:
        """predictions.csv rows, by id; the status as the site shows it now."""
        statement = (
            select(_P.id, _P.title, _P.criteria, _P.quote, _U.username, _raw(_P.created_at),
                   _P.resolution_date, _P.status, _P.outcome)
            .join_from(Prediction.__table__, User.__table__, _U.id == _P.author_id)
            .where(_visible(article_id)).order_by(_P.id))
        for batch in self.batches(statement):
            rows = [(id_, title, criteria, quote, author, created_at, _as_date(due), status,
                     outcome) for id_, title, criteria, quote, author, created_at, due, status,
                    outcome in batch]
            yield [(id_, title, criteria, quote or "", author, _time(created_at),
                    due.isoformat(), status_of(status, due, now), outcome or "")
                   for id_, title, criteria, quote, author, created_at, due, status, outcome
                   in rows]

    def forecasts(self, article_id: int | None = None, prediction_id: int | None = None
                  ) -> Iterator[str]:
        """forecasts.csv rows by id, for the article's visible predictions or for one
        prediction (whose history is then in time order: ids grow with time)."""
        where = (_visible(article_id) if prediction_id is None
                 else _F.prediction_id == prediction_id)
        # By id: SQLite then reads the table in order instead of hopping through an index.
        order = (_F.id,) if prediction_id is None else (_F.created_at, _F.id)
        statement = (
            select(_F.id, _F.prediction_id, _U.username, _F.probability, _raw(_F.created_at))
            .join_from(Forecast.__table__, Prediction.__table__, _P.id == _F.prediction_id)
            .join(User.__table__, _U.id == _F.user_id)
            .where(where).order_by(*order))
        names = _CsvFields()
        for batch in self.batches(statement):
            # The hot loop of a million rows: lines written directly rather than through
            # csv.writer (numbers and times need no quoting), repr being format_number.
            yield "".join([
                f"{id_},{prediction},{names[username]},{probability!r},{_time(moment)}\r\n"
                for id_, prediction, username, probability, moment in batch])

    def resolutions(self, article_id: int) -> Iterator[list[tuple]]:
        """resolutions.csv rows, by id; the latest entry of each prediction is in force."""
        later = Resolution.__table__.alias("later")
        latest = (select(func.max(later.c.id)).where(later.c.prediction_id == _R.prediction_id)
                  .correlate(Resolution.__table__).scalar_subquery())
        statement = (
            select(_R.id, _R.prediction_id, _R.outcome, _raw(_R.outcome_time),
                   _raw(_R.resolved_at), _R.id == latest, _R.is_correction, _U.username,
                   _R.note, _R.source_url)
            .join_from(Resolution.__table__, Prediction.__table__, _P.id == _R.prediction_id)
            .join(User.__table__, _U.id == _R.resolved_by_id)
            .where(_visible(article_id)).order_by(_R.id))
        for batch in self.batches(statement):
            yield [(id_, prediction, outcome, _time(outcome_time), _time(resolved_at),
                    format_bool(in_force), format_bool(correction), resolved_by, note,
                    source_url or "")
                   for (id_, prediction, outcome, outcome_time, resolved_at, in_force,
                        correction, resolved_by, note, source_url) in batch]

    def scores(self, article_id: int) -> Iterator[str]:
        """scores.csv rows, as stored when each prediction was resolved: by prediction id,
        then username (sorted here, per prediction, as Python orders text; asking the
        database for that order makes SQLite pick a plan a hundred times slower)."""
        statement = (
            select(_S.prediction_id, _U.username, _S.brier, _S.crowd_brier, _S.coverage,
                   _S.relative_brier)
            .join_from(Score.__table__, Prediction.__table__, _P.id == _S.prediction_id)
            .join(User.__table__, _U.id == _S.user_id)
            .where(_visible(article_id)).order_by(_S.prediction_id))
        names, group = _CsvFields(), []
        for batch in self.batches(statement):
            lines = []
            for row in batch:
                if group and group[0][0] != row[0]:
                    lines += _score_lines(group, names)
                    group = []
                group.append(row)
            yield "".join(lines)
        yield "".join(_score_lines(group, names))


def _score_lines(group: list, names: "_CsvFields") -> list[str]:
    """One prediction's scores as CSV lines, by username; repr is format_number."""
    group.sort(key=itemgetter(1))
    return [f"{prediction},{names[username]},{brier!r},{crowd!r},{coverage!r},{relative!r}\r\n"
            for prediction, username, brier, crowd, coverage, relative in group]


def _raw(column):
    """A timestamp as the driver returns it: SQLite's stored text, PostgreSQL's datetime."""
    return type_coerce(column, _Raw()).label(column.name)


class _Raw(TypeDecorator):
    impl = String
    cache_ok = True


def _time(value) -> str:
    """format_time for a stored timestamp, cheaply: SQLAlchemy stores SQLite timestamps as
    'YYYY-MM-DD HH:MM:SS.ffffff' text, which needs only its space replaced."""
    if value.__class__ is str:
        if len(value) == 26:
            return f"{value[:10]}T{value[11:]}Z"
        value = datetime.fromisoformat(value)
    return format_time(value)


class _CsvFields(dict):
    """text -> its CSV field, computed once per distinct text (usernames repeat on every row)."""

    def __missing__(self, text: str) -> str:
        field = self[text] = csv_field(text)
        return field


def _as_date(value) -> date:
    """A date from an aggregate (SQLite returns text for MAX over a date column)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _as_datetime(value) -> datetime:
    """A datetime from an aggregate (SQLite may return text for MAX over a timestamp)."""
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))

