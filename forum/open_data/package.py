"""The dataset as a Frictionless Data Package: `datapackage.json` (one tabular resource per
CSV file, with its Table Schema: types, primary and foreign keys), a README.md saying what each
column means and how the scores are computed, the four CSV files, and a copy of the scorer
(`forum/`) so that `python -m forum.scoring .` runs inside the unpacked folder.

The same list of files feeds the streamed zip and `forum export`, so both give the same bytes.
"""

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

import forum
from forum.dataset_files import CSV_FILES, csv_chunks, format_time
from forum.open_data.tables import DatasetVersion, Snapshot
from forum.site import absolute_url

LICENSE = {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
           "title": "Creative Commons Attribution 4.0 International"}
SCORER_FILES = ("scoring.py", "dataset_files.py")
_SCORER_PACKAGE = ('"""Forecast Forum\'s scorer, copied into an open dataset: run\n'
                   '`python -m forum.scoring .` in the dataset\'s folder (standard library '
                   'only)."""\n')

# column -> (Table Schema type, what it means); the order of the files is CSV_FILES'.
_FIELDS = {
    "predictions.csv": {
        "id": ("integer", "The prediction's number; its page is /predictions/<id> on the site."),
        "title": ("string", "The claim, as its author wrote it."),
        "criteria": ("string", "How the claim will be judged (Markdown source)."),
        "quote": ("string", "The passage of the article the claim responds to; empty if none."),
        "author": ("string", "The author's username."),
        "created_at": ("datetime", ("When it was posted: T0 of the scoring rules. The "
                                   "author's first forecast carries the same time.")),
        "resolution_date": ("date", ("The day it is due; forecasts are taken until 00:00 UTC "
                                    "of the day after (T_close, the scheduled close).")),
        "status": ("string", ("open, closed (past its date, waiting for a moderator), "
                             "resolved or annulled, when the file was made.")),
        "outcome": ("string", "yes or no for a resolved prediction; empty otherwise."),
    },
    "forecasts.csv": {
        "id": ("integer", "The forecast's number; at the same instant the higher id is later."),
        "prediction_id": ("integer", "The prediction it is on (predictions.csv id)."),
        "username": ("string", "Who made it. A member's latest forecast is their standing one."),
        "probability": ("number", ("The probability given that the claim comes true, "
                                  "0.01 to 0.99.")),
        "created_at": ("datetime", ("When it was made. Every forecast ever made is listed: "
                                   "updating adds a row.")),
    },
    "resolutions.csv": {
        "id": ("integer", "The entry's number in the append-only resolution log."),
        "prediction_id": ("integer", "The prediction it resolves (predictions.csv id)."),
        "outcome": ("string", "yes, no or annulled (annulled predictions are never scored)."),
        "outcome_time": ("datetime", ("When the outcome became known; forecasts made at or "
                                     "after it are not scored.")),
        "resolved_at": ("datetime", "When the moderator recorded it."),
        "in_force": ("boolean", "true for the prediction's latest entry, the one that counts."),
        "correction": ("boolean", "true when the entry corrects an earlier resolution."),
        "resolved_by": ("string", "The moderator's username."),
        "note": ("string", "The moderator's note: how the outcome is known."),
        "source_url": ("string", "A source the moderator gave; empty if none."),
    },
    "scores.csv": {
        "prediction_id": ("integer", "The resolved prediction (predictions.csv id)."),
        "username": ("string", "The forecaster."),
        "brier": ("number", "Their time-averaged Brier score, 0-1 scale: 0 is perfect."),
        "crowd_brier": ("number", "The crowd median's Brier score over the same time."),
        "coverage": ("number", "The share of the prediction's scheduled life they covered."),
        "relative_brier": ("number", ("coverage x (brier - crowd_brier): negative is better "
                                     "than the crowd. The leaderboard adds these up.")),
    },
}
_PRIMARY_KEYS = {"predictions.csv": ["id"], "forecasts.csv": ["id"], "resolutions.csv": ["id"],
                 "scores.csv": ["prediction_id", "username"]}
_CONSTRAINTS = {
    "status": {"enum": ["open", "closed", "resolved", "annulled"]},
    "probability": {"minimum": 0.01, "maximum": 0.99},
    ("resolutions.csv", "outcome"): {"enum": ["yes", "no", "annulled"]},
    ("predictions.csv", "outcome"): {"enum": ["yes", "no"]},
}
_REQUIRED = {"id", "prediction_id", "username", "author", "title", "created_at", "probability",
             "outcome_time", "resolved_at", "in_force", "brier", "crowd_brier", "coverage",
             "relative_brier", "resolution_date", "status"}


@dataclass(frozen=True)
class DatasetLinks:
    """The absolute addresses the package names."""

    board: str
    dataset: str
    rules: str


def dataset_links(article) -> DatasetLinks:
    return DatasetLinks(board=absolute_url("board.index", slug=article.slug),
                        dataset=absolute_url("open_data.dataset", slug=article.slug),
                        rules=absolute_url("leaderboard.rules"))


def package_files(snapshot: Snapshot, article, version: DatasetVersion, links: DatasetLinks,
                  now: datetime) -> list[tuple[str, Iterable[bytes]]]:
    """Every file of the package as (name, byte chunks); the CSV chunks are read lazily."""
    tables = {
        "predictions.csv": snapshot.predictions(article.id, now),
        "forecasts.csv": snapshot.forecasts(article.id),
        "resolutions.csv": snapshot.resolutions(article.id),
        "scores.csv": snapshot.scores(article.id),
    }
    files = [("datapackage.json", [descriptor_json(article, version, links).encode()]),
             ("README.md", [readme(article, version, links).encode()])]
    files += [(name, csv_chunks(CSV_FILES[name], tables[name])) for name in CSV_FILES]
    files += scorer_files()
    return files


def scorer_files() -> list[tuple[str, list[bytes]]]:
    """The scorer's source, so the unpacked package can recompute itself."""
    folder = Path(forum.__file__).parent
    return [("forum/__init__.py", [_SCORER_PACKAGE.encode()])] + [
        (f"forum/{name}", [(folder / name).read_bytes()]) for name in SCORER_FILES]


@cache
def code_version() -> str:
    """A digest of the code that writes the package (this module and the bundled scorer), so
    a release that changes the files changes the dataset's ETag too."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for _, chunks in scorer_files():
        digest.update(b"".join(chunks))
    return digest.hexdigest()[:16]


def descriptor(article, version: DatasetVersion, links: DatasetLinks) -> dict:
    """datapackage.json as a dict (Frictionless Data Package, tabular)."""
    return {
        "profile": "tabular-data-package",
        "name": f"forecast-forum-{article.slug}",
        "title": f"Forecast Forum predictions: {article.title}",
        "description": "Every visible prediction on the article's board, every forecast made "
                       "on them, their resolutions and their scores. See README.md.",
        "homepage": links.board,
        "created": format_time(version.last_modified),
        "licenses": [LICENSE],
        "sources": [{"title": "Forecast Forum", "path": links.board}],
        "resources": [_resource(name) for name in CSV_FILES],
    }


def descriptor_json(article, version: DatasetVersion, links: DatasetLinks) -> str:
    return json.dumps(descriptor(article, version, links), indent=2, ensure_ascii=False) + "\n"


def _resource(name: str) -> dict:
    schema = {"fields": [_field(name, column) for column in CSV_FILES[name]],
              "primaryKey": _PRIMARY_KEYS[name], "missingValues": [""]}
    if "prediction_id" in CSV_FILES[name]:
        schema["foreignKeys"] = [{"fields": ["prediction_id"],
                                  "reference": {"resource": "predictions", "fields": ["id"]}}]
    return {"name": name.removesuffix(".csv"), "path": name, "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "quoteChar": '"',
                        "doubleQuote": True, "header": True},
            "schema": schema}


def _field(name: str, column: str) -> dict:
    kind, meaning = _FIELDS[name][column]
    field = {"name": column, "type": kind, "description": meaning}
    if kind == "datetime":
        field["format"] = "%Y-%m-%dT%H:%M:%S.%fZ"
    if kind == "boolean":
        field.update(trueValues=["true"], falseValues=["false"])
    constraints = dict(_CONSTRAINTS.get((name, column), _CONSTRAINTS.get(column, {})))
    if column in _REQUIRED:
        constraints["required"] = True
    if constraints:
        field["constraints"] = constraints
    return field


def readme(article, version: DatasetVersion, links: DatasetLinks) -> str:
    """README.md: what the files hold, what each column means, how scores are computed."""
    lines = [
        f"# Forecast Forum predictions: {article.title}",
        "",
        (f"The open dataset of the predictions board at <{links.board}>, as of "
        f"{format_time(version.last_modified)}. Download the latest from <{links.dataset}>."),
        "",
        (f"Licence: [{LICENSE['title']}]({LICENSE['path']}) ({LICENSE['name']}). Credit "
        f"\"Forecast Forum\" with a link to <{links.board}>."),
        "",
        ("A [Frictionless Data Package](https://datapackage.org/): `datapackage.json` describes "
        "each CSV file (UTF-8, a header row, RFC 4180) with its column types and keys. Times "
        "are UTC, written like `2026-11-29T10:00:00.123456Z`; dates like `2027-06-30`; an "
        "empty field means no value."),
        "",
        ("Left out: predictions hidden by the moderators, with their forecasts, resolutions and "
        "scores; comments and votes; email addresses and anything else private. Members appear "
        "under their usernames (a deleted account under its `deleted-<n>` name)."),
        "",
    ]
    for name in CSV_FILES:
        lines += [f"## {name}", "", "| column | type | meaning |", "| --- | --- | --- |"]
        lines += [f"| `{column}` | {kind} | {meaning} |"
                  for column, (kind, meaning) in _FIELDS[name].items()]
        lines.append("")
    lines += [
        "## How the scores are computed",
        "",
        (f"The exact rules, with worked examples: <{links.rules}>. In short, for a prediction "
        "resolved yes (o = 1) or no (o = 0), with T0 its `created_at`, T_close 00:00 UTC after "
        "its `resolution_date`, and T_end the earlier of T_close and the `outcome_time` in "
        "force, only forecasts made before T_end count. A member's standing forecast p(t) is "
        "their latest counted one; the crowd c(t) is the median of everyone's standing "
        "forecasts; f is the member's first counted forecast. Then"),
        "",
        "- `brier` = the average of (p(t) - o)² over [f, T_end],",
        "- `crowd_brier` = the average of (c(t) - o)² over the same time,",
        "- `coverage` = (T_end - f) / (T_close - T0),",
        "- `relative_brier` = coverage × (brier - crowd_brier).",
        "",
        ("The all-time leaderboard counts each member's scores (`predictions`), averages "
        "`brier` (`mean_brier`) and adds up `relative_brier`, ranking by that sum, then by "
        "mean Brier, then by username. Annulled predictions are never scored. The site's "
        "leaderboard also keeps the scores of predictions hidden after they resolved, which "
        "this dataset leaves out."),
        "",
        "## Recomputing the scores",
        "",
        ("The `forum/` folder holds the site's own scorer; it needs Python 3.11 or later and "
        "nothing else. In this folder:"),
        "",
        "```sh",
        "python3 -m forum.scoring . > recomputed.csv",
        "cmp recomputed.csv scores.csv        # silent: the same bytes",
        "python3 -m forum.scoring . --leaderboard",
        "```",
        "",
    ]
    return "\n".join(lines)


def write_package(folder: Path, files: Iterable[tuple[str, Iterable[bytes]]]) -> Iterator[str]:
    """Write the files into `folder` (made if needed); yields each name once written."""
    for name, chunks in files:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
        yield name
