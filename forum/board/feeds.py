"""The Atom feed of an article's new predictions (built by forum.atom)."""

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from forum import atom
from forum.articles.services import get_article
from forum.board import bp
from forum.extensions import db
from forum.models import Prediction, PredictionRevision
from forum.site import absolute_url
from forum.templating import human_date, percent


@bp.get("/articles/<slug>/predictions.atom")
def feed(slug: str):
    article = get_article(slug)
    predictions = db.session.scalars(
        select(Prediction).options(joinedload(Prediction.author))
        .where(Prediction.article_id == article.id, Prediction.hidden.is_(False))
        .order_by(Prediction.created_at.desc(), Prediction.id.desc()).limit(atom.FEED_SIZE)
    ).all()
    edited = dict(db.session.execute(
        select(PredictionRevision.prediction_id, func.max(PredictionRevision.created_at))
        .where(PredictionRevision.prediction_id.in_([p.id for p in predictions]))
        .group_by(PredictionRevision.prediction_id)).all())
    return atom.response(atom.Feed(
        title=f"New predictions: {article.title}", subtitle=article.question,
        id=atom.tag_uri(f"/articles/{article.slug}/predictions", article.published_at),
        self_url=absolute_url("board.feed", slug=slug),
        page_url=absolute_url("board.index", slug=slug, sort="new"),
        entries=[_entry(prediction, edited.get(prediction.id)) for prediction in predictions],
        changed_at=atom.article_changed_at(article),
    ))


def _entry(prediction: Prediction, edited_at) -> atom.Entry:
    return atom.Entry(
        title=prediction.title,
        id=atom.tag_uri(f"/predictions/{prediction.id}", prediction.created_at),
        url=absolute_url("board.show", prediction_id=prediction.id),
        author=prediction.author.username,
        published=prediction.created_at,
        updated=edited_at or prediction.created_at,
        summary=(f"{prediction.author.username} posted it at "
                 f"{percent(prediction.author_probability)}; resolves on "
                 f"{human_date(prediction.resolution_date)}."),
        content_html=prediction.criteria_html,
    )
