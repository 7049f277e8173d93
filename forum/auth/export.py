"""'Download my data' (SPEC.md §9): a job builds a JSON file of everything the member wrote
and received, settings offer it for a day, and an email says it is ready."""

import json
from datetime import date, datetime, timedelta

from flask import Response, abort, flash, redirect, url_for
from flask_login import current_user, login_required
from sqlalchemy import delete, select

from forum import clock, limits
from forum.auth import bp
from forum.auth.forms import ButtonForm
from forum.extensions import db
from forum.jobs import after_commit, job
from forum.mail import email_kind, queue
from forum.models import (
    Comment,
    DataExport,
    Flag,
    Forecast,
    Notification,
    Prediction,
    Score,
    User,
    Vote,
)
from forum.params import MAX_ID
from forum.permissions import ensure_can_write
from forum.site import absolute_url

KEEP_FOR = timedelta(days=1)


def _time(value):
    return None if value is None else clock.as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def _value(value):
    if isinstance(value, datetime):
        return _time(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _rows(model, *where, fields):
    rows = db.session.scalars(select(model).where(*where).order_by(model.id)).all()
    return [{name: _value(getattr(row, name)) for name in fields} for row in rows]


def collect(user: User) -> dict:
    """Everything the member wrote and received, as plain JSON values."""
    return {
        "account": {"username": user.username, "email": user.email, "bio": user.bio,
                    "role": user.role, "joined_at": _time(user.joined_at),
                    "email_verified_at": _time(user.email_verified_at),
                    "time_zone": user.time_zone,
                    "email_settings": {name: getattr(user, name) for name in (
                        "email_replies", "email_resolutions", "email_reminders",
                        "email_digest")}},
        "predictions": _rows(Prediction, Prediction.author_id == user.id, fields=(
            "id", "title", "criteria", "quote", "resolution_date", "created_at", "status",
            "outcome", "author_probability")),
        "forecasts": _rows(Forecast, Forecast.user_id == user.id, fields=(
            "id", "prediction_id", "probability", "created_at")),
        "comments": _rows(Comment, Comment.author_id == user.id, fields=(
            "id", "prediction_id", "parent_id", "body", "created_at", "edited_at", "deleted",
            "hidden")),
        "votes": _rows(Vote, Vote.user_id == user.id, fields=(
            "id", "prediction_id", "comment_id", "value", "created_at")),
        "flags": _rows(Flag, Flag.reporter_id == user.id, fields=(
            "id", "target_type", "target_id", "reason", "text", "status", "created_at")),
        "scores": _rows(Score, Score.user_id == user.id, fields=(
            "prediction_id", "outcome", "brier", "crowd_brier", "coverage", "relative_brier",
            "final_probability", "resolved_at")),
        "notifications": _rows(Notification, Notification.user_id == user.id, fields=(
            "id", "kind", "message", "prediction_id", "comment_id", "created_at", "read_at")),
        "exported_at": _time(clock.now()),
    }


def current_export(user: User) -> DataExport | None:
    """The member's newest export that has not expired (ready or still being built)."""
    return db.session.scalar(
        select(DataExport).where(DataExport.user_id == user.id,
                                 DataExport.expires_at > clock.now())
        .order_by(DataExport.created_at.desc()).limit(1)
    )


@job("build_export")
def build_export(export_id: int) -> None:
    export = db.session.get(DataExport, export_id)
    if export is None or export.content is not None:
        return
    user = db.session.get(User, export.user_id)
    export.content = json.dumps(collect(user), ensure_ascii=False, indent=1)
    queue("export_ready", user=user, dedupe_key=f"export_ready:{export.id}")
    db.session.execute(delete(DataExport).where(DataExport.expires_at <= clock.now()))
    db.session.commit()


@email_kind("export_ready", "auth/emails/export_ready.txt")
def _export_ready(delivery, user):
    return {"link": absolute_url("auth.settings", _anchor="data")}


@bp.post("/settings/export")
@login_required
@limits.data_export
def request_export():
    ensure_can_write(current_user)
    if not ButtonForm().validate_on_submit():
        abort(400)
    export = DataExport(user_id=current_user.id, expires_at=clock.now() + KEEP_FOR)
    db.session.add(export)
    db.session.flush()
    after_commit("build_export", export.id)
    db.session.commit()
    flash("We are gathering your data; it will be offered here, and we'll email you when it "
          "is ready.", "success")
    return redirect(url_for("auth.settings") + "#data")


@bp.get("/settings/export/<id:export_id>.json")
@login_required
@limits.data_download
def download_export(export_id: int):
    export = db.session.get(DataExport, export_id) if export_id <= MAX_ID else None
    if export is None or export.user_id != current_user.id or export.content is None \
            or export.expires_at <= clock.now():
        abort(404)
    stamp = clock.as_utc(export.created_at).strftime("%Y%m%d")
    return Response(export.content, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="forecast-forum-{stamp}.json"',
        "Cache-Control": "private, no-store"})
