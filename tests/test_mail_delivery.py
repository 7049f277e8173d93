"""Mail and delivery with real parts: an SMTP server on a free port, the app's job queue,
the delivery rows in the database (SPEC.md §9 Delivery)."""

import logging
import time
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select, update

from forum import clock
from forum.extensions import db
from forum.jobs import enqueue
from forum.mail import queue
from forum.mail.delivery import SWEEP_GRACE, retry_delay, sweep_emails
from forum.mail.message import build_message
from forum.models import EmailDelivery
from tests.factories import make_user
from tests.mail_support import (
    SmtpServer,
    links_in,
    path_of,
    run_jobs,
    scheduled_count,
    text_of,
)
from tests.servers import free_port


@pytest.fixture
def mail_app(make_app, smtp_server):
    app = make_app(MAIL_URL=smtp_server.url, MAIL_FROM="Forum <forum@example.org>",
                   SITE_URL="https://forum.example.org")
    with app.app_context():
        yield app


def delivery(delivery_id: int) -> EmailDelivery:
    db.session.commit()  # end this session's transaction, to read what the jobs wrote
    return db.session.get(EmailDelivery, delivery_id)


# The message --------------------------------------------------------------------------------

def test_a_message_has_a_text_part_date_message_id_and_one_click_unsubscribe(app):
    message = build_message("bob@example.com", "A  subject\nsplit", "Hello\n", "<p>Hello</p>",
                            unsubscribe_url="https://forum.example.org/unsubscribe/abc")
    parsed = message_from_bytes(bytes(message), policy=policy.default)
    assert parsed["Subject"] == "A subject split"
    assert parsed["From"] == "Forecast Forum <noreply@localhost>"
    assert parsed["Date"] and parsed["Message-ID"].endswith("@localhost>")
    assert parsed["List-Unsubscribe"] == "<https://forum.example.org/unsubscribe/abc>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed.get_body(("plain",)).get_content() == "Hello\n"
    assert parsed.get_body(("html",)).get_content().strip() == "<p>Hello</p>"


def test_account_mail_is_text_only_and_carries_links_built_from_site_url(mail_app,
                                                                        smtp_server):
    user = make_user("bob", email_verified_at=None)
    queue("activate", user=user)
    db.session.commit()
    run_jobs(mail_app)
    [message] = smtp_server.inbox.wait_for(1)
    assert message["To"] == "bob@example.com"
    assert message["From"] == "Forum <forum@example.org>"
    assert message["Subject"] == "Activate your Forecast Forum account"
    assert message.get_content_type() == "text/plain"
    link = links_in(message)[0]
    assert link.startswith("https://forum.example.org/activate/")
    assert smtp_server.inbox.envelopes[0] == ("forum@example.org", ["bob@example.com"])


def test_without_mail_url_each_email_is_a_file_in_the_mail_folder_and_its_path_logged(
        make_app, tmp_path, caplog):
    app = make_app(MAIL_DIR=str(tmp_path / "mail"))
    with app.app_context():
        user = make_user("bob", email_verified_at=None)
        delivery_id = queue("activate", user=user)
        db.session.commit()
        with caplog.at_level(logging.INFO, logger="forum"):
            run_jobs(app)
        path = tmp_path / "mail" / f"{delivery_id:06d}.eml"
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert "/activate/" in text_of(message)
        assert str(path) in caplog.text
        assert delivery(delivery_id).status == "sent"


# Delivery -----------------------------------------------------------------------------------

def test_a_job_is_queued_only_when_its_transaction_commits(mail_app, smtp_server):
    user = make_user("bob")
    huey = mail_app.extensions["jobs"].huey
    queue("reset_password", user=user)
    assert huey.pending_count() == 0  # not before the commit
    db.session.rollback()
    assert huey.pending_count() == 0
    assert db.session.scalars(select(EmailDelivery)).all() == []
    queue("reset_password", user=user)
    db.session.commit()
    assert huey.pending_count() == 1


def test_an_email_is_sent_once_however_often_its_job_runs(mail_app, smtp_server):
    user = make_user("bob")
    delivery_id = queue("reset_password", user=user)
    db.session.commit()
    enqueue("send_emails", [delivery_id])
    enqueue("send_emails", [delivery_id, delivery_id])
    assert run_jobs(mail_app) == 3
    time.sleep(0.2)
    assert len(smtp_server.inbox.messages) == 1
    assert delivery(delivery_id).status == "sent"
    assert delivery(delivery_id).attempts == 1


def test_the_same_event_makes_one_delivery(mail_app):
    user = make_user("bob")
    first = queue("reset_password", user=user, dedupe_key="once:1")
    second = queue("reset_password", user=user, dedupe_key="once:1")
    db.session.commit()
    assert first is not None and second is None
    assert len(db.session.scalars(select(EmailDelivery)).all()) == 1


def test_the_first_retry_comes_within_a_minute_then_backs_off(app):
    assert retry_delay(1) <= 60
    assert retry_delay(1) < retry_delay(2) < retry_delay(3)


def test_smtp_down_while_the_job_runs_then_up_the_email_arrives(make_app):
    port = free_port()  # nothing listens here yet
    app = make_app(MAIL_URL=f"smtp://127.0.0.1:{port}", MAIL_RETRY_SECONDS=0.5)
    with app.app_context():
        user = make_user("bob")
        delivery_id = queue("reset_password", user=user)
        db.session.commit()
        run_jobs(app)
        row = delivery(delivery_id)
        assert row.status == "queued" and row.attempts == 1
        assert "Connection refused" in row.last_error or "ConnectionRefused" in row.last_error
        assert row.next_attempt_at <= clock.now() + timedelta(seconds=60)
        assert scheduled_count(app) == 1  # the retry waits in the queue's schedule
        server = SmtpServer(port).start()
        try:
            time.sleep(0.6)
            run_jobs(app)
            [message] = server.inbox.wait_for(1)
            assert "/reset-password/" in text_of(message)
            assert delivery(delivery_id).status == "sent"
            assert delivery(delivery_id).attempts == 2
        finally:
            server.stop()


def test_a_server_that_refuses_for_now_is_retried(mail_app, smtp_server):
    smtp_server.inbox.refuse = True
    app = mail_app
    app.config["MAIL_RETRY_SECONDS"] = 0.3
    delivery_id = queue("reset_password", user=make_user("bob"))
    db.session.commit()
    run_jobs(app)
    assert delivery(delivery_id).status == "queued"
    assert "451" in delivery(delivery_id).last_error
    smtp_server.inbox.refuse = False
    time.sleep(0.4)
    run_jobs(app)
    smtp_server.inbox.wait_for(1)
    assert delivery(delivery_id).status == "sent"


def test_the_sweep_requeues_what_was_committed_but_never_queued(mail_app,
                                                                smtp_server):
    user = make_user("bob")
    lost = queue("reset_password", user=user)
    db.session.info.pop("forum_jobs_after_commit")  # as if the process died after the commit
    stuck = queue("reset_password", user=user)
    db.session.commit()
    long_ago = clock.now() - SWEEP_GRACE - timedelta(minutes=20)
    db.session.execute(update(EmailDelivery).where(EmailDelivery.id == lost)
                       .values(next_attempt_at=long_ago))
    # A worker claimed this one and died before sending it.
    db.session.execute(update(EmailDelivery).where(EmailDelivery.id == stuck)
                       .values(status="sending", claimed_at=long_ago, attempts=1))
    db.session.commit()
    mail_app.extensions["jobs"].huey.flush()
    assert sweep_emails() == 1  # the lost one; the stuck one is due again from now
    run_jobs(mail_app)
    assert delivery(lost).status == "sent"
    assert delivery(stuck).status == "queued"
    db.session.execute(update(EmailDelivery).where(EmailDelivery.id == stuck)
                       .values(next_attempt_at=long_ago))
    db.session.commit()
    assert sweep_emails() == 1
    run_jobs(mail_app)
    assert delivery(stuck).status == "sent"
    assert len(smtp_server.inbox.wait_for(2)) == 2


def test_a_kind_switched_off_is_skipped_not_sent(mail_app, smtp_server):
    user = make_user("bob", email_replies=False)
    delivery_id = queue("reply", user=user, params={"comment_id": 1})
    db.session.commit()
    run_jobs(mail_app)
    assert delivery(delivery_id).status == "skipped"
    assert smtp_server.inbox.messages == []


def test_the_unsubscribe_link_of_an_email_works_with_a_post_and_no_cookie(
        make_app, smtp_server):
    from tests.factories import make_article, make_comment, make_prediction

    app = make_app(MAIL_URL=smtp_server.url)
    with app.app_context():
        article = make_article()
        alice, bob = make_user("alice"), make_user("bob")
        prediction = make_prediction(article, alice)
        parent = make_comment(prediction, alice, "First")
        make_comment(prediction, bob, "A reply", parent=parent)
        run_jobs(app)
        [message] = smtp_server.inbox.wait_for(1)
        url = message["List-Unsubscribe"].strip("<>")
        assert url in text_of(message)
        visitor = app.test_client()  # no cookie at all
        page = visitor.get(path_of(url))
        assert page.status_code == 200 and "Stop these emails" in page.get_data(as_text=True)
        db.session.expire_all()
        assert db.session.get(type(alice), alice.id).email_replies is True  # GET changed nothing
        response = visitor.post(path_of(url), data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
        db.session.expire_all()
        assert db.session.get(type(alice), alice.id).email_replies is False


def test_forum_jobs_status_shows_the_queue_and_the_failures(make_app):
    from sqlalchemy import update as sql_update

    app = make_app()
    with app.app_context():
        user = make_user("bob")
        first = queue("reset_password", user=user)
        queue("reset_password", user=user)
        db.session.commit()
        db.session.execute(sql_update(EmailDelivery).where(EmailDelivery.id == first)
                           .values(status="failed", attempts=7, last_error="SMTP said no"))
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["jobs", "status"])
        assert result.exit_code == 0, result.output
        assert "Queue: 2 waiting, 0 scheduled" in result.output
        assert "1 queued, 0 sending, 0 sent, 1 failed" in result.output
        assert f"failed #{first} reset_password after 7 attempts: SMTP said no" in result.output


def test_accounts_made_on_the_command_line_are_verified(app, runner):
    from forum.auth.services import find_user

    result = runner.invoke(args=["users", "create", "admin1", "--email", "a@example.com",
                                 "--password", "a long enough password", "--role", "admin"])
    assert result.exit_code == 0, result.output
    assert find_user("admin1").is_verified


def test_a_kind_with_an_html_template_sends_both_parts(mail_app, smtp_server):
    from jinja2 import ChoiceLoader, DictLoader

    mail_app.jinja_env.loader = ChoiceLoader([mail_app.jinja_env.loader, DictLoader({
        "auth/emails/reset_password.html": '<p>Reset: <a href="{{ link }}">here</a></p>'})])
    queue("reset_password", user=make_user("bob"))
    db.session.commit()
    run_jobs(mail_app)
    [message] = smtp_server.inbox.wait_for(1)
    assert message.get_content_type() == "multipart/alternative"
    html = message.get_body(("html",)).get_content()
    assert '<a href="http' in html and "/reset-password/" in html
    assert "/reset-password/" in text_of(message)
