"""The timed operations: loading demo data, resolving the busiest open prediction through the
API, recomputing scores."""

import os
import re
import subprocess
import time
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import func, select

from bench.servers import BIN, ROOT


@dataclass
class Timing:
    name: str
    seconds: float | None
    detail: str = ""


def forum_command(database_url: str, *args: str) -> tuple[float, str]:
    """Run `forum ARGS…` on the bench database; returns (wall seconds, its output)."""
    started = time.perf_counter()
    result = subprocess.run([str(BIN / "forum"), *args], check=False, cwd=ROOT,
                            capture_output=True, text=True, env={**os.environ, "DATABASE_URL": database_url})
    elapsed = time.perf_counter() - started
    if result.returncode:
        raise RuntimeError(f"forum {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return elapsed, result.stdout


def load_demo_data(database_url: str, sizes: dict[str, int]) -> Timing:
    """Create the schema, import the article, then time `forum demo-data` at these sizes."""
    forum_command(database_url, "db", "upgrade")
    forum_command(database_url, "seed")
    options = [part for name, value in sizes.items() for part in (f"--{name}", str(value))]
    seconds, output = forum_command(database_url, "demo-data", *options)
    made = re.search(r"^Made (.+)\.$", output, flags=re.MULTILINE)
    took = re.search(r"\((planning .+)\)", output)
    detail = "; ".join(match.group(1) for match in (made, took) if match)
    return Timing("`forum demo-data` " + " ".join(options), seconds, detail)


def resolve_busy_prediction(app: Flask) -> Timing:
    """Resolve the most-forecast open prediction through the JSON API (SPEC.md §7), as a
    moderator with a bearer token: the time from request to response, with the scores,
    the notifications, the queued emails and the audit entry committed inside it."""
    from forum.demo_data import ADMIN, DEMO_PASSWORD

    with app.app_context():
        target = busiest_open_prediction()
    if target is None:
        return Timing("resolve the most-forecast open prediction", None, "no open prediction")
    prediction_id, forecasts, forecasters = target
    client = app.test_client()
    token = bearer_token(client, ADMIN, DEMO_PASSWORD)
    path = f"/api/v1/predictions/{prediction_id}/resolution"
    started = time.perf_counter()
    response = client.post(path, json={"outcome": "yes", "note": "Resolved by make bench."},
                           headers={"Authorization": f"Bearer {token}"})
    elapsed = time.perf_counter() - started
    response.close()  # what runs once the response is sent (SQLite: the log's checkpoint)
    after = time.perf_counter() - started - elapsed
    if response.status_code != 200:
        raise RuntimeError(f"POST {path} answered {response.status_code}: "
                           f"{response.get_data(as_text=True)[:300]}")
    with app.app_context():
        written = resolution_rows(prediction_id)
    return Timing(
        f"resolve the most-forecast open prediction ({forecasts:,} forecasts from "
        f"{forecasters:,} forecasters) through the API", elapsed,
        f"`POST {path}` with a moderator's bearer token, in-process (test client); "
        f"{written['scores']:,} score rows, {written['notifications']:,} notifications, "
        f"{written['emails']:,} emails queued; then {after:.2f} s of work after the response "
        "(SQLite's checkpoint)",
    )


def busiest_open_prediction() -> tuple[int, int, int] | None:
    """(id, forecasts, forecasters) of the visible open prediction with the most forecasts."""
    from forum.extensions import db
    from forum.models import Prediction

    row = db.session.execute(
        select(Prediction.id, Prediction.forecast_count, Prediction.forecaster_count)
        .where(Prediction.status == "open", Prediction.hidden.is_(False))
        .order_by(Prediction.forecast_count.desc(), Prediction.id).limit(1)).first()
    return tuple(row) if row else None


def bearer_token(client, username: str, password: str) -> str:
    """An API token, asked for as a client would (`POST /api/v1/tokens`)."""
    response = client.post("/api/v1/tokens", json={"username": username, "password": password})
    if response.status_code != 201:
        raise RuntimeError(f"POST /api/v1/tokens as {username} answered {response.status_code}")
    return response.get_json()["token"]


def resolution_rows(prediction_id: int) -> dict[str, int]:
    """What the latest resolution of the prediction wrote: score rows, notifications, emails."""
    from forum.extensions import db
    from forum.models import EmailDelivery, Notification, Resolution, Score

    resolution = db.session.scalar(select(func.max(Resolution.id))
                                   .where(Resolution.prediction_id == prediction_id))
    key = f"resolution:{resolution}"
    return {
        "scores": db.session.scalar(select(func.count(Score.id))
                                    .where(Score.prediction_id == prediction_id)),
        "notifications": db.session.scalar(select(func.count(Notification.id))
                                           .where(Notification.event_key == key)),
        "emails": db.session.scalar(select(func.count(EmailDelivery.id))
                                    .where(EmailDelivery.dedupe_key.startswith(key + ":"))),
    }


def recompute_scores(database_url: str) -> Timing:
    seconds, output = forum_command(database_url, "scores", "recompute")
    return Timing("`forum scores recompute` (every score)", seconds, output.strip())
