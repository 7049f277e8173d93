"""Who hears about a resolution by email: everyone who forecast on the prediction, and its
author, each with their own score (unless they switched these emails off). The resolve
request records all of them in one INSERT … SELECT; jobs send them in batches."""

from sqlalchemy import and_, or_, select

from forum.extensions import db
from forum.mail import email_kind, queue_many
from forum.mail.links import external_url
from forum.models import Forecast, Prediction, Resolution, Score, User


def resolution_emails(prediction: Prediction, resolution: Resolution) -> int:
    forecasters = select(Forecast.user_id).where(Forecast.prediction_id == prediction.id)
    who = and_(or_(User.id.in_(forecasters), User.id == prediction.author_id),
               User.id != resolution.resolved_by_id)  # as in-app: not the one who acted
    return queue_many("resolution", who, f"resolution:{resolution.id}:",
                      {"resolution_id": resolution.id})


@email_kind("resolution", "moderation/emails/resolution.txt", switch="email_resolutions")
def _resolution(delivery, user):
    resolution = db.session.get(Resolution, delivery.params.get("resolution_id"))
    if resolution is None:
        return None
    prediction = db.session.get(Prediction, resolution.prediction_id)
    latest = db.session.scalar(select(Resolution.id).where(
        Resolution.prediction_id == prediction.id).order_by(Resolution.id.desc()).limit(1))
    if prediction.hidden or latest != resolution.id:
        return None  # hidden since, or corrected again: the newer email says what holds
    score = db.session.scalar(select(Score).where(Score.user_id == user.id,
                                                  Score.prediction_id == prediction.id))
    return {"prediction": prediction, "resolution": resolution, "score": score,
            "outcome": resolution.outcome,
            "verdict": ("it is annulled, so it is not scored." if resolution.outcome == "annulled"
                        else f"it resolved {resolution.outcome.upper()}."),
            "link": external_url("board.show", prediction_id=prediction.id,
                                 _anchor="resolution")}
