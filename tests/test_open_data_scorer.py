"""`python -m forum.scoring DIR` on a missing or malformed dataset: one line naming the file
and the line, and a non-zero exit; and the formats the exporter and the scorer share."""

import csv
import io
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forum.dataset_files import csv_field, format_number, format_time, main
from tests.moderation_support import fast_passwords, people  # noqa: F401
from tests.test_open_data import ROOT, build_world, export

pytestmark = pytest.mark.real_commits  # the export reads a snapshot on its own connection


def rewrite(path: Path, change) -> None:
    """Apply `change(rows)` to a CSV file's rows (header first) and write it back."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    change(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(rows)


def set_cell(name: str, row: int, column: str, value: str):
    def change(rows):
        rows[row][rows[0].index(column)] = value
    return name, change


def drop_column(name: str, column: str):
    def change(rows):
        index = rows[0].index(column)
        for row in rows:
            del row[index]
    return name, change


def duplicate_id(rows):
    rows[2][0] = rows[1][0]


def second_in_force(rows):
    header = rows[0]
    first = next(row for row in rows[1:] if row[header.index("in_force")] == "true")
    extra = list(first)
    extra[header.index("id")] = "99999"
    rows.append(extra)


def score(folder: Path, capsys) -> tuple[int, str]:
    out = io.BytesIO()
    status = main([str(folder)], out=out)
    return status, capsys.readouterr().err


CASES = [
    (set_cell("forecasts.csv", 2, "probability", "zero.5"),
     "forecasts.csv, line 3: probability 'zero.5' is not a number."),
    (set_cell("forecasts.csv", 3, "probability", "1.5"),
     "forecasts.csv, line 4: probability 1.5 is outside [0.01, 0.99]."),
    (set_cell("forecasts.csv", 1, "probability", "nan"),
     "forecasts.csv, line 2: probability nan is outside [0.01, 0.99]."),
    (set_cell("forecasts.csv", 2, "created_at", "2026-13-01T00:00:00.000000Z"),
     "forecasts.csv, line 3: created_at '2026-13-01T00:00:00.000000Z' is not a UTC time"),
    (set_cell("forecasts.csv", 2, "created_at", "2026-01-01 10:00:00"),
     "forecasts.csv, line 3: created_at '2026-01-01 10:00:00' is not a UTC time"),
    (set_cell("forecasts.csv", 1, "prediction_id", "999999"),
     "forecasts.csv, line 2: prediction_id 999999 is not in predictions.csv."),
    (set_cell("forecasts.csv", 1, "id", "x1"), "forecasts.csv, line 2: id 'x1' is not a whole"),
    (("forecasts.csv", duplicate_id), ("forecasts.csv, line 3: forecast ", "appears twice.")),
    (set_cell("forecasts.csv", 1, "username", ""), "forecasts.csv, line 2: username is empty."),
    (drop_column("predictions.csv", "resolution_date"),
     "predictions.csv, line 1: missing column resolution_date."),
    (set_cell("predictions.csv", 1, "resolution_date", "30/06/2027"),
     "predictions.csv, line 2: resolution_date '30/06/2027' is not a date"),
    (set_cell("predictions.csv", 1, "status", "done"),
     "predictions.csv, line 2: status 'done' is not one of"),
    (set_cell("resolutions.csv", 1, "outcome", "maybe"),
     "resolutions.csv, line 2: outcome 'maybe' is not one of"),
    (set_cell("resolutions.csv", 1, "in_force", "yes"),
     "resolutions.csv, line 2: in_force 'yes' is not one of"),
    (("resolutions.csv", second_in_force),
     ("resolutions.csv, line 8: prediction ", "has a second resolution in force.")),
    (("resolutions.csv", lambda rows: rows[1].append("extra")),
     "resolutions.csv, line 2: 11 fields where the header has 10."),
]


def test_scorer_names_the_file_and_line_of_each_problem(article, people, runner,  # noqa: F811
                                                         tmp_path, capsys):
    build_world(article, people)
    pristine = export(runner, "test-article", tmp_path / "pristine")
    assert score(pristine, capsys) == (0, "")
    for index, ((name, change), expected) in enumerate(CASES):
        folder = tmp_path / f"case-{index}"
        shutil.copytree(pristine, folder)
        rewrite(folder / name, change)
        status, error = score(folder, capsys)
        start, *rest = (expected,) if isinstance(expected, str) else expected
        assert status == 1, expected
        assert error.startswith(f"Error: {start}"), (expected, error)
        assert all(part in error for part in rest), (expected, error)
        assert error.count("\n") == 1, error


def test_scorer_reports_missing_empty_and_undecodable_files(article, people,  # noqa: F811
                                                            runner, tmp_path, capsys):
    build_world(article, people)
    pristine = export(runner, "test-article", tmp_path / "pristine")
    missing = shutil.copytree(pristine, tmp_path / "missing")
    (missing / "forecasts.csv").unlink()
    assert score(missing, capsys) == (1, f"Error: forecasts.csv is missing from {missing}.\n")
    empty = shutil.copytree(pristine, tmp_path / "empty")
    (empty / "resolutions.csv").write_bytes(b"")
    assert score(empty, capsys) == (
        1, "Error: resolutions.csv, line 1: the file is empty (a header row is needed).\n")
    latin = shutil.copytree(pristine, tmp_path / "latin")
    (latin / "predictions.csv").write_bytes(
        (pristine / "predictions.csv").read_bytes() + "9,caf\xe9".encode("latin-1"))
    status, error = score(latin, capsys)
    assert status == 1 and error.startswith("Error: predictions.csv, line ")
    assert "not valid CSV in UTF-8" in error
    assert score(tmp_path / "nowhere", capsys) == (
        1, f"Error: {tmp_path / 'nowhere'} is not a folder (unzip the dataset first).\n")


def test_scorer_command_exits_non_zero_with_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-E", "-s", "-m", "forum.scoring", str(tmp_path)],
                            check=False, cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == f"Error: predictions.csv is missing from {tmp_path}.\n"


# The shared formats -----------------------------------------------------------------------

def test_times_are_written_as_the_api_writes_them():
    moment = datetime(2026, 11, 29, 10, 0, 0, 123456)
    assert format_time(moment) == "2026-11-29T10:00:00.123456Z"
    assert format_time(moment.replace(microsecond=0)) == "2026-11-29T10:00:00.000000Z"
    east = datetime(2026, 11, 29, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    assert format_time(east) == "2026-11-29T10:00:00.000000Z"
    assert format_time(datetime(2026, 11, 29, 10, tzinfo=UTC)) == "2026-11-29T10:00:00.000000Z"


def test_numbers_read_back_to_the_same_float():
    for value in (0.1 + 0.2, 1e-05, -0.0, 0.7224999999999999, 2 / 3):
        assert float(format_number(value)) == value
        assert format_number(value) == repr(value)


@given(st.text())
def test_csv_field_quotes_exactly_as_the_csv_module(text):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([text, "x"])
    assert buffer.getvalue() == f"{csv_field(text)},x\r\n"
