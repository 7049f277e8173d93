"""Comments and votes on comments."""

from flask import jsonify
from flask_login import current_user

from forum import limits
from forum.api import bp
from forum.api.auth import json_body, member_required
from forum.api.predictions import visible_prediction
from forum.api.serializers import comment_payload
from forum.board import services as board
from forum.comments import services
from forum.errors import Invalid
from forum.extensions import db
from forum.visibility import load_comment


def json_parent_id(value) -> int | None:
    """`parent_id` from a JSON body: a comment id as a JSON integer, or null for a new thread."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid({"parent_id": ["parent_id must be a comment id (an integer) or null."]})
    return services.read_parent_id(value)


@bp.get("/predictions/<id:prediction_id>/comments")
def list_comments(prediction_id: int):
    prediction = visible_prediction(prediction_id)
    comments = services.comments_of(prediction.id)
    return jsonify(items=[comment_payload(comment) for comment in comments])


def read_comment(data: dict) -> tuple[str, int | None]:
    """body and parent_id, both problems reported at once."""
    fields: dict[str, list[str]] = {}
    body = parent_id = None
    try:
        body = services.read_body(data.get("body"))
    except Invalid as error:
        fields.update(error.fields)
    try:
        parent_id = json_parent_id(data.get("parent_id"))
    except Invalid as error:
        fields.update(error.fields)
    if fields:
        raise Invalid(fields)
    return body, parent_id


@bp.post("/predictions/<id:prediction_id>/comments")
@member_required
@limits.comment
def create_comment(prediction_id: int):
    prediction = visible_prediction(prediction_id)
    body, parent_id = read_comment(json_body())
    comment = services.add_comment(prediction, current_user, body, parent_id)
    db.session.commit()
    return jsonify(comment_payload(comment)), 201


@bp.put("/comments/<id:comment_id>/vote")
@member_required
@limits.vote
def vote_on_comment(comment_id: int):
    comment, _prediction = load_comment(comment_id, current_user)  # 404 on a hidden prediction
    value = board.read_vote_value(json_body().get("value"))
    tally = board.vote_on_comment(current_user, comment, value)
    db.session.commit()
    return jsonify(tally.as_dict())
