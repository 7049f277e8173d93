"""Many members writing at once, on the run's real database (an SQLite file in WAL mode, or
PostgreSQL with TEST_DATABASE_URL): three gunicorn workers and eight client threads, then
threads over the Flask test client in one process. Afterwards nothing a client was told it
wrote is missing, no vote is doubled, no "database is locked" reached anyone, and every
counter a list shows equals what the rows say."""

import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, Forecast, Prediction, Vote
from forum.scoring import ForecastPoint, crowd_median
from tests.api_support import bearer
from tests.factories import make_prediction, make_user
from tests.moderation_support import fast_passwords  # noqa: F401
from tests.servers import gunicorn_servers

# gunicorn workers read and write the data
pytestmark = [pytest.mark.slow, pytest.mark.real_commits]

MEMBERS = 8
PREDICTIONS = 4


@dataclass
class Ledger:
    """What the clients were told, shared by every thread."""

    statuses: Counter = field(default_factory=Counter)
    failures: list = field(default_factory=list)
    forecasts: list = field(default_factory=list)  # ids answered 201
    comments: list = field(default_factory=list)  # (id, author index) answered 201
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, method: str, path: str, status: int, body: str) -> None:
        with self.lock:
            self.statuses[status] += 1
            if status >= 500 or "database is locked" in body.lower() or status == 0:
                self.failures.append(f"{method} {path} → {status}: {body[:300]}")


@pytest.fixture
def crowd(app, article):
    """Eight members with bearer tokens, and four predictions by someone else."""
    author = make_user("author")
    members = [make_user(f"member{index}") for index in range(MEMBERS)]
    predictions = [make_prediction(article, author, title=f"Prediction number {index} will come true")
                   for index in range(PREDICTIONS)]
    return {"headers": [bearer(member) for member in members],
            "predictions": [prediction.id for prediction in predictions]}


def member_traffic(send, member: int, headers: dict, predictions: list[int], ledger: Ledger,
                   until: float, seed: int) -> None:
    """One member's requests: forecasts, comments, votes (some sent twice at the same
    instant) on predictions and on other members' comments, until the deadline."""
    rng = random.Random(seed)
    while time.monotonic() < until:
        prediction = rng.choice(predictions)
        action = rng.random()
        if action < 0.35:
            probability = round(rng.uniform(0.01, 0.99), 2)
            status, body = send("POST", f"/api/v1/predictions/{prediction}/forecasts", headers,
                                {"probability": probability})
            if status == 201:
                with ledger.lock:
                    ledger.forecasts.append(json.loads(body)["id"])
        elif action < 0.55:
            status, body = send("POST", f"/api/v1/predictions/{prediction}/comments", headers,
                                {"body": f"member{member} thinks {rng.random():.3f}"})
            if status == 201:
                with ledger.lock:
                    ledger.comments.append((json.loads(body)["id"], member))
        else:
            with ledger.lock:
                others = [cid for cid, author in ledger.comments if author != member]
            if action < 0.7 and others:
                path = f"/api/v1/comments/{rng.choice(others)}/vote"
            else:
                path = f"/api/v1/predictions/{prediction}/vote"
            value = rng.choice([1, 1, -1, 0])
            if rng.random() < 0.5:  # the same vote twice at once (a double click)
                twin = threading.Thread(target=send, args=("PUT", path, headers, {"value": value}))
                twin.start()
                send("PUT", path, headers, {"value": value})
                twin.join()
            else:
                send("PUT", path, headers, {"value": value})


def run_members(send, crowd: dict, ledger: Ledger, seconds: float) -> None:
    until = time.monotonic() + seconds
    threads = [threading.Thread(target=member_traffic, args=(
        send, index, crowd["headers"][index], crowd["predictions"], ledger, until, index))
        for index in range(MEMBERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    assert not any(thread.is_alive() for thread in threads), "a client thread hung"


def assert_rows_agree(ledger: Ledger) -> None:
    """Nothing lost, nothing doubled, every counter equal to its rows."""
    assert not ledger.failures, "\n".join(ledger.failures[:10])
    assert ledger.statuses[201] > 0 and ledger.statuses[200] > 0, ledger.statuses
    unexpected = set(ledger.statuses) - {200, 201}
    assert not unexpected, ledger.statuses
    db.session.rollback()  # end the test's own transaction: read what the writers committed

    stored = set(db.session.scalars(select(Forecast.id)))
    missing = set(ledger.forecasts) - stored
    assert not missing, f"{len(missing)} forecasts answered 201 are not stored"
    comment_ids = {cid for cid, _ in ledger.comments}
    assert comment_ids <= set(db.session.scalars(select(Comment.id)))

    for column in (Vote.prediction_id, Vote.comment_id):
        doubled = db.session.execute(
            select(Vote.user_id, column, func.count()).where(column.is_not(None))
            .group_by(Vote.user_id, column).having(func.count() > 1)
        ).all()
        assert not doubled, doubled

    for prediction in db.session.scalars(select(Prediction)):
        points = [ForecastPoint(*row) for row in db.session.execute(
            select(Forecast.id, Forecast.user_id, Forecast.probability, Forecast.created_at)
            .where(Forecast.prediction_id == prediction.id))]
        median, forecasters = crowd_median(points)
        assert prediction.forecast_count == len(points), prediction.id
        assert prediction.forecaster_count == forecasters, prediction.id
        assert prediction.crowd_median == pytest.approx(median), prediction.id
        assert_votes_agree(prediction, Vote.prediction_id)
        comments = db.session.scalar(select(func.count()).select_from(Comment).where(
            Comment.prediction_id == prediction.id, Comment.hidden.is_(False),
            Comment.deleted.is_(False)))
        assert prediction.comment_count == comments, prediction.id
    for comment in db.session.scalars(select(Comment)):
        assert_votes_agree(comment, Vote.comment_id)


def assert_votes_agree(target, column) -> None:
    values = list(db.session.scalars(select(Vote.value).where(column == target.id)))
    up, down = values.count(1), values.count(-1)
    assert (target.votes_up, target.votes_down, target.vote_score) == (up, down, up - down), \
        (type(target).__name__, target.id)


def test_three_gunicorn_workers_and_eight_members_writing_at_once(crowd, migrated_database):
    ledger = Ledger()
    env = {"DATABASE_URL": migrated_database, "RATELIMIT_ENABLED": "false"}
    with gunicorn_servers(1, env, workers=3) as (url,):

        def send(method, path, headers, body):
            request = urllib.request.Request(
                url + path, data=json.dumps(body).encode(), method=method,
                headers={**headers, "Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    status, text = response.status, response.read().decode()
            except urllib.error.HTTPError as error:
                status, text = error.code, error.read().decode()
            except OSError as error:  # a dropped connection is a failure too
                status, text = 0, repr(error)
            ledger.record(method, path, status, text)
            return status, text

        run_members(send, crowd, ledger, seconds=5)
    assert_rows_agree(ledger)


def test_threads_over_the_test_client_writing_at_once(app, crowd):
    ledger = Ledger()

    def send(method, path, headers, body):
        response = app.test_client().open(path, method=method, json=body, headers=headers)
        text = response.get_data(as_text=True)
        ledger.record(method, path, response.status_code, text)
        return response.status_code, text

    run_members(send, crowd, ledger, seconds=2)
    assert_rows_agree(ledger)


@pytest.mark.parametrize("write", ["comments", "forecasts"])
def test_two_writes_held_open_at_once_are_both_counted(app, crowd, monkeypatch, write):
    """Each request is held after its write, before its commit, so the second one reads the
    counter while the first is still open: the classic lost update. Both must be counted."""
    from forum.board import services as board_services
    from forum.comments import services as comment_services

    module, name = ((comment_services, "_notify_thread") if write == "comments"
                    else (board_services, "refresh_crowd"))
    original = getattr(module, name)

    def slowly(*args):
        original(*args)
        time.sleep(0.3)

    monkeypatch.setattr(module, name, slowly)
    prediction = crowd["predictions"][0]
    body = {"body": "At the same time"} if write == "comments" else {"probability": 0.7}
    barrier, statuses = threading.Barrier(2), []

    def send(headers):
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post(f"/api/v1/predictions/{prediction}/{write}", json=body,
                                    headers=headers).status_code)

    threads = [threading.Thread(target=send, args=(headers,)) for headers in crowd["headers"][:2]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [201, 201]
    db.session.rollback()
    row = db.session.get(Prediction, prediction)
    assert (row.comment_count, row.forecaster_count) == (
        (2, 1) if write == "comments" else (0, 3))
    assert_rows_agree(Ledger(statuses=Counter({200: 1, 201: 2})))
