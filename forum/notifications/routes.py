"""The inbox: notifications newest first, unread highlighted; mark one or all as read."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import limits
from forum.extensions import db
from forum.notifications import bp, services
from forum.pagination import read_page_args
from forum.params import MAX_PAGE, read_whole_number


@bp.get("/notifications")
@login_required
def index():
    page, per_page = read_page_args(request.args, default_per_page=20, max_per_page=100)
    return render_template("notifications/index.html",
                           notifications=services.inbox(current_user, page, per_page))


@bp.get("/notifications/<id:notification_id>")
@login_required
def show_notification(notification_id: int):
    """Where a notification leads, without marking it read (a GET never writes)."""
    return redirect(services.target_url(services.get_notification(current_user,
                                                                   notification_id)))


@bp.post("/notifications/<id:notification_id>")
@login_required
@limits.notifications
def open_notification(notification_id: int):
    """Follow a notification (the inbox's button) to what it is about, marking it read."""
    notification = services.mark_opened(current_user, notification_id)
    db.session.commit()
    return redirect(services.target_url(notification), code=303)


@bp.post("/notifications/<id:notification_id>/read")
@login_required
@limits.notifications
def mark_read(notification_id: int):
    services.get_notification(current_user, notification_id)  # 404 unless theirs and visible
    services.mark_read(current_user, notification_id)
    db.session.commit()
    return redirect(_back())


@bp.post("/notifications/read")
@login_required
@limits.notifications
def mark_all_read():
    count = services.mark_all_read(current_user)
    db.session.commit()
    flash(f"Marked {count} notification{'s' if count != 1 else ''} as read." if count else
          "Nothing new: everything was already read.", "success" if count else "info")
    return redirect(_back())


def _back() -> str:
    """Back to the page of the inbox the form was on."""
    page = read_whole_number(request.form.get("page"), 2, MAX_PAGE)  # 1, or none: the first
    return url_for("notifications.index", page=page)
