"""A suspended member may log in and read, and sees why they are suspended; nothing they send
changes a row (SPEC.md §7: every write is 403), through a page or the API, with a session or a
bearer token. One guard refuses every POST, PUT, PATCH and DELETE before any view runs, so a
new route is covered without a line of its own; ending their own access (logging out, revoking
a token) is the only thing let through (their inbox reads, but doesn't change).

So that nobody types a comment only to meet that 403, every page they are shown has its
write forms disabled, each saying why (`lock_write_forms`), and a notice with the reason and
the end, if any, heads every page (base.html). A suspension with an end lifts itself then: the
User model reads it at read time, so every page, the guard and the moderators' lists agree."""

import html
import re

from flask import current_app, g, request
from flask_login import current_user
from markupsafe import escape
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from forum.auth import bp
from forum.errors import Forbidden
from forum.extensions import db
from forum.models import AuditEntry
from forum.permissions import SUSPENDED_MESSAGE

READS = frozenset({"GET", "HEAD", "OPTIONS"})
ENDS_ACCESS = frozenset({"auth.logout", "auth.revoke_token", "api.revoke_current_token"})
_FORM = re.compile(r"(<form\b[^>]*>)(.*?)(</form>)", re.IGNORECASE | re.DOTALL)
_ATTRIBUTE = r"""\b{}\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))"""
_TYPED = re.compile(r"<textarea\b|<select\b|<input\b(?![^>]*type=\"(?:hidden|submit|radio|checkbox)\")",
                    re.IGNORECASE)


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


def suspension_reason(user) -> str | None:
    """The reason the moderator gave for the member's current suspension, if any: read once a
    request (the notice in base.html, through forum/layout.py, and `lock_write_forms` both
    show it)."""
    if not is_suspended(user):
        return None
    known = g.setdefault("suspension_reasons", {})
    if user.id not in known:
        known[user.id] = db.session.scalar(
            select(AuditEntry.reason)
            .where(AuditEntry.action == "suspend", AuditEntry.target_type == "user",
                   AuditEntry.target_id == user.id)
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(1)
        ) or None
    return known[user.id]


@bp.app_template_global()
def suspension_moment(value) -> str:
    """'12 Dec 2026, 00:00 UTC'."""
    from forum.moderation.notifications import moment

    return moment(value)


def _attribute(tag: str, name: str) -> str | None:
    match = re.search(_ATTRIBUTE.format(name), tag, re.IGNORECASE)
    return None if match is None else html.unescape(next(g for g in match.groups() if g is not None))


def _allowed_action(action: str) -> bool:
    """The form posts to a route a suspended member may still use (logging out, revoking a
    token)."""
    path = action.split("?", 1)[0].split("#", 1)[0] or request.path
    try:
        endpoint, _ = current_app.url_map.bind("").match(path, method="POST")
    except (HTTPException, RequestRedirect):
        return False
    return endpoint in ENDS_ACCESS


def lock_write_forms(page: str, reason: str | None) -> str:
    """Every POST form of the page in a disabled fieldset; a form one types into also says
    why, so nothing is typed for nothing. Forms a suspended member may still send stay."""
    why = "You can't send this: your account is suspended"
    why += f" (the moderator's reason: “{reason}”)." if reason else "."

    def lock(match: re.Match) -> str:
        opening, body, closing = match.groups()
        if (_attribute(opening, "method") or "get").lower() != "post" \
                or _allowed_action(_attribute(opening, "action") or ""):
            return match.group(0)
        note = (f'<p class="suspended-note" role="note">{escape(why)}</p>'
                if _TYPED.search(body) else "")
        return (f'{opening}<fieldset class="suspended-lock" disabled title="{escape(why)}">'
                f"{note}{body}</fieldset>{closing}")

    return _FORM.sub(lock, page)


@bp.after_app_request
def disable_forms_while_suspended(response):
    """A suspended member's pages come with their write forms disabled, saying why."""
    if (request.blueprint == "api" or response.mimetype != "text/html"
            or response.direct_passthrough or response.is_streamed
            or not is_suspended(current_user)):
        return response
    response.set_data(lock_write_forms(response.get_data(as_text=True),
                                       suspension_reason(current_user)))
    return response
