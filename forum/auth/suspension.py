"""A suspended member may log in and read, and sees why they are suspended; nothing they send
changes a row (SPEC.md §7: every write is 403), through a page or the API, with a session or a
bearer token. One guard refuses every POST, PUT, PATCH and DELETE before any view runs, so a
new route is covered without a line of its own; ending their own access (logging out, revoking
a token) is the only thing let through."""

from flask import request
from flask_login import current_user
from sqlalchemy import select

from forum.auth import bp
from forum.errors import Forbidden
from forum.extensions import db
from forum.models import AuditEntry
from forum.permissions import SUSPENDED_MESSAGE

READS = frozenset({"GET", "HEAD", "OPTIONS"})
ENDS_ACCESS = frozenset({"auth.logout", "auth.revoke_token", "api.revoke_current_token"})


def is_suspended(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.suspended


def refuse_suspended_writes(user) -> None:
    """403 for a write by a suspended member (not for a route that doesn't exist: 404/405)."""
    if (request.method in READS or request.url_rule is None
            or request.endpoint in ENDS_ACCESS or not is_suspended(user)):
        return
    raise Forbidden(SUSPENDED_MESSAGE)


@bp.before_app_request
def guard_writes():
    """Pages, with the session's user. The API calls `refuse_suspended_writes` itself once it
    knows who sent the request (its bearer token wins over the session)."""
    if request.blueprint != "api":
        refuse_suspended_writes(current_user)


@bp.app_template_global()
def suspension_reason(user) -> str | None:
    """The reason the moderator gave for the member's current suspension, if any."""
    if not is_suspended(user):
        return None
    return db.session.scalar(
        select(AuditEntry.reason)
        .where(AuditEntry.action == "suspend", AuditEntry.target_type == "user",
               AuditEntry.target_id == user.id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(1)
    ) or None
