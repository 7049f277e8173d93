"""The article page: the article typeset for reading, with the predictions board under its
prompt. Rendered by the article's routes and again by the board's when a posted prediction
comes back with errors."""

from flask import render_template, request
from flask_login import current_user

from forum.board import pages  # the board section under the article's prompt
from forum.leaderboard.scorecards import article_scorecard
from forum.markdown import collapse_whitespace, headings
from forum.models import Article
from forum.params import read_id


def render_article_page(article: Article, form=None):
    """The article typeset for reading, followed by its prompt and the board section: the
    page's whole view model, from the board's and the scores' query functions."""
    quote = collapse_whitespace(request.args.get("quote", ""))[:1000]
    board = pages.article_board(article, current_user, form=form,
                                posted=read_id(request.args.get("posted")), quote=quote)
    return render_template(
        "articles/article.html", article=article, contents=headings(article.body_html),
        board=board, scorecard=article_scorecard(article),
    )
