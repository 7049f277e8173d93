"""The inbox: notifications newest first, unread highlighted, marked read one by one or all at
once; the unread count in the navigation; one notification per event."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import clock
from forum.extensions import db
from forum.models import Notification
from forum.notifications.services import notify
from tests.factories import make_comment, make_prediction, make_user
from tests.moderation_support import (
    closed_prediction,
    count,
    fast_passwords,  # noqa: F401
    resolve,
)


@pytest.fixture
def users(app):
    return {"alice": make_user("alice"), "bob": make_user("bob"),
            "mod": make_user("mod", role="moderator")}


def unread_badge(page: str) -> str | None:
    match = re.search(r'<span class="count-badge">(\d+)</span>', page)
    return match.group(1) if match else None


def add(user, number, minutes_ago=0, **fields):
    note = notify(user.id, kind="comment", event_key=f"test:{number}",
                  message=f"Notification number {number}", **fields)
    note.created_at = clock.now() - timedelta(minutes=minutes_ago)
    return note


def test_a_resolution_reaches_the_forecasters_inbox_with_the_outcome(auth, client, article, users):
    prediction = closed_prediction(article, users["alice"], title="It will rain on Friday",
                                   forecasts=[(users["bob"], 0.3, 5)])
    resolve(prediction, users["mod"], "no")
    auth.login("bob")
    page = client.get("/notifications").get_data(as_text=True)
    assert "“It will rain on Friday” resolved NO." in page
    assert "is-unread" in page
    assert unread_badge(client.get("/").get_data(as_text=True)) == "1"
    link = re.search(r'<form method="post" action="(/notifications/\d+)" class="inbox-message',
                     page).group(1)
    looked = client.get(link)  # a GET leads there too, but reads nothing and writes nothing
    assert looked.status_code == 302
    assert looked.headers["Location"].endswith(f"/predictions/{prediction.id}#resolution")
    assert unread_badge(client.get("/").get_data(as_text=True)) == "1"
    response = client.post(link)  # the inbox's button
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/predictions/{prediction.id}#resolution")
    assert unread_badge(client.get("/").get_data(as_text=True)) is None  # following it reads it
    page = client.get("/notifications").get_data(as_text=True)
    assert f'href="{link}"' in page  # once read, a plain link


def test_replies_and_comments_notify_with_links_to_the_comment(auth, client, article, users):
    prediction = make_prediction(article, users["alice"])
    comment = make_comment(prediction, users["bob"], "I disagree.")
    reply = make_comment(prediction, users["alice"], "Why?", parent=comment)
    auth.login("bob")
    page = client.get("/notifications").get_data(as_text=True)
    assert "alice replied to your comment" in page
    note = db.session.scalars(select(Notification).where(
        Notification.user_id == users["bob"].id)).one()
    response = client.get(f"/notifications/{note.id}")
    assert response.headers["Location"].endswith(
        f"/predictions/{prediction.id}#comment-{reply.id}")


def test_newest_first_and_paged(auth, client, users):
    for number in range(25):
        add(users["bob"], number, minutes_ago=100 - number)
    db.session.commit()
    auth.login("bob")
    first = client.get("/notifications").get_data(as_text=True)
    numbers = [int(n) for n in re.findall(r"Notification number (\d+)", first)]
    assert numbers == list(range(24, 4, -1))
    second = client.get("/notifications?page=2").get_data(as_text=True)
    assert [int(n) for n in re.findall(r"Notification number (\d+)", second)] == [4, 3, 2, 1, 0]
    assert client.get("/notifications?page=x").status_code == 422


def test_mark_one_read(auth, client, users):
    first, second = add(users["bob"], 1), add(users["bob"], 2)
    db.session.commit()
    auth.login("bob")
    response = client.post(f"/notifications/{first.id}/read", data={"page": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/notifications")
    db.session.expire_all()
    assert db.session.get(Notification, first.id).read_at is not None
    assert db.session.get(Notification, second.id).read_at is None
    assert unread_badge(client.get("/notifications").get_data(as_text=True)) == "1"


def test_mark_all_read(auth, client, users):
    for number in range(3):
        add(users["bob"], number)
    add(users["alice"], 99)
    db.session.commit()
    auth.login("bob")
    response = client.post("/notifications/read")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Marked 3 notifications as read." in page
    assert unread_badge(page) is None
    assert "is-unread" not in page
    assert count(Notification, Notification.read_at.is_(None)) == 1  # alice's is untouched


def test_nobody_marks_anothers_notification(auth, client, users):
    note = add(users["alice"], 1)
    db.session.commit()
    auth.login("bob")
    client.post(f"/notifications/{note.id}/read")
    assert client.get(f"/notifications/{note.id}").status_code == 404
    client.post("/notifications/99999/read")
    assert client.post("/notifications/99999999999/read").status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at is None


def test_inbox_needs_login(client, users):
    response = client.get("/notifications")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/notifications/read").status_code == 302
    assert count(Notification) == 0


def test_empty_inbox_says_what_will_arrive(auth, client, users):
    auth.login("bob")
    page = client.get("/notifications").get_data(as_text=True)
    assert "No notifications yet" in page


def test_a_suspended_member_can_read_their_inbox_but_not_change_it(auth, client, users):
    """Reading is allowed; marking read is a write, and a suspended member writes nothing
    (issue 10, item 3)."""
    note = add(users["bob"], 1)
    db.session.commit()
    auth.login("bob")
    users["bob"].suspended = True
    db.session.commit()
    assert client.get("/notifications").status_code == 200
    assert client.post("/notifications/read").status_code == 403
    assert client.post(f"/notifications/{note.id}/read").status_code == 403
    assert client.post(f"/notifications/{note.id}").status_code == 403
    assert count(Notification, Notification.read_at.is_(None)) == 1


def test_one_notification_per_event_even_if_notified_again(app, users):
    assert notify(users["bob"].id, kind="reply", event_key="reply:1", message="a") is not None
    db.session.commit()
    assert notify(users["bob"].id, kind="reply", event_key="reply:1", message="a") is None
    assert notify(users["alice"].id, kind="reply", event_key="reply:1", message="a") is not None
    assert notify(users["bob"].id, kind="reply", event_key="reply:2", message="b",
                  actor_id=users["bob"].id) is None  # nobody is told about their own act
    db.session.commit()
    rows = db.session.execute(select(Notification.user_id, Notification.event_key)).all()
    assert sorted(rows) == sorted([(users["bob"].id, "reply:1"), (users["alice"].id, "reply:1")])


def test_a_correction_is_a_new_event(client, article, users):
    prediction = closed_prediction(article, users["alice"], forecasts=[(users["bob"], 0.3, 5)])
    resolve(prediction, users["mod"], "no")
    resolve(prediction, users["mod"], "yes", correction=True)
    kinds = db.session.scalars(select(Notification.kind).where(
        Notification.user_id == users["bob"].id).order_by(Notification.id)).all()
    assert kinds == ["resolved", "corrected"]
    message = db.session.scalars(select(Notification.message).where(
        Notification.kind == "corrected", Notification.user_id == users["bob"].id)).one()
    assert "was corrected to YES." in message


def test_inbox_queries_do_not_grow_with_its_size(auth, client, users, count_queries):
    add(users["bob"], 0)
    db.session.commit()
    auth.login("bob")
    client.get("/notifications")
    with count_queries() as few:
        client.get("/notifications")
    for number in range(1, 20):
        add(users["bob"], number)
    db.session.commit()
    with count_queries() as many:
        client.get("/notifications")
    assert len(many) == len(few)


def test_the_badge_counts_to_99_then_reads_99_plus(auth, client, users):
    for number in range(99):
        add(users["bob"], number)
    db.session.commit()
    auth.login("bob")
    assert unread_badge(client.get("/").get_data(as_text=True)) == "99"
    add(users["bob"], 99)
    add(users["bob"], 100)
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert page.count('<span class="count-badge">99+</span>') == 1  # the inbox link
    assert '<span class="count-badge">99+<span class="visually-hidden"> unread</span>' in page
    assert "Mark all as read" in client.get("/notifications").get_data(as_text=True)
