"""A member's public profile."""

from flask import render_template, request
from flask_login import current_user

from forum.users import bp
from forum.users.profiles import (
    calibration_of,
    comments_page,
    forecasts_page,
    get_profile_user,
    predictions_page,
    profile_stats,
    read_section_page,
    scores_page,
)

SECTION_SIZES = {"scores": 20, "predictions": 10, "forecasts": 20, "comments": 10}


@bp.get("/users/<username>")
def profile(username: str):
    user = get_profile_user(username)
    pages = {name: read_section_page(request.args, f"{name}_page") for name in SECTION_SIZES}
    stats = profile_stats(user.id)
    sections = {
        "scores": scores_page(user.id, pages["scores"], SECTION_SIZES["scores"],
                              stats.predictions_scored),
        "predictions": predictions_page(user.id, pages["predictions"],
                                        SECTION_SIZES["predictions"], stats.predictions),
        "forecasts": forecasts_page(user.id, pages["forecasts"], SECTION_SIZES["forecasts"],
                                    stats.forecasts),
        "comments": comments_page(user.id, pages["comments"], SECTION_SIZES["comments"],
                                  stats.comments),
    }
    own = current_user.is_authenticated and current_user.id == user.id
    return render_template(
        "users/profile.html", user=user, stats=stats, own=own, sections=sections,
        calibration=calibration_of(user_id=user.id),
    )
