"""The leaderboard page and the scoring rules in plain words."""

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select

from forum.extensions import db
from forum.leaderboard import bp
from forum.leaderboard.example import worked_example
from forum.leaderboard.standings import PERIODS, leaderboard, read_leaderboard_args
from forum.models import Article

DEFAULT_PERIOD = "all"


@bp.get("/leaderboard")
def index():
    args, notice = request.args, None
    period = args.get("period")
    if period is not None and period not in PERIODS:
        # A link or a hand-typed address with a period we don't have (?period=90d): the
        # default period, saying so, rather than an error page (the API still answers 422).
        args = args.copy()
        args["period"] = DEFAULT_PERIOD
        shown = period if len(period) <= 40 else period[:39] + "…"
        notice = (f"There is no “{shown}” period; showing "
                  f"{PERIODS[DEFAULT_PERIOD][0].lower()} instead. Choose one of: "
                  + ", ".join(label.lower() for label, _days in PERIODS.values()) + ".")
    query = read_leaderboard_args(args)
    viewer = current_user.id if current_user.is_authenticated else None
    board = leaderboard(query, viewer_id=viewer)
    articles = db.session.execute(
        select(Article.slug, Article.title).order_by(Article.published_at.desc(), Article.id)
    ).all()
    return render_template("leaderboard/index.html", board=board, query=query,
                           periods=PERIODS, articles=articles, notice=notice)


@bp.get("/leaderboard/rules")
def rules():
    articles = db.session.execute(
        select(Article.slug, Article.title).order_by(Article.published_at.desc(), Article.id)
    ).all()
    return render_template("leaderboard/rules.html", example=worked_example(), articles=articles)
