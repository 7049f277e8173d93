"""Both Atom feeds (issue 15): linked visibly where they apply, one id scheme (tag URIs), and
answered with ETag and Last-Modified, 304 when the reader's copy is current."""

import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from forum import clock
from forum.board.services import edit_prediction
from forum.board.validation import PredictionDraft
from forum.extensions import db
from forum.models import AuditEntry, Resolution
from forum.moderation.services import set_hidden
from tests.factories import make_prediction, make_user
from tests.moderation_support import resolve

ATOM = "{http://www.w3.org/2005/Atom}"
FEEDS = ("predictions", "resolutions")


@pytest.fixture
def staff(app):
    return {"alice": make_user("alice"), "mod": make_user("mod", role="moderator")}


def feed_path(article, kind: str) -> str:
    return f"/articles/{article.slug}/{kind}.atom"


def closed_prediction(article, author, title):
    prediction = make_prediction(article, author, title=title, days_ahead=1)
    prediction.resolution_date = clock.today() - timedelta(days=1)
    db.session.commit()
    return prediction


@pytest.mark.parametrize("page", ["article", "board"])
def test_both_feeds_are_linked_in_the_page_not_only_in_its_head(client, article, page):
    path = f"/articles/{article.slug}" + ("/predictions" if page == "board" else "")
    html = client.get(path).text
    body = html.split("</head>", 1)[1]
    for kind in FEEDS:
        href = f'href="{feed_path(article, kind)}"'
        assert re.search(rf"<a [^>]*{re.escape(href)}", body), (page, kind)
        assert re.search(rf'<link rel="alternate" type="application/atom\+xml"[^>]*{href}',
                         html), (page, kind)


@pytest.mark.parametrize("kind", FEEDS)
def test_every_id_is_a_tag_uri(client, article, staff, kind):
    prediction = closed_prediction(article, staff["alice"], "A claim to resolve")
    resolve(prediction, staff["mod"], "yes")
    feed = ElementTree.fromstring(client.get(feed_path(article, kind)).data)
    ids = [feed.findtext(f"{ATOM}id")] + [entry.findtext(f"{ATOM}id")
                                           for entry in feed.iter(f"{ATOM}entry")]
    assert len(ids) == 2
    assert all(re.fullmatch(r"tag:localhost,\d{4}-\d\d-\d\d:/\S+", found) for found in ids), ids
    assert ids[0].endswith(f":/articles/{article.slug}/{kind}")
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("kind", FEEDS)
def test_a_feed_answers_304_to_a_current_copy_and_200_after_a_change(client, article, staff,
                                                                     kind):
    first = closed_prediction(article, staff["alice"], "The first claim")
    resolve(first, staff["mod"], "yes")
    path = feed_path(article, kind)
    response = client.get(path)
    etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
    assert response.status_code == 200 and etag and modified
    assert "no-cache" in response.headers["Cache-Control"]

    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200

    second = closed_prediction(article, staff["alice"], "The second claim")
    resolve(second, staff["mod"], "no")
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert b"The second claim" in changed.data


@pytest.mark.parametrize("kind", FEEDS)
def test_hiding_a_prediction_is_news_to_both_validators(client, article, staff, kind):
    prediction = closed_prediction(article, staff["alice"], "A claim that gets hidden")
    resolve(prediction, staff["mod"], "yes")
    yesterday = clock.now() - timedelta(days=1)
    article.published_at = prediction.created_at = yesterday  # so "now" is a later second
    for resolution in db.session.scalars(select(Resolution)):
        resolution.resolved_at = yesterday
    for entry in db.session.scalars(select(AuditEntry)):  # the resolution's, if any
        entry.created_at = yesterday
    db.session.commit()
    path = feed_path(article, kind)
    before = client.get(path)
    assert b"gets hidden" in before.data
    assert client.get(path, headers={
        "If-Modified-Since": before.headers["Last-Modified"]}).status_code == 304

    set_hidden("prediction", prediction.id, staff["mod"], "Duplicate.", hidden=True)
    db.session.commit()
    by_etag = client.get(path, headers={"If-None-Match": before.headers["ETag"]})
    assert by_etag.status_code == 200 and b"gets hidden" not in by_etag.data
    by_date = client.get(path, headers={"If-Modified-Since": before.headers["Last-Modified"]})
    assert by_date.status_code == 200
    assert by_date.headers["Last-Modified"] != before.headers["Last-Modified"]


def test_an_edit_updates_the_entry_and_the_feed(client, article, staff):
    prediction = make_prediction(article, staff["alice"], title="Before the edit")
    path = feed_path(article, "predictions")
    before = client.get(path)
    edit_prediction(prediction, staff["alice"], PredictionDraft(
        title="After the edit", criteria=prediction.criteria,
        probability=prediction.author_probability, resolution_date=prediction.resolution_date,
        quote=None))
    db.session.commit()
    after = client.get(path, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    entry = next(ElementTree.fromstring(after.data).iter(f"{ATOM}entry"))
    assert entry.findtext(f"{ATOM}title") == "After the edit"
    assert entry.findtext(f"{ATOM}updated") >= entry.findtext(f"{ATOM}published")


def test_an_unknown_article_has_no_feeds(client):
    for kind in FEEDS:
        assert client.get(f"/articles/nope/{kind}.atom").status_code == 404
