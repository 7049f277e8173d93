"""The one Atom builder (RFC 4287) behind both feeds: new predictions and resolutions.

Every id is a tag URI (RFC 4151: `tag:HOST,DATE:PATH`), from SITE_URL's host, the day the thing
first appeared and its path, so an id never changes when the site moves to another path or
scheme. Each answer carries a strong ETag (a digest of the body) and Last-Modified (the latest
change the feed shows: an entry added or updated, an edit, a prediction hidden or restored),
and a request with a matching If-None-Match or a later If-Modified-Since is a bodiless 304.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from xml.etree import ElementTree

from flask import Response, request
from sqlalchemy import func, select

from forum import clock
from forum.extensions import db
from forum.models import AuditEntry, Prediction, PredictionRevision
from forum.site import site_hostname
from forum.xml_text import xml_text

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50


def tag_uri(path: str, moment: date | datetime) -> str:
    """A permanent id: tag:host,date:path."""
    return f"tag:{site_hostname()},{moment:%Y-%m-%d}:{path}"


@dataclass
class Entry:
    title: str
    id: str
    url: str
    author: str
    published: datetime
    updated: datetime
    summary: str
    content_html: str | None = None


@dataclass
class Feed:
    title: str
    subtitle: str
    id: str
    self_url: str
    page_url: str
    entries: list[Entry]
    changed_at: datetime  # the latest change to what the feed shows

    @property
    def updated(self) -> datetime:
        return max([self.changed_at, *(entry.updated for entry in self.entries)])


def _add(parent, tag: str, text: str | None = None, **attributes):
    element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}",
                                     {name: xml_text(value) for name, value in attributes.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def render(feed: Feed) -> str:
    """The feed as an Atom document."""
    ElementTree.register_namespace("", ATOM)
    root = ElementTree.Element(f"{{{ATOM}}}feed")
    _add(root, "title", feed.title)
    _add(root, "subtitle", feed.subtitle)
    _add(root, "id", feed.id)
    _add(root, "link", rel="self", type="application/atom+xml", href=feed.self_url)
    _add(root, "link", rel="alternate", type="text/html", href=feed.page_url)
    _add(root, "updated", clock.isoformat_z(feed.updated))
    _add(_add(root, "author"), "name", "Forecast Forum")
    for item in feed.entries:
        entry = _add(root, "entry")
        _add(entry, "title", item.title)
        _add(entry, "id", item.id)
        _add(entry, "link", rel="alternate", type="text/html", href=item.url)
        _add(entry, "published", clock.isoformat_z(item.published))
        _add(entry, "updated", clock.isoformat_z(item.updated))
        _add(_add(entry, "author"), "name", item.author)
        _add(entry, "summary", item.summary, type="text")
        if item.content_html is not None:
            _add(entry, "content", item.content_html, type="html")
    body = ElementTree.tostring(root, encoding="unicode", xml_declaration=False)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body


def response(feed: Feed) -> Response:
    """The feed with its validators, or 304 when the client's copy is current."""
    answer = Response(render(feed), mimetype="application/atom+xml")
    answer.set_etag(hashlib.sha256(answer.get_data()).hexdigest()[:32])
    # HTTP dates count whole seconds: a change within the same second must still be news.
    answer.last_modified = feed.updated.replace(microsecond=0)
    answer.cache_control.public = True
    answer.cache_control.no_cache = True  # keep it, but ask each time (a 304 is cheap)
    return answer.make_conditional(request)


def article_changed_at(article) -> datetime:
    """When the article's predictions last changed in a way a feed shows besides new entries:
    an edit, or a moderator hiding or restoring one (two indexed look-ups)."""
    edited = db.session.scalar(
        select(func.max(PredictionRevision.created_at))
        .join(Prediction, Prediction.id == PredictionRevision.prediction_id)
        .where(Prediction.article_id == article.id))
    moderated = db.session.scalar(
        select(func.max(AuditEntry.created_at))
        .join(Prediction, (AuditEntry.target_type == "prediction")
              & (AuditEntry.target_id == Prediction.id))
        .where(Prediction.article_id == article.id))
    return max(moment for moment in (article.published_at, edited, moderated) if moment)
