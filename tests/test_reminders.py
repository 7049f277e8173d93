"""Reminders and digests (SPEC.md §9): `forum reminders send` and the worker's schedule; each
email once per member, prediction (or day) and kind, however often they run. And a
resolution with thousands of forecasters: the request records the emails set-based and
queues one job; jobs send them in batches."""

from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from forum import clock
from forum.extensions import db
from forum.models import EmailDelivery, Forecast, User
from forum.reminders import send_digests
from tests.api_support import bearer
from tests.factories import make_article, make_comment, make_forecast, make_prediction, make_user
from tests.mail_support import run_jobs, text_of
from tests.moderation_support import closed_prediction, fast_passwords  # noqa: F401


@pytest.fixture
def mail_app(make_app, smtp_server):
    app = make_app(MAIL_URL=smtp_server.url)
    with app.app_context():
        yield app


def hours_ago(hours: float):
    return clock.now() - timedelta(hours=hours)


def send_reminders_twice(app):
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["reminders", "send"])
        assert result.exit_code == 0, result.output
        run_jobs(app)
    return result.output


def test_a_prediction_closing_soon_reminds_each_stale_forecaster_once(mail_app,
                                                                      smtp_server):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    dave = make_user("dave", email_reminders=False)
    prediction = make_prediction(make_article(), alice, days_ahead=1,
                                 created_at=hours_ago(24 * 5))
    make_forecast(prediction, bob, 0.6, created_at=hours_ago(24 * 3 + 1))
    make_forecast(prediction, carol, 0.4, created_at=hours_ago(1))  # fresh: no reminder
    make_forecast(prediction, dave, 0.4, created_at=hours_ago(72))  # switched off
    later = make_prediction(make_article(), alice, title="A later question", days_ahead=30,
                            created_at=hours_ago(24 * 5))
    make_forecast(later, bob, 0.3, created_at=hours_ago(100))  # closes in a month: no reminder
    output = send_reminders_twice(mail_app)
    assert "Queued 0 closing-soon reminders" in output  # the second run found nothing new
    recipients = sorted(m["To"] for m in smtp_server.inbox.messages)
    assert recipients == ["alice@example.com", "bob@example.com"]  # alice: her own, 5 days old
    [to_bob] = smtp_server.inbox.to("bob@example.com")
    body = text_of(to_bob)
    assert "stops taking forecasts within" in body and "60 % is 3 days old" in body
    assert f"/predictions/{prediction.id}" in body
    assert to_bob["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_with_stale_after_zero_every_forecaster_is_reminded(make_app, smtp_server):
    app = make_app(MAIL_URL=smtp_server.url, REMINDERS_STALE_AFTER_HOURS=0)
    with app.app_context():
        alice, carol = make_user("alice"), make_user("carol")
        prediction = make_prediction(make_article(), alice, days_ahead=1)
        make_forecast(prediction, carol, 0.4)
        send_reminders_twice(app)
        assert sorted(m["To"] for m in smtp_server.inbox.messages) == [
            "alice@example.com", "carol@example.com"]


def test_moderators_get_one_daily_digest_of_predictions_waiting_for_resolution(
        mail_app, smtp_server):
    alice = make_user("alice")
    make_user("mod", role="moderator")
    make_user("root", role="admin")
    article = make_article()
    waiting = closed_prediction(article, alice, title="Waiting for a moderator")
    send_reminders_twice(mail_app)
    messages = smtp_server.inbox.messages
    assert sorted(m["To"] for m in messages) == ["mod@example.com", "root@example.com"]
    assert messages[0]["Subject"] == "1 prediction waiting for resolution"
    assert f"/predictions/{waiting.id}" in text_of(messages[0])


def test_no_digest_for_moderators_when_nothing_waits(mail_app, smtp_server):
    make_user("mod", role="moderator")
    send_reminders_twice(mail_app)
    assert smtp_server.inbox.messages == []


def test_an_author_gets_one_daily_digest_of_activity_on_their_predictions(
        mail_app, smtp_server):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    article = make_article()
    busy = make_prediction(article, alice, title="A busy question", created_at=hours_ago(48))
    make_prediction(article, alice, title="A quiet question", created_at=hours_ago(48))
    make_forecast(busy, bob, 0.7, created_at=hours_ago(3))
    make_forecast(busy, carol, 0.2, created_at=hours_ago(5))
    make_comment(busy, bob, "Interesting").created_at = hours_ago(4)
    db.session.commit()
    make_prediction(article, bob, title="Bob's own", created_at=hours_ago(48))
    for _ in range(2):
        send_digests()
        run_jobs(mail_app)
    [digest] = smtp_server.inbox.messages
    assert digest["To"] == "alice@example.com"
    body = text_of(digest)
    assert "“A busy question”: 2 forecasters, 1 comment" in body
    assert "A quiet question" not in body


# A resolution with thousands of forecasters ---------------------------------------------------

def add_forecasters(prediction, count: int) -> None:
    """`count` members with a forecast each, written set-based (as demo-data does)."""
    first = (db.session.scalar(select(func.max(User.id))) or 0) + 1
    now = clock.now()
    db.session.execute(insert(User), [
        {"id": first + n, "username": f"f{first + n}", "username_key": f"f{first + n}",
         "email": f"f{first + n}@example.com", "password_hash": "x", "role": "member",
         "bio": "", "suspension_flag": False, "joined_at": now, "email_verified_at": now}
        for n in range(count)])
    db.session.execute(insert(Forecast), [
        {"prediction_id": prediction.id, "user_id": first + n, "probability": 0.6,
         "created_at": now - timedelta(days=20)} for n in range(count)])
    db.session.commit()


def resolve_through_the_api(client, prediction, moderator):
    headers = bearer(moderator)
    return client.post(f"/api/v1/predictions/{prediction.id}/resolution",
                       json={"outcome": "yes", "note": "Reported."}, headers=headers)


@pytest.mark.slow
def test_resolving_for_5000_forecasters_records_their_emails_in_one_statement(
        app, client, count_queries):
    alice, mod = make_user("alice"), make_user("mod", role="moderator")
    small = closed_prediction(make_article(), alice, title="A small question")
    big = closed_prediction(make_article(), alice, title="A big question")
    add_forecasters(small, 50)
    add_forecasters(big, 5000)
    huey = app.extensions["jobs"].huey
    statements = {}
    for prediction in (small, big):
        huey.flush()
        with count_queries() as executed:
            response = resolve_through_the_api(client, prediction, mod)
        assert response.status_code == 200, response.get_data(as_text=True)
        statements[prediction.id] = len([s for s in executed if "email_deliveries" in s])
        assert huey.pending_count() == 1  # one dispatch job, whatever the number
    assert statements[small.id] == statements[big.id] == 1  # one INSERT … SELECT
    assert db.session.scalar(select(func.count()).select_from(EmailDelivery)) == 5051 + 1
    # The dispatch job splits them into send jobs of 50.
    task = huey.dequeue()
    huey.execute(task)
    assert huey.pending_count() == 5001 // 50 + 1


def test_a_resolutions_emails_go_out_in_batches_through_smtp(mail_app, smtp_server):
    alice, mod = make_user("alice"), make_user("mod", role="moderator")
    prediction = closed_prediction(make_article(), alice)
    add_forecasters(prediction, 120)
    client = mail_app.test_client()
    assert resolve_through_the_api(client, prediction, mod).status_code == 200
    ran = run_jobs(mail_app)
    assert ran == 1 + 3  # dispatch, then three send jobs of up to 50
    assert len(smtp_server.inbox.wait_for(121)) == 121
    assert db.session.scalar(select(func.count()).select_from(EmailDelivery)
                             .where(EmailDelivery.status == "sent")) == 121
