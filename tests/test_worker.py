"""`forum worker` as a real process (SPEC.md §6, §9 Delivery): a queued job survives the
worker being killed, and two workers sharing one Redis queue send each email once."""

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import func, select

from forum.database import WRITING_JOB
from forum.extensions import db
from forum.jobs import enqueue
from forum.mail import queue
from forum.models import EmailDelivery
from tests.factories import make_user
from tests.mail_support import SmtpServer
from tests.servers import ROOT, TEST_REDIS_URL, free_port, reachable_redis

pytestmark = pytest.mark.real_commits  # the worker process reads the data

JOBS_REDIS_DB = 5  # this suite's own Redis database, apart from the rate-limit tests'


@contextmanager
def write_lock_first():
    """Write beside running workers as the app's requests and jobs do: on SQLite, the
    transaction takes the write lock when it begins. A transaction that reads first (the users
    here, reloaded after their commit) can't take it later once a worker has committed
    meanwhile: SQLite fails it at once with "database is locked", whatever the busy timeout."""
    marker = WRITING_JOB.set(True)
    try:
        yield
    finally:
        WRITING_JOB.reset(marker)


def start_worker(env: dict, log: Path) -> subprocess.Popen:
    """`forum worker` from this checkout, with the given environment."""
    handle = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "-c", "from forum.cli import main; main()", "worker", "--threads", "2"],
        cwd=ROOT, env={**os.environ, "SECRET_KEY": "test-secret-key", **env},
        stdout=handle, stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen, sig=signal.SIGINT) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until(condition, seconds: float = 90, what: str = "condition") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def statuses() -> dict[str, int]:
    db.session.commit()
    return dict(db.session.execute(select(EmailDelivery.status, func.count())
                                   .group_by(EmailDelivery.status)).all())


def attempted(count: int) -> bool:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(EmailDelivery)
                             .where(EmailDelivery.attempts >= 1)) == count


@pytest.mark.slow
def test_a_worker_killed_with_jobs_queued_loses_nothing_when_it_restarts(
        make_app, migrated_database, tmp_path):
    port = free_port()  # the SMTP server is down at first
    env = {"DATABASE_URL": migrated_database, "JOBS_URL": f"sqlite:///{tmp_path / 'jobs.db'}",
           "MAIL_URL": f"smtp://127.0.0.1:{port}", "MAIL_RETRY_SECONDS": "8"}
    app = make_app(JOBS_URL=env["JOBS_URL"], MAIL_URL=env["MAIL_URL"])
    log = tmp_path / "worker.log"
    with app.app_context():
        users = [make_user(f"user{n}") for n in range(6)]
        for user in users[:3]:  # queued while no worker runs
            queue("reset_password", user=user)
        db.session.commit()
        worker = start_worker(env, log)
        try:
            with write_lock_first():
                for user in users[3:]:  # queued while it runs
                    queue("reset_password", user=user)
                db.session.commit()
            # Every send fails (SMTP down) and waits for its retry in the queue's schedule;
            # then the worker dies without warning.
            huey = app.extensions["jobs"].huey  # the same queue file the worker uses
            wait_until(lambda: attempted(6) and statuses() == {"queued": 6}
                       and huey.scheduled_count() == 6, what="six retries scheduled")
            worker.kill()
            worker.wait()
            assert statuses() == {"queued": 6}
            server = SmtpServer(port).start()
            try:
                worker = start_worker(env, log)
                messages = server.inbox.wait_for(6, seconds=90)
                wait_until(lambda: statuses() == {"sent": 6}, what="six sent rows")
                time.sleep(1)
                assert len(server.inbox.messages) == 6
                assert sorted(m["To"] for m in messages) == sorted(u.email for u in users)
            finally:
                stop(worker)
                server.stop()
        finally:
            stop(worker, signal.SIGKILL)
    assert "Traceback" not in log.read_text(), log.read_text()


@pytest.fixture
def redis_jobs_url():
    url = urlunsplit(urlsplit(TEST_REDIS_URL)._replace(path=f"/{JOBS_REDIS_DB}"))
    client = reachable_redis(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.mark.slow
def test_two_workers_on_one_redis_queue_send_every_email_once(make_app, migrated_database,
                                                              redis_jobs_url, tmp_path):
    server = SmtpServer().start()
    env = {"DATABASE_URL": migrated_database, "JOBS_URL": redis_jobs_url, "MAIL_URL": server.url}
    app = make_app(JOBS_URL=redis_jobs_url, MAIL_URL=server.url)
    workers = []
    try:
        with app.app_context():
            users = [make_user(f"user{n}") for n in range(30)]
            logs = [tmp_path / f"worker{n}.log" for n in range(2)]
            workers = [start_worker(env, log) for log in logs]
            wait_until(lambda: all("consumer started" in log.read_text() for log in logs),
                       what="both workers consuming the queue")
            with write_lock_first():
                ids = [queue("reset_password", user=user) for user in users]
                db.session.commit()
            for delivery_id in ids:  # every job queued twice more, as a retried enqueue would
                enqueue("send_emails", [delivery_id])
                enqueue("send_emails", [delivery_id])
            server.inbox.wait_for(30, seconds=90)
            wait_until(lambda: statuses() == {"sent": 30}, what="thirty sent rows")
            time.sleep(2)
            recipients = [m["To"] for m in server.inbox.messages]
            assert sorted(recipients) == sorted(u.email for u in users)  # none twice
    finally:
        for worker in workers:
            stop(worker)
        server.stop()
    # Both consumed the one Redis queue while all 90 jobs were in it; how the jobs split
    # between them is the scheduler's business (one may take every job), the sends never twice.
    texts = [log.read_text() for log in logs]
    assert all(redis_jobs_url in text and "Traceback" not in text for text in texts), texts
