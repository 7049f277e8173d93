"""Who hears about a resolution by email: everyone who forecast on the prediction, and its
author, each with their own score (unless they switched these emails off). The resolve
request records all of them in one INSERT … SELECT; jobs send them in batches."""

from sqlalchemy import and_, func, or_, select

from forum.extensions import db
from forum.mail import email_kind, queue_many
from forum.models import Forecast, Prediction, Resolution, Score, User
from forum.site import absolute_url


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
            "link": absolute_url("board.show", prediction_id=prediction.id,
                                 _anchor="resolution")}


# The moderators' daily digest of predictions waiting for resolution ----------------------------

def _waiting(today):
    """Visible predictions past their close (the day after the resolution date) and not
    resolved: they wait for a moderator."""
    return and_(Prediction.status == "open", Prediction.hidden.is_(False),
                Prediction.resolution_date < today)


def moderator_digest(now) -> int:
    """One digest a day to each moderator and admin, when something waits for resolution."""
    today = now.date()
    if db.session.scalar(select(Prediction.id).where(_waiting(today)).limit(1)) is None:
        return 0
    return queue_many("moderator_digest", User.role.in_(("moderator", "admin")),
                      f"digest:moderators:{today.isoformat()}:", {"day": today.isoformat()})


@email_kind("moderator_digest", "moderation/emails/moderator_digest.txt",
            switch="email_reminders")
def _moderator_digest(delivery, user):
    from datetime import date

    if not user.is_moderator:
        return None
    today = date.fromisoformat(delivery.params["day"])
    waiting = db.session.scalars(select(Prediction).where(_waiting(today))
                                 .order_by(Prediction.resolution_date, Prediction.id)
                                 .limit(50)).all()
    if not waiting:
        return None
    total = db.session.scalar(select(func.count(Prediction.id)).where(_waiting(today)))
    return {"items": [{"prediction": p, "link": absolute_url("board.show", prediction_id=p.id)}
                      for p in waiting], "total": total,
            "queue_link": absolute_url("moderation.queue")}
