"""Real parts for email tests: an SMTP server (aiosmtpd) on a free port, a way to run the
jobs an app queued (the test config keeps them in memory until then), and the links in a
message. The `smtp_server` fixture (tests/fixtures/services.py) starts an `SmtpServer` for a test.
"""

import re
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller

from tests.servers import free_port

LINK = re.compile(r"https?://[^\s<>\"]+")


class Inbox:
    """What the SMTP server received, parsed; `wait_for(n)` blocks until n messages came."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._arrived = threading.Condition()
        self.refuse = False  # answer 451 to every message while True

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 Try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._arrived:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self._arrived.notify_all()
        return "250 OK"

    def wait_for(self, count: int, seconds: float = 20) -> list[EmailMessage]:
        deadline = time.monotonic() + seconds
        with self._arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.messages)} of {count} emails arrived "
                                         f"in {seconds} s")
                self._arrived.wait(left)
            return list(self.messages)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]


class SmtpServer:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.inbox = Inbox()
        self.controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> "SmtpServer":
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def links_in(message: EmailMessage) -> list[str]:
    return LINK.findall(text_of(message))


def path_of(url: str) -> str:
    return urlsplit(url).path


def run_jobs(app, rounds: int = 20) -> int:
    """Run every job the app's (in-memory) queue holds, and those they queue, now; jobs
    scheduled for later run when due. Returns how many ran."""
    huey = app.extensions["jobs"].huey
    ran = 0
    for _ in range(rounds):
        for task in huey.read_schedule():
            huey.enqueue(task)
        progressed = False
        while (task := huey.dequeue()) is not None:
            if task.eta is not None and task.eta > huey._get_timestamp():
                huey.add_schedule(task)
                continue
            huey.execute(task)
            ran += 1
            progressed = True
        if not progressed:
            break
    return ran


def scheduled_count(app) -> int:
    return app.extensions["jobs"].huey.scheduled_count()


def composed(kind: str, index: int = -1) -> EmailMessage:
    """The message a queued delivery of this kind would send, built as the job builds it
    (for tests that need a link from an email but not the SMTP round trip)."""
    from sqlalchemy import select

    from forum.extensions import db
    from forum.mail.delivery import compose
    from forum.models import EmailDelivery

    rows = db.session.scalars(select(EmailDelivery).where(EmailDelivery.kind == kind)
                              .order_by(EmailDelivery.id)).all()
    assert rows, f"no {kind} email was queued"
    message = compose(rows[index])
    assert message is not None, f"the {kind} email would not be sent"
    return message


def activate_latest(client) -> None:
    """Follow the newest activation link, as the new member would."""
    link = links_in(composed("activate"))[0]
    response = client.post(path_of(link))
    assert response.status_code == 302, response.get_data(as_text=True)


def emailed_link(app, smtp: SmtpServer, to: str, site_url: str, index: int = 0) -> str:
    """Send what the app has queued through the SMTP server (as the worker would), then the
    first link of the newest email to `to`: what a person clicks in their inbox."""
    app.config.update(MAIL_URL=smtp.url, SITE_URL=site_url)
    with app.app_context():
        run_jobs(app)
    messages = smtp.inbox.to(to)
    assert messages, f"no email to {to}; got {[m['To'] for m in smtp.inbox.messages]}"
    return links_in(messages[-1])[index]
