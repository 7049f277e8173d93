"""The article page: the front door."""

from flask import abort, render_template
from sqlalchemy import select

from forum.articles import bp
from forum.articles.services import featured_article
from forum.extensions import db
from forum.markdown import headings
from forum.models import Article


def render_article_page(article: Article):
    """The article typeset for reading, followed by its prompt and the board's place."""
    return render_template(
        "articles/article.html", article=article, contents=headings(article.body_html),
    )


@bp.get("/")
def home():
    article = featured_article()
    if article is None:
        return render_template("articles/empty.html")
    return render_article_page(article)


@bp.get("/articles/<slug>")
def show(slug: str):
    article = db.session.scalar(select(Article).where(Article.slug == slug))
    if article is None:
        abort(404)
    return render_article_page(article)
