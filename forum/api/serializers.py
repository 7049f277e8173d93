"""The JSON objects of SPEC.md §7: Prediction, Forecast and Comment, shared by every endpoint
that returns them. A page of predictions costs a fixed number of queries: the latest
resolutions in one, the viewer's votes in one."""

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from forum.board.queries import my_votes
from forum.clock import isoformat_z
from forum.extensions import db
from forum.lifecycle import status_of
from forum.models import Comment, Forecast, Prediction, Resolution
from forum.site import absolute_url


def prediction_payload(prediction: Prediction, viewer) -> dict:
    """One prediction as the API shows it to `viewer` (anonymous or a user)."""
    return prediction_payloads([prediction], viewer)[0]


def prediction_payloads(predictions: list[Prediction], viewer) -> list[dict]:
    """Predictions as the API shows them to `viewer`; authors and articles should be loaded."""
    if not predictions:
        return []
    ids = [prediction.id for prediction in predictions]
    resolutions = latest_resolutions(ids)
    authenticated = bool(getattr(viewer, "is_authenticated", False))
    votes = my_votes(viewer, prediction_ids=ids) if authenticated else {}
    payloads = []
    for prediction in predictions:
        payload = _prediction_fields(prediction, resolutions.get(prediction.id))
        if authenticated:
            payload["my_vote"] = votes.get(("prediction", prediction.id), 0)
        payloads.append(payload)
    return payloads


def latest_resolutions(prediction_ids: list[int]) -> dict[int, Resolution]:
    """The latest entry of each prediction's resolution log (the log is append-only, so the
    highest id is the latest), with who made it, in one query."""
    latest = (select(func.max(Resolution.id))
              .where(Resolution.prediction_id.in_(prediction_ids))
              .group_by(Resolution.prediction_id))
    rows = db.session.scalars(
        select(Resolution).options(joinedload(Resolution.resolved_by))
        .where(Resolution.id.in_(latest))
    )
    return {row.prediction_id: row for row in rows}


def _prediction_fields(prediction: Prediction, resolution: Resolution | None) -> dict:
    return {
        "id": prediction.id,
        "url": prediction_url(prediction.id),
        "article": prediction.article.slug,
        "title": prediction.title,
        "criteria": prediction.criteria,
        "quote": prediction.quote,
        "author": prediction.author.username,
        "created_at": isoformat_z(prediction.created_at),
        "resolution_date": prediction.resolution_date.isoformat(),
        "status": status_of(prediction.status, prediction.resolution_date),
        "outcome": prediction.outcome,
        "author_probability": prediction.author_probability,
        "crowd": {"median": prediction.crowd_median, "forecasters": prediction.forecaster_count},
        "votes": {"score": prediction.vote_score, "up": prediction.votes_up,
                  "down": prediction.votes_down},
        "comment_count": prediction.comment_count,
        "forecast_count": prediction.forecast_count,
        "resolution": resolution_payload(resolution),
    }


def resolution_payload(resolution: Resolution | None) -> dict | None:
    if resolution is None:
        return None
    return {
        "outcome": resolution.outcome,
        "note": resolution.note,
        "source_url": resolution.source_url,
        "outcome_time": isoformat_z(resolution.outcome_time),
        "resolved_at": isoformat_z(resolution.resolved_at),
        "resolved_by": resolution.resolved_by.username,
    }


def prediction_url(prediction_id: int) -> str:
    """The absolute URL of the prediction's page."""
    return absolute_url("board.show", prediction_id=prediction_id)


def forecast_payload(forecast: Forecast) -> dict:
    """A forecast; `reason` only when its forecaster gave one (SPEC.md §7's four fields
    otherwise)."""
    payload = {
        "id": forecast.id,
        "username": forecast.user.username,
        "probability": forecast.probability,
        "created_at": isoformat_z(forecast.created_at),
    }
    if forecast.reason:
        payload["reason"] = forecast.reason
    return payload


def comment_payload(comment: Comment) -> dict:
    """A comment; one hidden by a moderator or deleted by its author shows no text."""
    removed = comment.hidden or comment.deleted
    return {
        "id": comment.id,
        "parent_id": comment.parent_id,
        "author": comment.author.username,
        "body": "" if removed else comment.body,
        "body_html": "" if removed else comment.body_html,
        "created_at": isoformat_z(comment.created_at),
        "edited_at": isoformat_z(comment.edited_at),
        "hidden": removed,
        "votes": {"score": comment.vote_score, "up": comment.votes_up,
                  "down": comment.votes_down},
    }
