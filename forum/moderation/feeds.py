"""The Atom feed of an article's resolutions (every resolve, correction and annulment)."""

from xml.etree import ElementTree

from flask import Response
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forum.articles.services import get_article
from forum.clock import isoformat_z
from forum.extensions import db
from forum.models import Prediction, Resolution
from forum.moderation import bp
from forum.site import absolute_url
from forum.xml_text import xml_text

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50


@bp.get("/articles/<slug>/resolutions.atom")
def resolutions_feed(slug: str):
    article = get_article(slug)
    rows = db.session.execute(
        select(Resolution, Prediction.title).join(Prediction)
        .options(joinedload(Resolution.resolved_by))
        .where(Prediction.article_id == article.id, Prediction.hidden.is_(False))
        .order_by(Resolution.resolved_at.desc(), Resolution.id.desc()).limit(FEED_SIZE)
    ).all()
    feed = ElementTree.Element("feed", xmlns=ATOM)
    _text(feed, "title", f"Resolutions: {article.title}")
    _text(feed, "subtitle", "Every resolution, correction and annulment on Forecast Forum.")
    self_url = absolute_url("moderation.resolutions_feed", slug=slug)
    _text(feed, "id", self_url)
    ElementTree.SubElement(feed, "link", rel="self", href=self_url)
    ElementTree.SubElement(feed, "link", rel="alternate",
                           href=absolute_url("articles.show", slug=slug))
    newest = rows[0][0].resolved_at if rows else article.published_at
    _text(feed, "updated", isoformat_z(newest))
    _text(ElementTree.SubElement(feed, "author"), "name", "Forecast Forum")
    for resolution, title in rows:
        _entry(feed, resolution, title)
    body = ElementTree.tostring(feed, encoding="unicode", xml_declaration=True)
    return Response(body, mimetype="application/atom+xml")


def _entry(feed, resolution: Resolution, title: str) -> None:
    entry = ElementTree.SubElement(feed, "entry")
    _text(entry, "title", f"{_verdict(resolution)}: {title}")
    url = absolute_url("board.show", prediction_id=resolution.prediction_id,
                       _anchor=f"resolution-{resolution.id}")
    _text(entry, "id", url)
    ElementTree.SubElement(entry, "link", rel="alternate", href=url)
    _text(entry, "updated", isoformat_z(resolution.resolved_at))
    _text(ElementTree.SubElement(entry, "author"), "name", resolution.resolved_by.username)
    summary = resolution.note
    if resolution.source_url:
        summary += f"\n\nSource: {resolution.source_url}"
    summary += f"\n\nThe outcome became known at {isoformat_z(resolution.outcome_time)}."
    _text(entry, "summary", summary)


def _verdict(resolution: Resolution) -> str:
    if resolution.is_correction:
        return ("Corrected: annulled" if resolution.outcome == "annulled"
                else f"Corrected to {resolution.outcome.upper()}")
    return ("Annulled" if resolution.outcome == "annulled"
            else f"Resolved {resolution.outcome.upper()}")


def _text(parent, tag: str, text: str | None):
    element = ElementTree.SubElement(parent, tag)
    element.text = xml_text(text or "")
    return element
