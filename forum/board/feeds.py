"""The Atom feed of an article's new predictions (RFC 4287)."""

from xml.etree import ElementTree

from flask import Response
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forum import clock
from forum.articles.services import get_article
from forum.board import bp
from forum.extensions import db
from forum.models import Prediction
from forum.site import absolute_url, site_hostname
from forum.templating import human_date, percent
from forum.xml_text import xml_text

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50
def _add(parent, tag: str, text: str | None = None, **attributes):
    element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}",
                                     {name: xml_text(value) for name, value in attributes.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def _tag_uri(path: str, moment) -> str:
    """A permanent id: tag:host,date:path (RFC 4151)."""
    return f"tag:{site_hostname()},{moment:%Y-%m-%d}:{path}"


@bp.get("/articles/<slug>/predictions.atom")
def feed(slug: str):
    article = get_article(slug)
    predictions = db.session.scalars(
        select(Prediction).options(joinedload(Prediction.author))
        .where(Prediction.article_id == article.id, Prediction.hidden.is_(False))
        .order_by(Prediction.created_at.desc(), Prediction.id.desc()).limit(FEED_SIZE)
    ).all()
    ElementTree.register_namespace("", ATOM)
    root = ElementTree.Element(f"{{{ATOM}}}feed")
    _add(root, "title", f"New predictions: {article.title}")
    _add(root, "subtitle", article.question)
    _add(root, "id", _tag_uri(f"/articles/{article.slug}/predictions", article.published_at))
    _add(root, "link", rel="self", type="application/atom+xml",
         href=absolute_url("board.feed", slug=slug))
    _add(root, "link", rel="alternate", type="text/html",
         href=absolute_url("board.index", slug=slug, sort="new"))
    updated = predictions[0].created_at if predictions else article.published_at
    _add(root, "updated", clock.isoformat_z(updated))
    _add(_add(root, "author"), "name", "Forecast Forum")
    for prediction in predictions:
        _entry(root, prediction)
    body = ElementTree.tostring(root, encoding="unicode", xml_declaration=False)
    return Response('<?xml version="1.0" encoding="utf-8"?>\n' + body,
                    mimetype="application/atom+xml")


def _entry(root, prediction: Prediction) -> None:
    entry = _add(root, "entry")
    _add(entry, "title", prediction.title)
    _add(entry, "id", _tag_uri(f"/predictions/{prediction.id}", prediction.created_at))
    _add(entry, "link", rel="alternate", type="text/html",
         href=absolute_url("board.show", prediction_id=prediction.id))
    _add(entry, "published", clock.isoformat_z(prediction.created_at))
    _add(entry, "updated", clock.isoformat_z(prediction.created_at))
    _add(_add(entry, "author"), "name", prediction.author.username)
    summary = (f"{prediction.author.username} posted it at {percent(prediction.author_probability)}; "
               f"resolves on {human_date(prediction.resolution_date)}.")
    _add(entry, "summary", summary, type="text")
    _add(entry, "content", prediction.criteria_html, type="html")
