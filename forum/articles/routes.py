"""The article page: the front door, with the predictions board under its prompt."""

from flask import abort, render_template
from sqlalchemy import select

from forum.articles import bp
from forum.articles.pages import render_article_page
from forum.articles.services import featured_article
from forum.extensions import db
from forum.models import Article


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
