"""The Atom feed of an article's resolutions: every resolve, correction and annulment (built
by forum.atom)."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forum import atom
from forum.articles.services import get_article
from forum.clock import isoformat_z
from forum.extensions import db
from forum.models import Prediction, Resolution
from forum.moderation import bp
from forum.site import absolute_url


@bp.get("/articles/<slug>/resolutions.atom")
def resolutions_feed(slug: str):
    article = get_article(slug)
    rows = db.session.execute(
        select(Resolution, Prediction.title).join(Prediction)
        .options(joinedload(Resolution.resolved_by))
        .where(Prediction.article_id == article.id, Prediction.hidden.is_(False))
        .order_by(Resolution.resolved_at.desc(), Resolution.id.desc()).limit(atom.FEED_SIZE)
    ).all()
    return atom.response(atom.Feed(
        title=f"Resolutions: {article.title}",
        subtitle="Every resolution, correction and annulment on Forecast Forum.",
        id=atom.tag_uri(f"/articles/{article.slug}/resolutions", article.published_at),
        self_url=absolute_url("moderation.resolutions_feed", slug=slug),
        page_url=absolute_url("articles.show", slug=slug),
        entries=[_entry(resolution, title) for resolution, title in rows],
        changed_at=atom.article_changed_at(article),
    ))


def _entry(resolution: Resolution, title: str) -> atom.Entry:
    summary = resolution.note
    if resolution.source_url:
        summary += f"\n\nSource: {resolution.source_url}"
    summary += f"\n\nThe outcome became known at {isoformat_z(resolution.outcome_time)}."
    return atom.Entry(
        title=f"{_verdict(resolution)}: {title}",
        id=atom.tag_uri(f"/predictions/{resolution.prediction_id}/resolutions/{resolution.id}",
                        resolution.resolved_at),
        url=absolute_url("board.show", prediction_id=resolution.prediction_id,
                         _anchor=f"resolution-{resolution.id}"),
        author=resolution.resolved_by.username,
        published=resolution.resolved_at,
        updated=resolution.resolved_at,
        summary=summary,
    )


def _verdict(resolution: Resolution) -> str:
    if resolution.is_correction:
        return ("Corrected: annulled" if resolution.outcome == "annulled"
                else f"Corrected to {resolution.outcome.upper()}")
    return ("Annulled" if resolution.outcome == "annulled"
            else f"Resolved {resolution.outcome.upper()}")
