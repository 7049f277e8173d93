"""The article page: the front door, with the predictions board under its prompt."""

from flask import render_template

from forum.articles import bp
from forum.articles.pages import render_article_page
from forum.articles.services import featured_article, get_article
from forum.member_pages import kept_for_members


@bp.get("/")
@kept_for_members
def home():
    article = featured_article()
    if article is None:
        return render_template("articles/empty.html")
    return render_article_page(article)


@bp.get("/articles/<slug>")
@kept_for_members
def show(slug: str):
    return render_article_page(get_article(slug))
