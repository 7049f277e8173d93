"""The timed operations: loading demo data, resolving a busy prediction, recomputing scores."""

import os
import re
import subprocess
import time
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import func, select

from bench.servers import BIN, ROOT

RESOLVE_FORECASTS = 5000


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
    """Resolve the open prediction with about 5,000 forecasts, scores included, and commit."""
    from forum import clock
    from forum.demo_data import ADMIN
    from forum.extensions import db
    from forum.models import Prediction, User

    with app.app_context():
        prediction = db.session.scalar(
            select(Prediction).where(Prediction.status == "open", Prediction.hidden.is_(False),
                                     Prediction.resolution_date >= clock.today())
            .order_by(func.abs(Prediction.forecast_count - RESOLVE_FORECASTS), Prediction.id)
            .limit(1))
        if prediction is None:
            return Timing("resolve a busy prediction", None, "no open prediction")
        moderator = db.session.scalar(select(User).where(User.username_key == ADMIN))
        count = prediction.forecast_count
        started = time.perf_counter()
        how = _resolve(prediction, moderator)
        db.session.commit()
        elapsed = time.perf_counter() - started
        scored = len(prediction_scores(prediction.id))
    return Timing(f"resolve a prediction with {count:,} forecasts", elapsed,
                  f"{how}; {scored:,} score rows written")


def _resolve(prediction, moderator) -> str:
    """Through the moderators' service when it exists, else status + rescore by hand."""
    try:
        from forum.moderation.resolutions import ResolutionRequest, resolve_prediction
    except ImportError:
        from forum import clock
        from forum.scores import rescore_prediction

        now = clock.now()
        prediction.status, prediction.outcome = "resolved", "yes"
        prediction.outcome_time = prediction.resolved_at = now
        rescore_prediction(prediction)
        return "status set by hand + forum.scores.rescore_prediction"
    resolve_prediction(prediction, moderator,
                       ResolutionRequest(outcome="yes", note="Resolved by make bench."))
    return "forum.moderation.resolutions.resolve_prediction"


def prediction_scores(prediction_id: int) -> list:
    from forum.extensions import db
    from forum.models import Score

    return db.session.scalars(select(Score.id).where(Score.prediction_id == prediction_id)).all()


def recompute_scores(database_url: str) -> Timing:
    seconds, output = forum_command(database_url, "scores", "recompute")
    return Timing("`forum scores recompute` (every score)", seconds, output.strip())
