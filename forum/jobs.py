"""Background jobs on huey (SPEC.md §5 `JOBS_URL`, §6 `forum worker`, §9 Delivery).

Huey keeps the queue in a SQLite file by default (`instance/jobs.db`: nothing to install, and
a queued job survives a restart) or in Redis (`JOBS_URL=redis://…`) when several workers on
several machines share it. A feature declares a job with `@job("name")` (or a periodic one
with `@job("name", schedule=crontab(...))`); each app gets its own huey instance, and every
job runs inside that app's context with a fresh database session.

Nothing is sent from inside a web request: a request calls `after_commit(name, …)`, and the
job is handed to huey only when the transaction commits (a rollback forgets it). A job that
is lost anyway (the process died between commit and enqueue, or the queue was unreachable)
is found again by the delivery sweep, which re-queues committed emails that are overdue.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from huey import MemoryHuey, RedisHuey, SqliteHuey
from sqlalchemy import event
from sqlalchemy.orm import Session

from forum.database import WRITING_JOB
from forum.extensions import db

log = logging.getLogger("forum")

JOB_MODULES = ("forum.mail.delivery", "forum.auth.accounts", "forum.auth.export",
               "forum.reminders")
_PENDING = "forum_jobs_after_commit"


@dataclass(frozen=True)
class Job:
    name: str
    function: Callable
    schedule: Callable | None = None  # a huey crontab


JOBS: dict[str, Job] = {}


def job(name: str, schedule: Callable | None = None):
    """Declare a background job (periodic when `schedule` is given)."""

    def declare(function: Callable) -> Callable:
        JOBS[name] = Job(name, function, schedule)
        return function

    return declare


def make_huey(app: Flask):
    """The huey instance JOBS_URL names: sqlite:///PATH (default instance/jobs.db),
    redis://host:port/N, or memory:// (tests: jobs wait until the test runs them)."""
    url = app.config.get("JOBS_URL") or f"sqlite:///{Path(app.instance_path) / 'jobs.db'}"
    if url == "memory://":
        return MemoryHuey("forum", immediate=False, utc=True)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey("forum", filename=str(path), utc=True)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("forum", url=url, utc=True)
    raise RuntimeError(f"JOBS_URL must be sqlite:///PATH or redis://host:port/N, not {url!r}.")


def _in_app(app: Flask, function: Callable) -> Callable:
    def run(*args, **kwargs):
        marker = WRITING_JOB.set(True)  # SQLite: take the write lock when a transaction begins
        try:
            with app.app_context():
                try:
                    return function(*args, **kwargs)
                finally:
                    db.session.remove()
        finally:
            WRITING_JOB.reset(marker)

    run.__name__ = function.__name__
    return run


class Jobs:
    """One app's queue: its huey instance and a huey task per declared job."""

    def __init__(self, app: Flask):
        import importlib

        for module in JOB_MODULES:
            importlib.import_module(module)
        self.huey = make_huey(app)
        self.tasks = {}
        for spec in JOBS.values():
            if spec.schedule is not None:
                decorate = self.huey.periodic_task(spec.schedule, name=spec.name)
            else:
                decorate = self.huey.task(name=spec.name)
            self.tasks[spec.name] = decorate(_in_app(app, spec.function))

    def enqueue(self, name: str, *args, delay: float | None = None) -> None:
        task = self.tasks[name]
        if delay:
            task.schedule(args=args, delay=delay)
        else:
            task(*args)


def jobs() -> Jobs:
    return current_app.extensions["jobs"]


def enqueue(name: str, *args, delay: float | None = None) -> None:
    """Queue a job now (from a job, or after a commit); never from inside a transaction."""
    jobs().enqueue(name, *args, delay=delay)


def after_commit(name: str, *args) -> None:
    """Queue a job when the current transaction commits; nothing when it rolls back."""
    pending = db.session.info.setdefault(_PENDING, [])
    pending.append((current_app.extensions["jobs"], name, args))


def _enqueue_committed(session: Session) -> None:
    for queue, name, args in session.info.pop(_PENDING, []):
        try:
            queue.enqueue(name, *args)
        except Exception:  # the queue is down: the sweep finds the committed rows later
            log.exception("could not queue job %s; the sweep will pick it up", name)


def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


def init_app(app: Flask) -> None:
    from forum.mail.transport import MailConfigError, SmtpTransport

    if app.config.get("MAIL_URL"):
        try:
            SmtpTransport(app.config["MAIL_URL"])  # refuse a bad MAIL_URL at start, not later
        except (MailConfigError, ValueError) as error:
            raise RuntimeError(str(error)) from None
    app.extensions["jobs"] = Jobs(app)
    if not event.contains(Session, "after_commit", _enqueue_committed):
        event.listen(Session, "after_commit", _enqueue_committed)
        event.listen(Session, "after_rollback", _forget)


def run_worker(app: Flask, workers: int) -> None:
    """Run huey's consumer in this process until SIGINT or SIGTERM (`forum worker`)."""
    consumer = app.extensions["jobs"].huey.create_consumer(
        workers=workers, worker_type="thread", periodic=True, check_worker_health=True,
        max_delay=1.0,  # an idle worker looks for new jobs at least every second
    )
    consumer.run()
