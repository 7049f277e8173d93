"""The leaderboard page and the scoring rules in plain words."""

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select

from forum.extensions import db
from forum.leaderboard import bp
from forum.leaderboard.example import worked_example
from forum.leaderboard.standings import PERIODS, leaderboard, read_leaderboard_args
from forum.models import Article


@bp.get("/leaderboard")
def index():
    query = read_leaderboard_args(request.args)
    viewer = current_user.id if current_user.is_authenticated else None
    board = leaderboard(query, viewer_id=viewer)
    articles = db.session.execute(
        select(Article.slug, Article.title).order_by(Article.published_at.desc(), Article.id)
    ).all()
    return render_template("leaderboard/index.html", board=board, query=query,
                           periods=PERIODS, articles=articles)


@bp.get("/leaderboard/rules")
def rules():
    articles = db.session.execute(
        select(Article.slug, Article.title).order_by(Article.published_at.desc(), Article.id)
    ).all()
    return render_template("leaderboard/rules.html", example=worked_example(), articles=articles)
