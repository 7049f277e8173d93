"""An article's open dataset as files (SPEC.md §10): the columns, how each value is written,
and reading an unpacked dataset back to recompute its scores (`python -m forum.scoring DIR`).

Standard library only, like forum.scoring, so the recomputation needs nothing but Python. The
server writes the files with the same formatting functions (times with microseconds and a
`Z`, numbers as Python's shortest exact `repr`), so the scores it exports and the scores
recomputed here from the other files are the same text, byte for byte.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from forum.scoring import ForecastPoint, aggregate, score_prediction

PREDICTION_COLUMNS = ("id", "title", "criteria", "quote", "author", "created_at",
                      "resolution_date", "status", "outcome")
FORECAST_COLUMNS = ("id", "prediction_id", "username", "probability", "created_at")
RESOLUTION_COLUMNS = ("id", "prediction_id", "outcome", "outcome_time", "resolved_at",
                      "in_force", "correction", "resolved_by", "note", "source_url")
SCORE_COLUMNS = ("prediction_id", "username", "brier", "crowd_brier", "coverage",
                 "relative_brier")
LEADERBOARD_COLUMNS = ("rank", "username", "predictions", "mean_brier", "relative_brier")
CSV_FILES = {"predictions.csv": PREDICTION_COLUMNS, "forecasts.csv": FORECAST_COLUMNS,
             "resolutions.csv": RESOLUTION_COLUMNS, "scores.csv": SCORE_COLUMNS}
STATUSES = ("open", "closed", "resolved", "annulled")
PROBABILITY_RANGE = (0.01, 0.99)

_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INTEGER = re.compile(r"[0-9]{1,18}")


# Writing ----------------------------------------------------------------------------------

def format_time(moment: datetime) -> str:
    """A UTC instant as SPEC.md §7 writes it: 2026-11-29T10:00:00.123456Z (naive = UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds") + "Z"


def format_number(value: float) -> str:
    """A float as its shortest exact text (`repr`), so reading it back gives the same float."""
    return repr(float(value))


def format_bool(value: bool) -> str:
    return "true" if value else "false"


def csv_field(text: str) -> str:
    """One text field as `csv.writer` writes it (RFC 4180): quoted, with its quotes doubled,
    only when it holds a comma, a quote or a line break."""
    if "," in text or '"' in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_chunks(columns: Iterable[str], batches: Iterable[str | Iterable[Iterable]]
               ) -> Iterator[bytes]:
    """A CSV file (RFC 4180: CRLF line ends, quotes only where needed, UTF-8) as byte chunks:
    the header, then the batches, each a list of rows or a str of lines already formatted
    (as csv_field and format_* write them); constant memory for any number of batches."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for batch in batches:
        if isinstance(batch, str):
            buffer.write(batch)
        else:
            writer.writerows(batch)
        if buffer.tell() >= 32 * 1024:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def score_rows(scores: Iterable[tuple[int, str, float, float, float, float]]) -> Iterator[tuple]:
    """scores.csv rows from (prediction_id, username, brier, crowd_brier, coverage,
    relative_brier), in the file's order: by prediction id, then username (as Python orders
    text). The input must already be grouped by prediction id, in ascending order."""
    group: list[tuple] = []
    for score in scores:
        if group and group[0][0] != score[0]:
            yield from _formatted_scores(group)
            group = []
        group.append(score)
    yield from _formatted_scores(group)


def _formatted_scores(group: list[tuple]) -> Iterator[tuple]:
    for prediction_id, username, *figures in sorted(group, key=lambda score: score[1]):
        yield (prediction_id, username, *(format_number(figure) for figure in figures))


# Reading ----------------------------------------------------------------------------------

class DatasetError(Exception):
    """A missing or malformed file; the message names the file and the line."""


@dataclass
class _Prediction:
    id: int
    created_at: datetime
    resolution_date: date
    status: str
    outcome: str
    line: int
    in_force: tuple[str, datetime] | None = None  # (outcome, outcome_time)
    forecasts: list[ForecastPoint] = field(default_factory=list)


class _Table:
    """One CSV file read row by row, with the error messages naming its file and line."""

    def __init__(self, folder: Path, name: str, required: Iterable[str]):
        self.name = name
        path = folder / name
        try:
            self._handle = path.open(encoding="utf-8", newline="")
        except FileNotFoundError:
            raise DatasetError(f"{name} is missing from {folder}.") from None
        except OSError as error:
            raise DatasetError(f"{name}: can't be read ({error.strerror}).") from None
        self._reader = csv.reader(self._handle)
        self.line = 0
        header = self._next()
        if header is None:
            raise DatasetError(f"{name}, line 1: the file is empty (a header row is needed).")
        self._index = {column: index for index, column in enumerate(header)}
        missing = [column for column in required if column not in self._index]
        if missing:
            raise DatasetError(f"{name}, line 1: missing column {', '.join(missing)}.")
        self._width = len(header)

    def _next(self) -> list[str] | None:
        try:
            row = next(self._reader)
        except StopIteration:
            return None
        except (csv.Error, UnicodeDecodeError) as error:
            raise DatasetError(f"{self.name}, line {self._reader.line_num + 1}: "
                               f"not valid CSV in UTF-8 ({error}).") from None
        self.line = self._reader.line_num
        return row

    def rows(self) -> Iterator[dict[str, str]]:
        """Each data row as {column: text}; a row with the wrong number of fields is an error."""
        with self._handle:
            while (row := self._next()) is not None:
                if row == []:
                    continue
                if len(row) != self._width:
                    self.fail(f"{len(row)} fields where the header has {self._width}")
                yield {column: row[index] for column, index in self._index.items()}

    def rows_by_id(self, kind: str) -> Iterator[tuple[int, dict[str, str]]]:
        """Each data row with its `id`; an id seen before is an error naming the kind."""
        seen: set[int] = set()
        for row in self.rows():
            row_id = self.integer(row, "id")
            if row_id in seen:
                self.fail(f"{kind} {row_id} appears twice")
            seen.add(row_id)
            yield row_id, row

    def fail(self, message: str):
        raise DatasetError(f"{self.name}, line {self.line}: {message}.")

    def integer(self, row: dict, column: str) -> int:
        text = row[column]
        if not _INTEGER.fullmatch(text):
            self.fail(f"{column} {text!r} is not a whole number")
        return int(text)

    def time(self, row: dict, column: str) -> datetime:
        text = row[column]
        try:
            if not _TIME.fullmatch(text):
                raise ValueError
            return datetime.fromisoformat(text[:-1])
        except ValueError:
            self.fail(f"{column} {text!r} is not a UTC time like 2026-11-29T10:00:00.123456Z")

    def date(self, row: dict, column: str) -> date:
        text = row[column]
        try:
            if not _DATE.fullmatch(text):
                raise ValueError
            return date.fromisoformat(text)
        except ValueError:
            self.fail(f"{column} {text!r} is not a date like 2027-06-30")

    def probability(self, row: dict, column: str) -> float:
        text = row[column]
        try:
            value = float(text)
        except ValueError:
            self.fail(f"{column} {text!r} is not a number")
        low, high = PROBABILITY_RANGE
        if not (math.isfinite(value) and low <= value <= high):
            self.fail(f"{column} {text} is outside [{low}, {high}]")
        return value

    def choice(self, row: dict, column: str, choices: Iterable[str]) -> str:
        text = row[column]
        if text not in choices:
            self.fail(f"{column} {text!r} is not one of {', '.join(repr(c) for c in choices)}")
        return text


def read_dataset(folder: Path) -> dict[int, _Prediction]:
    """The predictions of an unpacked dataset, each with its forecasts and the outcome in
    force; DatasetError for anything missing, malformed or inconsistent."""
    if not folder.is_dir():
        raise DatasetError(f"{folder} is not a folder (unzip the dataset first).")
    predictions = _read_predictions(folder)
    _read_resolutions(folder, predictions)
    _read_forecasts(folder, predictions)
    return predictions


def _read_predictions(folder: Path) -> dict[int, _Prediction]:
    table = _Table(folder, "predictions.csv",
                   ("id", "created_at", "resolution_date", "status", "outcome"))
    predictions: dict[int, _Prediction] = {}
    for row in table.rows():
        prediction = _Prediction(
            id=table.integer(row, "id"), created_at=table.time(row, "created_at"),
            resolution_date=table.date(row, "resolution_date"),
            status=table.choice(row, "status", STATUSES),
            outcome=table.choice(row, "outcome", ("", "yes", "no")), line=table.line)
        if prediction.id in predictions:
            table.fail(f"prediction {prediction.id} appears twice")
        if (prediction.status == "resolved") != (prediction.outcome != ""):
            table.fail(f"status {prediction.status!r} with outcome {prediction.outcome!r}")
        predictions[prediction.id] = prediction
    return predictions


def _read_resolutions(folder: Path, predictions: dict[int, _Prediction]) -> None:
    table = _Table(folder, "resolutions.csv",
                   ("id", "prediction_id", "outcome", "outcome_time", "in_force"))
    for _entry, row in table.rows_by_id("resolution"):
        prediction = _known(table, predictions, table.integer(row, "prediction_id"))
        outcome = table.choice(row, "outcome", ("yes", "no", "annulled"))
        moment = table.time(row, "outcome_time")
        if table.choice(row, "in_force", ("true", "false")) == "true":
            if prediction.in_force is not None:
                table.fail(f"prediction {prediction.id} has a second resolution in force")
            expected = "annulled" if prediction.status == "annulled" else prediction.outcome
            if outcome != expected:
                said = f"{prediction.status} {prediction.outcome}".strip()
                table.fail(f"the resolution in force says {outcome!r} but predictions.csv "
                           f"has prediction {prediction.id} {said}")
            prediction.in_force = (outcome, moment)
    for prediction in predictions.values():
        if prediction.status in ("resolved", "annulled") and prediction.in_force is None:
            raise DatasetError(f"predictions.csv, line {prediction.line}: prediction "
                               f"{prediction.id} is {prediction.status} but resolutions.csv "
                               "has no resolution in force for it.")


def _read_forecasts(folder: Path, predictions: dict[int, _Prediction]) -> None:
    table = _Table(folder, "forecasts.csv",
                   ("id", "prediction_id", "username", "probability", "created_at"))
    for forecast, row in table.rows_by_id("forecast"):
        prediction = _known(table, predictions, table.integer(row, "prediction_id"))
        username = row["username"]
        if not username:
            table.fail("username is empty")
        prediction.forecasts.append(ForecastPoint(
            forecast, username, table.probability(row, "probability"),
            table.time(row, "created_at")))


def _known(table: _Table, predictions: dict[int, _Prediction], prediction_id: int) -> _Prediction:
    prediction = predictions.get(prediction_id)
    if prediction is None:
        table.fail(f"prediction_id {prediction_id} is not in predictions.csv")
    return prediction


# Recomputing ------------------------------------------------------------------------------

def recompute_scores(predictions: dict[int, _Prediction]) -> list[tuple]:
    """scores.csv's rows, recomputed by SCORING.md from the predictions, forecasts and
    resolutions: one per (prediction resolved yes or no, user with a counted forecast)."""
    scores = []
    for prediction_id in sorted(predictions):
        prediction = predictions[prediction_id]
        if prediction.status != "resolved" or prediction.in_force is None:
            continue
        outcome, outcome_time = prediction.in_force
        for score in score_prediction(
                prediction.forecasts, outcome=outcome == "yes",
                created_at=prediction.created_at, resolution_date=prediction.resolution_date,
                outcome_time=outcome_time):
            scores.append((prediction_id, score.user, score.brier, score.crowd_brier,
                           score.coverage, score.relative_brier))
    return list(score_rows(scores))


def leaderboard_rows(score_table: list[tuple]) -> list[tuple]:
    """The all-time leaderboard of these scores (SCORING.md): rank, username, predictions,
    mean_brier, relative_brier."""
    standings = aggregate((row[1], row[1], float(row[2]), float(row[5])) for row in score_table)
    return [(rank, row.username, row.predictions, format_number(row.mean_brier),
             format_number(row.relative_brier))
            for rank, row in enumerate(standings, start=1)]


def main(argv: list[str] | None = None, out=None) -> int:
    """`python -m forum.scoring DIR [--leaderboard]`: print scores.csv (or the leaderboard)
    recomputed from an unpacked dataset; exit 1 with one line naming the problem."""
    parser = argparse.ArgumentParser(
        prog="python -m forum.scoring",
        description="Recompute an article's scores from its open dataset (an unpacked "
                    "dataset.zip, or the folder `forum export` wrote) and print scores.csv.")
    parser.add_argument("folder", type=Path, help="the unpacked dataset")
    parser.add_argument("--leaderboard", action="store_true",
                        help="print the all-time leaderboard instead of the scores")
    args = parser.parse_args(argv)
    try:
        scores = recompute_scores(read_dataset(args.folder))
    except DatasetError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    columns, rows = ((LEADERBOARD_COLUMNS, leaderboard_rows(scores)) if args.leaderboard
                     else (SCORE_COLUMNS, scores))
    out = out if out is not None else sys.stdout.buffer
    for chunk in csv_chunks(columns, [rows]):
        out.write(chunk)
    out.flush()
    return 0
