"""GET /articles and GET /articles/{slug}."""

from flask import jsonify
from sqlalchemy import select

from forum.api import bp
from forum.articles.services import get_article
from forum.clock import isoformat_z
from forum.extensions import db
from forum.models import Article


def article_summary(article: Article) -> dict:
    return {"slug": article.slug, "title": article.title,
            "published_at": isoformat_z(article.published_at),
            "prediction_count": article.prediction_count}


@bp.get("/articles")
def list_articles():
    articles = db.session.scalars(select(Article).order_by(Article.published_at.desc())).all()
    return jsonify(items=[article_summary(article) for article in articles])


@bp.get("/articles/<slug>")
def show_article(slug: str):
    article = get_article(slug)
    return jsonify({**article_summary(article), "body_html": article.body_html,
                    "prompt": article.prompt})
