"""GET /leaderboard (SPEC.md §7, SCORING.md "Leaderboard")."""

from flask import jsonify, request

from forum.api import bp
from forum.leaderboard.standings import leaderboard, read_leaderboard_args


@bp.get("/leaderboard")
def show_leaderboard():
    board = leaderboard(read_leaderboard_args(request.args))
    return jsonify(period=board.period, items=[row.as_dict() for row in board.page.items],
                   page=board.page.page, per_page=board.page.per_page, total=board.page.total)
