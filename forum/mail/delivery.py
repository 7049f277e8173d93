"""Delivery: a row per email in the main database, a job that sends it once, retries with
backoff, and a sweep for what was committed but never queued (SPEC.md §9 Delivery).

A row is `queued` when its transaction commits. A `send_emails` job claims it with one
UPDATE … WHERE status = 'queued' (of two jobs holding the same id, one claims it and the other
does nothing), sends it and marks it `sent`. A failed send puts it back to `queued` with the
next attempt due after a backoff (30 s, 2 min, 8 min, …) and schedules a job for then; after
`MAX_ATTEMPTS` it is `failed`. A claim whose worker died is given back after `SEND_LEASE`.
"""

import logging
import smtplib
import uuid
from datetime import timedelta

from flask import current_app
from huey import crontab
from sqlalchemy import JSON, Integer, String, cast, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from forum import clock
from forum.extensions import db
from forum.jobs import after_commit, enqueue, job
from forum.mail.kinds import KINDS
from forum.models import EmailDelivery, User
from forum.site import absolute_url

log = logging.getLogger("forum")

MAX_ATTEMPTS = 7
RETRY_FACTOR = 4
SEND_LEASE = timedelta(minutes=10)
SWEEP_GRACE = timedelta(minutes=2)
BATCH = 50  # emails per job, over one SMTP connection
_QUIET = {"page_cache_internal": True}  # delivery bookkeeping changes no page


def _insert(table):
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def retry_delay(attempts: int) -> float:
    """Seconds before the next try after `attempts` failed ones: 30 s, 2 min, 8 min, …"""
    base = float(current_app.config.get("MAIL_RETRY_SECONDS", 30))
    return base * RETRY_FACTOR ** max(attempts - 1, 0)


def queue(kind: str, *, user: User | None = None, recipient: str | None = None,
          dedupe_key: str | None = None, params: dict | None = None) -> int | None:
    """Record an email to send once this transaction commits; returns its id, or None when
    one with the same `dedupe_key` exists already (it is never sent twice)."""
    if kind not in KINDS:
        raise ValueError(f"unknown email kind {kind!r}")
    statement = _insert(EmailDelivery).values(
        user_id=user.id if user is not None else None, recipient=recipient, kind=kind,
        dedupe_key=(dedupe_key or f"{kind}:{uuid.uuid4().hex}")[:200], params=params or {},
        status="queued", attempts=0, created_at=clock.now(), next_attempt_at=clock.now(),
        last_error="",
    ).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(EmailDelivery.id)
    delivery_id = db.session.execute(statement, execution_options=_QUIET).scalar()
    if delivery_id is not None:
        after_commit("send_emails", [delivery_id])
    return delivery_id


def queue_many(kind: str, who, dedupe_prefix: str, params: dict | None = None) -> int:
    """Record one email per user matching `who` (a condition on User) in one INSERT …
    SELECT, leaving out deleted accounts and those who switched the kind off; a single
    dispatch job queues their sends after the commit. Returns how many were recorded."""
    switch = KINDS[kind].switch
    now = clock.now()
    when = literal(now, EmailDelivery.created_at.type)
    rows = select(
        User.id, literal(kind, String), literal(dedupe_prefix, String) + cast(User.id, String),
        literal(params or {}, JSON), literal("queued", String), literal(0, Integer), when, when,
        literal("", String),
    ).where(who, User.deleted_at.is_(None), User.email.is_not(None),
            *([getattr(User, switch).is_(True)] if switch else []))
    statement = _insert(EmailDelivery).from_select(
        ["user_id", "kind", "dedupe_key", "params", "status", "attempts", "created_at",
         "next_attempt_at", "last_error"], rows,
    ).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(EmailDelivery.id)
    ids = list(db.session.execute(statement, execution_options=_QUIET).scalars())
    if ids:
        after_commit("dispatch_emails", ids)
    return len(ids)


@job("dispatch_emails")
def dispatch_emails(ids: list[int]) -> None:
    """Split many deliveries into send jobs of `BATCH` each."""
    for start in range(0, len(ids), BATCH):
        enqueue("send_emails", ids[start:start + BATCH])


def _claim(delivery_id: int) -> bool:
    claimed = db.session.execute(
        update(EmailDelivery)
        .where(EmailDelivery.id == delivery_id, EmailDelivery.status == "queued")
        .values(status="sending", claimed_at=clock.now(), attempts=EmailDelivery.attempts + 1),
        execution_options=_QUIET,
    ).rowcount
    db.session.commit()
    return claimed == 1


def _finish(delivery_id: int, **values) -> None:
    db.session.execute(update(EmailDelivery).where(EmailDelivery.id == delivery_id)
                       .values(**values), execution_options=_QUIET)
    db.session.commit()


def compose(delivery: EmailDelivery):
    """The message for a delivery, or None when it should not be sent (the kind is switched
    off, the account is gone, or what it was about no longer exists)."""
    from forum.mail.message import build_message, render

    kind = KINDS.get(delivery.kind)
    user = delivery.user
    if kind is None:
        raise ValueError(f"unknown email kind {delivery.kind!r}")
    address = delivery.recipient or (user.email if user is not None else None)
    if not address or (user is not None and user.is_deleted):
        return None
    if kind.switch and (user is None or not getattr(user, kind.switch)):
        return None
    context = kind.build(delivery, user)
    if context is None:
        return None
    unsubscribe_url = None
    if kind.switch:
        from forum import tokens

        unsubscribe_url = absolute_url("auth.unsubscribe", token=tokens.make(
            "unsubscribe", {"u": user.id, "k": kind.switch}))
    subject, text, html = render(kind.template, user=user, site_url=current_app.config["SITE_URL"],
                                 unsubscribe_url=unsubscribe_url, **context)
    return build_message(address, subject, text, html, unsubscribe_url)


def _permanent(error: Exception) -> bool:
    """An answer that no retry changes (the server refused the recipient for good)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500 \
        and not isinstance(error, smtplib.SMTPServerDisconnected)


@job("send_emails")
def send_emails(ids: list[int]) -> None:
    """Send each delivery that is still queued; once each, whatever runs this twice."""
    from forum.mail.transport import file_name, open_transport

    transport = open_transport()
    try:
        for delivery_id in ids:
            if not _claim(delivery_id):
                continue
            delivery = db.session.get(EmailDelivery, delivery_id)
            try:
                message = compose(delivery)
            except Exception as error:  # a bug or missing data: retrying won't help
                log.exception("email %s (%s) could not be composed", delivery_id, delivery.kind)
                _finish(delivery_id, status="failed", last_error=repr(error)[:2000])
                continue
            if message is None:
                _finish(delivery_id, status="skipped")
                continue
            attempts, kind = delivery.attempts, delivery.kind
            db.session.rollback()  # hold no transaction (nor SQLite's lock) while sending
            try:
                where = transport.send(message, file_name(delivery_id))
            except (OSError, smtplib.SMTPException) as error:
                final = attempts >= MAX_ATTEMPTS or _permanent(error)
                delay = retry_delay(attempts)
                log.warning("email %s (%s) not sent, attempt %s: %r%s", delivery_id,
                            kind, attempts, error,
                            "; giving up" if final else f"; retrying in {delay:.0f} s")
                _finish(delivery_id, status="failed" if final else "queued",
                        last_error=repr(error)[:2000],
                        next_attempt_at=clock.now() + timedelta(seconds=delay))
                if not final:  # the sweep re-queues it should this process die right here
                    enqueue("send_emails", [delivery_id], delay=delay)
                continue
            _finish(delivery_id, status="sent", sent_at=clock.now(), last_error="")
            log.info("email %s (%s) sent via %s", delivery_id, kind, where)
    finally:
        transport.close()
        db.session.rollback()


@job("sweep_emails", schedule=crontab(minute="*"))
def sweep_emails() -> int:
    """Re-queue what was committed but never sent: claims whose worker died, and queued rows
    overdue by more than a couple of minutes (their job was never queued, or was lost)."""
    now = clock.now()
    db.session.execute(
        update(EmailDelivery)
        .where(EmailDelivery.status == "sending", EmailDelivery.claimed_at < now - SEND_LEASE)
        .values(status="queued", next_attempt_at=now), execution_options=_QUIET,
    )
    ids = list(db.session.scalars(
        select(EmailDelivery.id).where(EmailDelivery.status == "queued",
                                       EmailDelivery.next_attempt_at < now - SWEEP_GRACE)
        .order_by(EmailDelivery.id).limit(10_000)
    ))
    if ids:
        db.session.execute(update(EmailDelivery).where(EmailDelivery.id.in_(ids))
                           .values(next_attempt_at=now), execution_options=_QUIET)
    db.session.commit()
    if ids:
        log.info("sweep: re-queued %s emails", len(ids))
        dispatch_emails(ids)
    return len(ids)
