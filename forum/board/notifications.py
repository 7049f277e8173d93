"""Emails about predictions (templates in templates/board/emails/): the "closes soon"
reminder to members whose standing forecast has grown old, and the daily digest of activity
on a member's own predictions. Each is recorded set-based, once per member and event (the
dedupe key), so running the schedule twice sends nothing twice."""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select

from forum import clock
from forum.extensions import db
from forum.lifecycle import OPEN
from forum.mail import email_kind, queue_many
from forum.models import Comment, Forecast, Prediction, User
from forum.scoring import scheduled_close
from forum.site import absolute_url

CLOSING_WINDOW = timedelta(hours=48)


def closing_soon(now: datetime) -> list[Prediction]:
    """Open, visible predictions that stop taking forecasts within the next 48 hours."""
    today = now.date()
    dates = [today + timedelta(days=offset) for offset in range(-1, 3)
             if now < scheduled_close(today + timedelta(days=offset)) <= now + CLOSING_WINDOW]
    return list(db.session.scalars(select(Prediction).where(
        Prediction.status == OPEN, Prediction.hidden.is_(False),
        Prediction.resolution_date.in_(dates)).order_by(Prediction.id)))


def closing_reminders(now: datetime | None = None) -> int:
    """One reminder per member and prediction closing soon whose standing forecast is older
    than REMINDERS_STALE_AFTER_HOURS; returns how many were recorded."""
    now = now or clock.now()
    stale_before = now - timedelta(hours=current_app.config["REMINDERS_STALE_AFTER_HOURS"])
    recorded = 0
    for prediction in closing_soon(now):
        stale = (select(Forecast.user_id).where(Forecast.prediction_id == prediction.id)
                 .group_by(Forecast.user_id).having(func.max(Forecast.created_at) <= stale_before))
        recorded += queue_many("closing_reminder", User.id.in_(stale),
                               f"reminder:closing:{prediction.id}:",
                               {"prediction_id": prediction.id})
    return recorded


@email_kind("closing_reminder", "board/emails/closing_reminder.txt", switch="email_reminders")
def _closing_reminder(delivery, user):
    prediction = db.session.get(Prediction, delivery.params.get("prediction_id"))
    now = clock.now()
    if prediction is None or prediction.hidden or prediction.status != OPEN \
            or scheduled_close(prediction.resolution_date) <= now:
        return None
    latest = db.session.execute(
        select(Forecast.probability, Forecast.created_at)
        .where(Forecast.prediction_id == prediction.id, Forecast.user_id == user.id)
        .order_by(Forecast.created_at.desc(), Forecast.id.desc()).limit(1)).first()
    if latest is None:
        return None
    closes = scheduled_close(prediction.resolution_date)
    return {"prediction": prediction, "probability": latest.probability,
            "days_old": max((now - clock.as_utc(latest.created_at)).days, 0),
            "hours_left": max(int((closes - now).total_seconds() // 3600), 0),
            "closes": closes, "zone": user.time_zone,
            "link": absolute_url("board.show", prediction_id=prediction.id)}


# The daily digest of activity on a member's own predictions ----------------------------------

def _activity(start: datetime, end: datetime):
    """(prediction id, author id) pairs with forecasts or comments by others in the window."""
    forecasts = select(Forecast.prediction_id).join(
        Prediction, Prediction.id == Forecast.prediction_id).where(
        Forecast.created_at >= start, Forecast.created_at < end,
        Forecast.user_id != Prediction.author_id)
    comments = select(Comment.prediction_id).join(
        Prediction, Prediction.id == Comment.prediction_id).where(
        Comment.created_at >= start, Comment.created_at < end,
        Comment.author_id != Prediction.author_id, Comment.deleted.is_(False),
        Comment.hidden.is_(False))
    return or_(Prediction.id.in_(forecasts), Prediction.id.in_(comments))


def daily_digests(now: datetime | None = None) -> int:
    """One digest per author with activity by others on their predictions in the last day."""
    now = now or clock.now()
    end = now.replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=1)
    authors = select(Prediction.author_id).where(Prediction.hidden.is_(False),
                                                 _activity(start, end))
    return queue_many("daily_digest", User.id.in_(authors),
                      f"digest:author:{end.date().isoformat()}:",
                      {"start": start.isoformat(), "end": end.isoformat()})


@email_kind("daily_digest", "board/emails/daily_digest.txt", switch="email_digest")
def _daily_digest(delivery, user):
    start = datetime.fromisoformat(delivery.params["start"])
    end = datetime.fromisoformat(delivery.params["end"])
    predictions = db.session.scalars(select(Prediction).where(
        Prediction.author_id == user.id, Prediction.hidden.is_(False), _activity(start, end))
        .order_by(Prediction.id)).all()
    if not predictions:
        return None
    ids = [p.id for p in predictions]
    forecasts = dict(db.session.execute(
        select(Forecast.prediction_id, func.count(func.distinct(Forecast.user_id)))
        .where(Forecast.prediction_id.in_(ids), Forecast.created_at >= start,
               Forecast.created_at < end, Forecast.user_id != user.id)
        .group_by(Forecast.prediction_id)).all())
    comments = dict(db.session.execute(
        select(Comment.prediction_id, func.count(Comment.id))
        .where(Comment.prediction_id.in_(ids), Comment.created_at >= start,
               Comment.created_at < end, Comment.author_id != user.id,
               and_(Comment.deleted.is_(False), Comment.hidden.is_(False)))
        .group_by(Comment.prediction_id)).all())
    items = [{"prediction": p, "forecasters": forecasts.get(p.id, 0),
              "comments": comments.get(p.id, 0),
              "link": absolute_url("board.show", prediction_id=p.id)} for p in predictions]
    return {"items": items}
