"""A GET never changes anything (issue 10, item 17).

Every GET route of the URL map, with ids of everything the forum holds (notifications
included), as a visitor, a member, the content's author, a moderator and a suspended member,
through pages and the API: every row of every table is the same afterwards. Following an
unread notification marks it read only through the inbox's POST button."""

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Notification
from tests.api_support import bearer
from tests.moderation_support import fast_passwords  # noqa: F401
from tests.route_support import (
    build_site,
    changed_tables,
    concrete_paths,
    link_tokens,
    table_snapshot,
)

# Every GET includes the dataset download, which reads a snapshot on a connection of its own.
pytestmark = pytest.mark.real_commits

VIEWERS = ("anonymous", "reader", "author", "mod", "suspended")


@pytest.fixture
def site(article):
    return build_site(article)


def every_value(site):
    notes = [note.id for note in site["notifications"]]
    by_type = {"prediction": [site["visible"].id, site["hidden"].id],
               "comment": [site["comment"].id, site["hidden_comment"].id],
               "resolution": [site["resolution"].id]}

    def values(name, chosen):
        return {
            "slug": [site["visible"].article.slug],
            "prediction_id": [site["visible"].id, site["hidden"].id],
            "comment_id": [site["comment"].id, site["on_hidden"].id],
            "target_id": by_type.get(chosen.get("target_type"), []),
            "notification_id": notes,
            "username": ["author", "reader"],
            "user_id": [site["author"].id],
            "flag_id": [site["flag"].id],
            "token_id": [site["token_id"]],
            "token": link_tokens(site["reader"]),
            "export_id": [1],
        }[name]

    return values


@pytest.mark.parametrize("viewer", VIEWERS)
def test_no_get_route_writes(auth, app, client, site, viewer):
    headers = {}
    if viewer == "suspended":
        auth.login("reader")
        headers = bearer(site["reader"])
        site["reader"].suspended = True
        db.session.commit()
    elif viewer != "anonymous":
        auth.login(viewer)
        headers = bearer(site[viewer])
    paths = concrete_paths(app, {"GET"}, every_value(site))
    assert any(endpoint == "notifications.show_notification" for _m, endpoint, _p in paths)
    before = table_snapshot()
    for _method, _endpoint, path in paths:
        for extra in ({}, headers) if path.startswith("/api/") else ({},):
            response = client.get(path, headers=extra)
            assert response.status_code < 500, (path, response.status_code)
            assert changed_tables(before, table_snapshot()) == [], path


def test_following_a_notification_reads_it_only_by_post(auth, client, site):
    # the reader's reply to the author's comment notified the author
    note = next(note for note in site["notifications"] if note.user_id == site["author"].id
                and note.prediction_id == site["visible"].id and note.kind == "reply")
    auth.login("author")
    inbox = client.get("/notifications").get_data(as_text=True)
    assert f'<form method="post" action="/notifications/{note.id}" class="inbox-message' in inbox
    assert f'href="/notifications/{note.id}"' not in inbox  # no link to follow with a GET
    looked = client.get(f"/notifications/{note.id}")
    assert looked.status_code == 302
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at is None
    opened = client.post(f"/notifications/{note.id}")
    assert opened.status_code == 303
    assert opened.location.endswith(f"/predictions/{site['visible'].id}#comment-"
                                    f"{note.comment_id}")
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at is not None
    unread = db.session.scalars(select(Notification.id).where(
        Notification.user_id == note.user_id, Notification.read_at.is_(None))).all()
    assert note.id not in unread
