"""GET /users/{username} and GET /users/{username}/scores (SPEC.md §7)."""

from flask import jsonify

from forum.api import bp
from forum.clock import isoformat_z
from forum.users.profiles import calibration_of, get_profile_user, profile_stats, scores_of


@bp.get("/users/<username>")
def show_user(username: str):
    user = get_profile_user(username)
    stats = profile_stats(user.id)
    return jsonify(
        username=user.username, role=user.role, joined_at=isoformat_z(user.joined_at),
        stats=stats.as_dict(),
        calibration=[{"bin_start": item.bin_start, "bin_end": item.bin_end, "count": item.count,
                      "mean_forecast": item.mean_forecast, "observed": item.observed}
                     for item in calibration_of(user_id=user.id)],
    )


@bp.get("/users/<username>/scores")
def list_user_scores(username: str):
    user = get_profile_user(username)
    return jsonify(items=[
        {"prediction_id": score.prediction_id, "outcome": "yes" if score.outcome else "no",
         "brier": score.brier, "crowd_brier": score.crowd_brier, "coverage": score.coverage,
         "relative_brier": score.relative_brier}
        for score in scores_of(user.id)
    ])
