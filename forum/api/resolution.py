"""Resolving, correcting and annulling predictions (moderators): SPEC.md §7."""

from flask import jsonify
from flask_login import current_user

from forum import limits
from forum.api import bp
from forum.api.auth import json_body, moderator_required
from forum.api.serializers import prediction_payload
from forum.board.queries import get_prediction
from forum.extensions import db
from forum.moderation.resolutions import read_resolution, resolve_prediction


@bp.post("/predictions/<id:prediction_id>/resolution")
@moderator_required
@limits.moderation
def resolve(prediction_id: int):
    """`{"outcome", "note", "source_url"?, "outcome_time"?, "correction"?}` → the Prediction."""
    data = json_body()
    prediction = get_prediction(prediction_id, current_user)
    resolve_prediction(prediction, current_user, read_resolution(data, prediction))
    db.session.commit()
    return jsonify(prediction_payload(get_prediction(prediction_id, current_user),
                                      current_user))
