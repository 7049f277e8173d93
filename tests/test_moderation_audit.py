"""The audit log page: every moderator's and admin's action, paged, filterable by actor and
action; and the Atom feed of resolutions."""

import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest

from forum import clock
from forum.extensions import db
from forum.moderation import audit
from tests.factories import make_comment, make_prediction, make_user
from tests.moderation_support import (
    closed_prediction,
    fast_passwords,  # noqa: F401
    resolve,
)

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def staff(app):
    return {"alice": make_user("alice"), "mod": make_user("mod", role="moderator"),
            "root": make_user("root", role="admin")}


def entry_ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'id="audit-(\d+)"', page)]


def test_every_kind_of_action_appears_with_actor_target_and_reason(auth, client, article, staff):
    prediction = closed_prediction(article, staff["alice"], title="Audited claim for the log")
    resolve(prediction, staff["mod"], "yes", note="Confirmed by the agency.")
    comment = make_comment(make_prediction(article, staff["alice"]), staff["root"], "Hello")
    auth.login("mod")
    client.post(f"/moderation/comment/{comment.id}/hide", data={"reason": "Off topic"})
    client.post(f"/moderation/members/{staff['alice'].id}/suspend", data={"reason": "Spam"})
    client.post("/logout")
    auth.login("root")
    client.post(f"/moderation/members/{staff['alice'].id}/role",
                data={"role": "moderator", "reason": "Helpful"})
    page = client.get("/moderation/audit").get_data(as_text=True)
    assert len(entry_ids(page)) == 4
    for text in ("Confirmed by the agency.", "Off topic", "Spam", "Helpful",
                 "member → moderator", f'href="/predictions/{prediction.id}"',
                 f'href="/predictions/{comment.prediction_id}#comment-{comment.id}"'):
        assert text in page, text


def test_the_log_filters_by_actor_and_action(auth, client, article, staff):
    first = closed_prediction(article, staff["alice"])
    second = closed_prediction(article, staff["alice"])
    resolve(first, staff["mod"], "yes")
    resolve(second, staff["root"], "annulled")
    audit.record(staff["mod"], "suspend", "user", staff["alice"].id, "Spam", username="alice")
    db.session.commit()
    auth.login("mod")
    by_mod = client.get("/moderation/audit?actor=MOD").get_data(as_text=True)
    assert len(entry_ids(by_mod)) == 2
    annulments = client.get("/moderation/audit?action=annul").get_data(as_text=True)
    assert len(entry_ids(annulments)) == 1
    both = client.get("/moderation/audit?actor=mod&action=suspend").get_data(as_text=True)
    assert len(entry_ids(both)) == 1
    nobody = client.get("/moderation/audit?actor=ghost").get_data(as_text=True)
    assert entry_ids(nobody) == [] and "No entries match" in nobody
    assert client.get("/moderation/audit?action=explode").status_code == 422


def test_the_log_is_paged_newest_first(auth, client, staff):
    start = clock.now() - timedelta(hours=2)
    for number in range(60):
        entry = audit.record(staff["mod"], "hide", "comment", number + 1, f"Reason {number}")
        entry.created_at = start + timedelta(minutes=number)
    db.session.commit()
    auth.login("mod")
    first = client.get("/moderation/audit").get_data(as_text=True)
    reasons = [int(n) for n in re.findall(r"Reason (\d+)", first)]
    assert reasons == list(range(59, 9, -1))
    second = client.get("/moderation/audit?page=2").get_data(as_text=True)
    assert [int(n) for n in re.findall(r"Reason (\d+)", second)] == list(range(9, -1, -1))
    assert "Page 2 of 2" in second


def test_the_audit_log_is_for_moderators(auth, client, staff):
    assert "/login" in client.get("/moderation/audit").headers["Location"]
    auth.login()
    assert client.get("/moderation/audit").status_code == 403


def test_audit_page_query_count_is_fixed(auth, client, article, staff, count_queries):
    auth.login("mod")
    audit.record(staff["mod"], "suspend", "user", staff["alice"].id, "x", username="alice")
    db.session.commit()
    client.get("/moderation/audit")
    with count_queries() as few:
        client.get("/moderation/audit")
    for number in range(15):
        user = make_user(f"spammer{number}")
        audit.record(staff["root"], "suspend", "user", user.id, "spam", username=user.username)
        audit.record(staff["mod"], "hide", "comment", number + 1, "x", prediction_id=1)
    db.session.commit()
    with count_queries() as many:
        client.get("/moderation/audit")
    assert len(many) == len(few)


# The Atom feed of resolutions --------------------------------------------------------------------

def test_resolutions_feed_lists_every_resolution_and_correction(client, article, staff):
    prediction = closed_prediction(article, staff["alice"], title="A claim <with> & symbols")
    resolve(prediction, staff["mod"], "yes", source_url="https://example.com/a?b=1&c=2")
    resolve(prediction, staff["mod"], "no", note="Retracted.", correction=True)
    hidden = closed_prediction(article, staff["alice"], title="Hidden claim in the feed")
    resolve(hidden, staff["mod"], "yes")
    hidden.hidden = True
    db.session.commit()
    response = client.get(f"/articles/{article.slug}/resolutions.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = ElementTree.fromstring(response.data)
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]
    assert titles == ["Corrected to NO: A claim <with> & symbols",
                      "Resolved YES: A claim <with> & symbols"]
    first = next(feed.iter(f"{ATOM}entry"))
    assert first.find(f"{ATOM}link").get("href").startswith(
        f"http://localhost/predictions/{prediction.id}#resolution-")
    assert first.findtext(f"{ATOM}author/{ATOM}name") == "mod"
    assert "Retracted." in first.findtext(f"{ATOM}summary")
    assert feed.findtext(f"{ATOM}updated").endswith("Z")


def test_resolutions_feed_of_an_unknown_article_is_404(client):
    assert client.get("/articles/nope/resolutions.atom").status_code == 404


def test_empty_resolutions_feed_is_valid(client, article):
    feed = ElementTree.fromstring(client.get(f"/articles/{article.slug}/resolutions.atom").data)
    assert list(feed.iter(f"{ATOM}entry")) == []
    assert feed.findtext(f"{ATOM}title").startswith("Resolutions:")
