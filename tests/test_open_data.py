"""Open data (SPEC.md §10): an article's dataset as a Frictionless Data Package, downloaded as
a streamed zip or written by `forum export`, and recomputed by `python -m forum.scoring`."""

import csv
import io
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import select

from forum import clock
from forum.extensions import db
from forum.models import Prediction, Score, User
from forum.moderation.services import set_hidden
from tests.factories import make_forecast, make_prediction
from tests.moderation_support import (
    closed_prediction,
    fast_passwords,  # noqa: F401
    people,  # noqa: F401
    resolve,
)

# The export reads a consistent snapshot on a connection of its own.
pytestmark = pytest.mark.real_commits

ROOT = Path(__file__).resolve().parent.parent
CSV_NAMES = ("predictions.csv", "forecasts.csv", "resolutions.csv", "scores.csv")
HIDDEN_TITLE = "A hidden prediction that the moderators removed"


def build_world(article, people, *, score_the_hidden=True) -> dict:  # noqa: F811
    """Predictions in every state, made and resolved through the services the site uses."""
    alice, bob, carol, mod = people["alice"], people["bob"], people["carol"], people["mod"]
    at_close = closed_prediction(article, alice, title="Resolved yes at the scheduled close",
                                 forecasts=[(bob, 0.8, 20), (carol, 0.3, 10), (bob, 0.6, 5)])
    resolve(at_close, mod, "yes")
    corrected = closed_prediction(article, bob, title="Resolved no, then corrected to yes",
                                  forecasts=[(alice, 0.25, 25), (carol, 0.7, 12)])
    resolve(corrected, mod, "no")
    resolve(corrected, mod, "yes", correction=True, note="Corrected: the report was wrong.")
    annulled = closed_prediction(article, carol, title="Resolved, then annulled by correction",
                                 forecasts=[(bob, 0.5, 15)])
    resolve(annulled, mod, "yes")
    resolve(annulled, mod, "annulled", correction=True, note="The question was ambiguous.")
    now = clock.now()  # one instant, so the windows below are exactly whole days

    def before(days):
        return now - timedelta(days=days)

    early = make_prediction(article, carol, title="Resolved early, before its date",
                            created_at=before(20))
    make_forecast(early, alice, 0.9, created_at=before(10))
    make_forecast(early, bob, 0.15, created_at=before(8))
    make_forecast(early, bob, 0.95, created_at=before(3))  # after the outcome: not scored
    resolve(early, mod, "yes", outcome_time=before(6), source_url="https://example.org/news")
    still_open = make_prediction(article, alice, title='Talks, "real" ones, resume by 2027',
                                 criteria='Resolves yes on a joint statement,\nsaying "talks".',
                                 quote="passage readers may quote")
    make_forecast(still_open, bob, 0.42)
    hidden = closed_prediction(article, carol, title=HIDDEN_TITLE,
                               forecasts=[(alice, 0.66, 10), (bob, 0.13, 9)])
    if score_the_hidden:
        resolve(hidden, mod, "no")
    set_hidden("prediction", hidden.id, mod, "Spam", True)
    db.session.commit()
    return {"at_close": at_close, "corrected": corrected, "annulled": annulled, "early": early,
            "open": still_open, "hidden": hidden}


@pytest.fixture
def world(article, people):  # noqa: F811
    return build_world(article, people)


def export(runner, slug: str, folder: Path) -> Path:
    result = runner.invoke(args=["export", "--article", slug, "--out", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def download(client, slug: str, **headers):
    response = client.get(f"/articles/{slug}/dataset.zip", headers=headers)
    return response


def unzip(response) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert archive.testzip() is None
    return {name: archive.read(name) for name in archive.namelist()}


def read_csv(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def run_scorer(folder: Path, *args: str, cwd: Path = ROOT, flags=("-E", "-s")):
    """`python -m forum.scoring FOLDER` as a newcomer runs it: a fresh interpreter that sees
    no environment variables, printing which modules it imported (-X importtime)."""
    return subprocess.run([sys.executable, *flags, "-X", "importtime", "-m", "forum.scoring",
                           str(folder), *args], check=False, cwd=cwd, capture_output=True,
                          timeout=120)


def imported_modules(stderr: bytes) -> set[str]:
    names = set()
    for line in stderr.decode().splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


# The standalone scorer reproduces the scores ------------------------------------------------

def test_standalone_scorer_reproduces_the_exported_scores_byte_for_byte(world, runner,
                                                                         tmp_path):
    folder = export(runner, "test-article", tmp_path / "dataset")
    result = run_scorer(folder)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    exported = (folder / "scores.csv").read_bytes()
    assert result.stdout == exported
    modules = imported_modules(result.stderr)
    assert "forum.scoring" in modules and "forum.dataset_files" in modules
    web_stack = {name for name in modules
                 if name.split(".")[0] in ("flask", "sqlalchemy", "werkzeug", "jinja2", "click")}
    assert not web_stack, f"the scorer imported {sorted(web_stack)}"


def test_exported_scores_are_the_stored_scores_for_every_kind_of_resolution(world, runner,
                                                                             tmp_path):
    folder = export(runner, "test-article", tmp_path / "dataset")
    rows = read_csv((folder / "scores.csv").read_bytes())
    stored = db.session.execute(
        select(Score.prediction_id, User.username, Score.brier, Score.crowd_brier,
               Score.coverage, Score.relative_brier).join(User, User.id == Score.user_id)
        .where(Score.prediction_id != world["hidden"].id)
        .order_by(Score.prediction_id, User.username)).all()
    assert [(int(r["prediction_id"]), r["username"], float(r["brier"]), float(r["crowd_brier"]),
             float(r["coverage"]), float(r["relative_brier"])) for r in rows] == \
        [tuple(row) for row in stored]
    by_prediction = {}
    for row in rows:
        by_prediction.setdefault(int(row["prediction_id"]), {})[row["username"]] = row
    assert set(by_prediction) == {world[k].id for k in ("at_close", "corrected", "early")}
    assert set(by_prediction[world["corrected"].id]) == {"alice", "bob", "carol"}
    # Early resolution (outcome 6 days ago): bob's 95 % three days ago is not scored, so his
    # Brier is that of his 15 % alone; the crowd was 62.5 % for two days, then 35 %.
    early = by_prediction[world["early"].id]
    assert float(early["bob"]["brier"]) == pytest.approx(0.85 ** 2)
    assert float(early["bob"]["crowd_brier"]) == pytest.approx(0.65 ** 2, rel=1e-9)
    assert float(early["alice"]["brier"]) == pytest.approx(0.01)
    assert float(early["alice"]["crowd_brier"]) == pytest.approx(
        (0.375 ** 2 + 0.65 ** 2) / 2, rel=1e-9)
    assert float(early["alice"]["coverage"]) < 0.05  # four days of a 200-day life


def test_scorer_leaderboard_matches_the_sites_leaderboard(article, people, runner,  # noqa: F811
                                                          client, tmp_path):
    build_world(article, people, score_the_hidden=False)
    folder = export(runner, "test-article", tmp_path / "dataset")
    result = run_scorer(folder, "--leaderboard")
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    ours = read_csv(result.stdout)
    site = client.get("/api/v1/leaderboard?article=test-article").get_json()["items"]
    assert [(int(r["rank"]), r["username"], int(r["predictions"])) for r in ours] == \
        [(r["rank"], r["username"], r["predictions"]) for r in site]
    for mine, theirs in zip(ours, site, strict=True):
        assert float(mine["mean_brier"]) == pytest.approx(theirs["mean_brier"], rel=1e-12)
        assert float(mine["relative_brier"]) == pytest.approx(theirs["relative_brier"],
                                                              rel=1e-12, abs=1e-15)


def test_the_unpacked_download_recomputes_itself_with_its_own_scorer(world, client, tmp_path):
    files = unzip(download(client, "test-article"))
    folder = tmp_path / "unpacked"
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    assert {"forum/__init__.py", "forum/scoring.py", "forum/dataset_files.py"} <= set(files)
    # In the dataset's folder, with nothing but the interpreter: the bundled copy runs.
    result = run_scorer(Path("."), cwd=folder)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert result.stdout == files["scores.csv"]


# The package ------------------------------------------------------------------------------

def test_export_is_a_valid_frictionless_data_package(world, runner, tmp_path):
    from frictionless import Package, validate

    folder = export(runner, "test-article", tmp_path / "dataset")
    report = validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["taskNumber", "rowNumber", "fieldName", "type", "note"])
    package = Package(str(folder / "datapackage.json"))
    assert package.licenses[0]["name"] == "CC-BY-4.0"
    resources = {resource.name: resource for resource in package.resources}
    assert set(resources) == {"predictions", "forecasts", "resolutions", "scores"}
    assert resources["scores"].schema.primary_key == ["prediction_id", "username"]
    for name in ("forecasts", "resolutions", "scores"):
        assert resources[name].schema.foreign_keys == [
            {"fields": ["prediction_id"],
             "reference": {"resource": "predictions", "fields": ["id"]}}]
    columns = {name: resources[name].schema.field_names for name in resources}
    assert {"id", "title", "author", "created_at", "resolution_date", "status", "outcome",
            "quote"} <= set(columns["predictions"])
    assert columns["forecasts"] == ["id", "prediction_id", "username", "probability",
                                    "created_at"]
    assert {"id", "prediction_id", "outcome", "outcome_time", "resolved_at", "in_force"} <= \
        set(columns["resolutions"])
    assert columns["scores"] == ["prediction_id", "username", "brier", "crowd_brier",
                                 "coverage", "relative_brier"]
    readme = (folder / "README.md").read_text()
    site = (current_app.config.get("SITE_URL") or "http://127.0.0.1:5000").rstrip("/")
    assert f"<{site}/leaderboard/rules>" in readme  # absolute, though no request made it
    assert f'"homepage": "{site}/articles/test-article/predictions"' in \
        (folder / "datapackage.json").read_text()
    for column in ("in_force", "relative_brier", "outcome_time", "coverage"):
        assert f"`{column}`" in readme


def test_the_files_hold_what_the_site_shows(world, client):
    files = unzip(download(client, "test-article"))
    for name in CSV_NAMES:
        assert files[name].endswith(b"\r\n") and b"\r\n" in files[name].split(b"\n", 1)[0] + b"\n"
    predictions = {int(row["id"]): row for row in read_csv(files["predictions.csv"])}
    quoted = predictions[world["open"].id]
    assert quoted["title"] == 'Talks, "real" ones, resume by 2027'
    assert quoted["criteria"] == 'Resolves yes on a joint statement,\nsaying "talks".'
    assert quoted["quote"] == "passage readers may quote"
    assert quoted["status"] == "open" and quoted["outcome"] == ""
    assert predictions[world["corrected"].id]["outcome"] == "yes"
    assert predictions[world["annulled"].id]["status"] == "annulled"
    prediction = db.session.get(Prediction, world["at_close"].id)
    assert predictions[prediction.id]["created_at"] == clock.isoformat_z(prediction.created_at)
    resolutions = read_csv(files["resolutions.csv"])
    corrected = [r for r in resolutions if int(r["prediction_id"]) == world["corrected"].id]
    assert [(r["outcome"], r["in_force"], r["correction"]) for r in corrected] == \
        [("no", "false", "false"), ("yes", "true", "true")]
    forecasts = read_csv(files["forecasts.csv"])
    api = client.get(f"/api/v1/predictions/{world['early'].id}/forecasts").get_json()["items"]
    assert [(int(r["id"]), r["username"], float(r["probability"]), r["created_at"])
            for r in forecasts if int(r["prediction_id"]) == world["early"].id] == \
        [(f["id"], f["username"], f["probability"], f["created_at"]) for f in api]


def test_hidden_predictions_and_email_addresses_never_appear(world, client, runner, tmp_path):
    hidden = world["hidden"].id
    assert db.session.scalar(select(Score.id).where(Score.prediction_id == hidden))
    folder = export(runner, "test-article", tmp_path / "dataset")
    exported = {path.relative_to(folder).as_posix(): path.read_bytes()
                for path in folder.rglob("*") if path.is_file()}
    for files in (unzip(download(client, "test-article")), exported):
        emails = db.session.scalars(select(User.email)).all()
        for name, data in files.items():
            assert HIDDEN_TITLE.encode() not in data, name
            assert not any(email.encode() in data for email in emails), name
            assert b"example.com" not in data, name
        for name in CSV_NAMES:
            ids = {int(row["id" if name == "predictions.csv" else "prediction_id"])
                   for row in read_csv(files[name])}
            assert hidden not in ids, name


def test_zip_and_export_give_the_same_bytes_for_each_csv(world, client, runner, tmp_path):
    folder = export(runner, "test-article", tmp_path / "dataset")
    files = unzip(download(client, "test-article"))
    for name in (*CSV_NAMES, "forum/scoring.py", "forum/dataset_files.py"):
        assert files[name] == (folder / name).read_bytes(), name


# The download: streamed, cacheable --------------------------------------------------------

def test_dataset_is_streamed_with_its_version(world, client):
    response = client.get("/articles/test-article/dataset.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.is_streamed and "Content-Length" not in response.headers
    assert response.headers["ETag"].startswith('W/"')
    assert response.last_modified is not None
    assert "no-cache" in response.headers["Cache-Control"]
    assert 'filename="test-article-dataset.zip"' in response.headers["Content-Disposition"]
    again = client.get("/articles/test-article/dataset.zip")
    assert again.headers["ETag"] == response.headers["ETag"]
    assert again.get_data() == response.get_data()  # the same data gives the same bytes


def test_unchanged_dataset_answers_304(world, client):
    first = download(client, "test-article")
    by_tag = download(client, "test-article", **{"If-None-Match": first.headers["ETag"]})
    assert by_tag.status_code == 304 and by_tag.get_data() == b""
    assert by_tag.headers["ETag"] == first.headers["ETag"]
    by_date = download(client, "test-article",
                       **{"If-Modified-Since": first.headers["Last-Modified"]})
    assert by_date.status_code == 304 and by_date.get_data() == b""
    stale = download(client, "test-article", **{"If-None-Match": 'W/"0123"'})
    assert stale.status_code == 200


def test_a_new_forecast_changes_the_version(world, client, people, monkeypatch):  # noqa: F811
    first = download(client, "test-article")
    later = clock.now() + timedelta(hours=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    make_forecast(world["open"], people["carol"], 0.61)
    by_tag = download(client, "test-article", **{"If-None-Match": first.headers["ETag"]})
    assert by_tag.status_code == 200 and by_tag.headers["ETag"] != first.headers["ETag"]
    by_date = download(client, "test-article",
                       **{"If-Modified-Since": first.headers["Last-Modified"]})
    assert by_date.status_code == 200
    assert b"carol,0.61," in unzip(by_date)["forecasts.csv"]


def test_hiding_restoring_and_closing_change_the_version(world, client, people,  # noqa: F811
                                                         monkeypatch):
    tags = [download(client, "test-article").headers["ETag"]]
    set_hidden("prediction", world["open"].id, people["mod"], "Off topic", True)
    db.session.commit()
    tags.append(download(client, "test-article").headers["ETag"])
    set_hidden("prediction", world["open"].id, people["mod"], "Fine after all", False)
    db.session.commit()
    tags.append(download(client, "test-article").headers["ETag"])
    # The open prediction passes its scheduled close: its status now reads "closed".
    after_close = clock.now() + timedelta(days=202)
    monkeypatch.setattr(clock, "now", lambda: after_close)
    closed = download(client, "test-article")
    tags.append(closed.headers["ETag"])
    assert len(set(tags)) == len(tags)
    row = next(r for r in read_csv(unzip(closed)["predictions.csv"])
               if int(r["id"]) == world["open"].id)
    assert row["status"] == "closed"


def test_unknown_article_is_404(client, article):
    assert client.get("/articles/no-such-article/dataset.zip").status_code == 404
    assert client.get("/articles/%00/dataset.zip").status_code == 404


def test_an_article_without_predictions_has_an_empty_dataset(client, article):
    files = unzip(download(client, "test-article"))
    assert files["forecasts.csv"] == b"id,prediction_id,username,probability,created_at\r\n"
    assert files["scores.csv"] == (
        b"prediction_id,username,brier,crowd_brier,coverage,relative_brier\r\n")


# One prediction's forecasts ---------------------------------------------------------------

def test_prediction_forecasts_csv_lists_every_forecast_and_is_linked(world, client):
    early = world["early"].id
    response = client.get(f"/predictions/{early}/forecasts.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f'prediction-{early}-forecasts.csv' in response.headers["Content-Disposition"]
    rows = read_csv(response.get_data())
    assert [(r["username"], r["probability"]) for r in rows] == \
        [("carol", "0.35"), ("alice", "0.9"), ("bob", "0.15"), ("bob", "0.95")]
    page = client.get(f"/predictions/{early}").get_data(as_text=True)
    assert f'href="/predictions/{early}/forecasts.csv"' in page


def test_hidden_prediction_forecasts_csv_is_404_except_for_moderators(auth, world, client):
    hidden = world["hidden"].id
    assert client.get(f"/predictions/{hidden}/forecasts.csv").status_code == 404
    auth.login("bob")
    assert client.get(f"/predictions/{hidden}/forecasts.csv").status_code == 404
    client.post("/logout")
    auth.login("mod")
    response = client.get(f"/predictions/{hidden}/forecasts.csv")
    assert response.status_code == 200 and b"alice,0.66," in response.get_data()
    assert client.get("/predictions/999999/forecasts.csv").status_code == 404


def test_pages_link_to_the_download(world, client):
    link = 'href="/articles/test-article/dataset.zip"'
    for url in ("/articles/test-article/predictions", "/leaderboard",
                "/leaderboard?article=test-article", "/leaderboard/rules"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert link in response.get_data(as_text=True), url
    rules = client.get("/leaderboard/rules").get_data(as_text=True)
    assert "unzip test-article-dataset.zip -d test-article" in rules
    assert "python3 -m forum.scoring . --leaderboard" in rules


# `forum export`: bad input ----------------------------------------------------------------

def test_export_of_an_unknown_article_is_a_one_line_error(runner, article, tmp_path):
    result = runner.invoke(args=["export", "--article", "nope", "--out", str(tmp_path / "x")])
    assert result.exit_code != 0
    assert result.output.strip() == "Error: no article with slug 'nope'."
    assert not (tmp_path / "x").exists()


def test_export_into_a_file_or_an_unwritable_path_is_a_one_line_error(runner, article,
                                                                      tmp_path):
    existing = tmp_path / "a-file"
    existing.write_text("keep me")
    result = runner.invoke(args=["export", "--article", "test-article", "--out", str(existing)])
    assert result.exit_code != 0
    assert result.output.strip() == f"Error: {existing} exists and is not a folder."
    assert existing.read_text() == "keep me"
    below = existing / "dataset"
    result = runner.invoke(args=["export", "--article", "test-article", "--out", str(below)])
    assert result.exit_code != 0
    assert result.output.strip() == f"Error: can't write to {below}: Not a directory."


def test_package_links_are_built_from_site_url_when_it_is_configured(make_app, app, article):
    configured = make_app(SITE_URL="https://forecasts.example.net/")
    with configured.app_context():
        response = configured.test_client().get("/articles/test-article/dataset.zip")
    files = unzip(response)
    assert b"<https://forecasts.example.net/leaderboard/rules>" in files["README.md"]
    assert b"<http://localhost" not in files["README.md"]
