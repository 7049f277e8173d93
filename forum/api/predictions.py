"""Predictions, forecasts and votes on predictions."""

from flask import jsonify, request
from flask_login import current_user

from forum import limits
from forum.api import bp
from forum.api.auth import json_body, member_required
from forum.api.serializers import forecast_payload, prediction_payload, prediction_payloads
from forum.articles.services import get_article
from forum.board import queries, services
from forum.board.validation import read_prediction, read_probability, read_reason
from forum.errors import Invalid
from forum.extensions import db
from forum.pagination import read_page_args

PROBABILITY_MESSAGE = "Give the probability as a JSON number from 0.01 to 0.99."


def visible_prediction(prediction_id: int):
    """The prediction, 404 when it is missing or hidden (moderators see hidden ones)."""
    return queries.get_prediction(prediction_id, current_user)


def json_probability(data: dict, errors: dict) -> float | None:
    """`probability` from a JSON body: a number in [0.01, 0.99]. Unlike a form field, a string
    is refused (SPEC.md §7: probabilities are numbers), and so is a boolean."""
    value = data.get("probability")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        errors["probability"] = [PROBABILITY_MESSAGE]
        return None
    return read_probability(value, errors)


def read_list_query(args) -> tuple[str, str, str, int, int]:
    """status, sort, q, page and per_page, every invalid one reported at once."""
    fields: dict[str, list[str]] = {}
    try:
        status, sort, query = queries.read_list_args(args, search_sort="hot")
    except Invalid as error:
        fields.update(error.fields)
    try:
        page, per_page = read_page_args(args)
    except Invalid as error:
        fields.update(error.fields)
    if fields:
        raise Invalid(fields)
    return status, sort, query, page, per_page


@bp.get("/articles/<slug>/predictions")
def list_predictions(slug: str):
    article = get_article(slug)
    status, sort, query, page, per_page = read_list_query(request.args)
    found = queries.list_predictions(article, status=status, sort=sort, query=query, page=page,
                                     per_page=per_page)
    return jsonify(items=prediction_payloads(found.items, current_user), page=found.page,
                   per_page=found.per_page, total=found.total)


@bp.post("/articles/<slug>/predictions")
@member_required
@limits.post_prediction
def create_prediction(slug: str):
    article = get_article(slug)
    data = json_body()
    errors: dict[str, list[str]] = {}
    json_probability(data, errors)
    try:
        draft = read_prediction(data, article.body_text)
    except Invalid as error:
        errors = {**error.fields, **errors}
    if errors:
        raise Invalid(errors)
    prediction = services.create_prediction(article, current_user, draft)
    db.session.commit()
    return jsonify(prediction_payload(prediction, current_user)), 201


@bp.get("/predictions/<id:prediction_id>")
def show_prediction(prediction_id: int):
    prediction = visible_prediction(prediction_id)
    return jsonify(prediction_payload(prediction, current_user))


@bp.get("/predictions/<id:prediction_id>/forecasts")
def list_forecasts(prediction_id: int):
    prediction = visible_prediction(prediction_id)
    forecasts = queries.forecasts_of(prediction.id)
    return jsonify(items=[forecast_payload(forecast) for forecast in forecasts])


@bp.post("/predictions/<id:prediction_id>/forecasts")
@member_required
@limits.forecast
def create_forecast(prediction_id: int):
    prediction = visible_prediction(prediction_id)
    errors: dict[str, list[str]] = {}
    data = json_body()
    probability = json_probability(data, errors)
    reason = read_reason(data.get("reason"), errors)
    if errors:
        raise Invalid(errors)
    forecast = services.add_forecast(prediction, current_user, probability, reason)
    db.session.commit()
    return jsonify(forecast_payload(forecast)), 201


@bp.put("/predictions/<id:prediction_id>/vote")
@member_required
@limits.vote
def vote_on_prediction(prediction_id: int):
    prediction = visible_prediction(prediction_id)
    value = services.read_vote_value(json_body().get("value"))
    tally = services.vote_on_prediction(current_user, prediction, value)
    db.session.commit()
    return jsonify(tally.as_dict())
