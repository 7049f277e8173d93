"""The article page: the front door, with the predictions board under its prompt."""

from flask import abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from forum.articles import bp
from forum.articles.services import featured_article
from forum.board import pages  # a module import: the board links back to this page
from forum.extensions import db
from forum.markdown import collapse_whitespace, headings
from forum.models import Article
from forum.params import read_id


def render_article_page(article: Article, form=None):
    """The article typeset for reading, followed by its prompt and the board section."""
    quote = collapse_whitespace(request.args.get("quote", ""))[:1000]
    board = pages.article_board(article, current_user, form=form,
                                posted=read_id(request.args.get("posted")), quote=quote)
    return render_template(
        "articles/article.html", article=article, contents=headings(article.body_html),
        board=board,
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
