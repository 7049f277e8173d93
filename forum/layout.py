"""The layout's own data: what base.html and the navigation bar show of the viewer on every
page (the unread notification count, the suspension notice's reason).

Every page's template gets one `layout` object, made once per request by the context
processor below; it reads each figure when a template first asks and keeps it for the rest of
the request, so a visitor's page runs no query for it and a member's runs each once (the
inbox page and the navigation bar share one count). Page functions build their own view
models; this is the one piece of data every page shares."""

from functools import cached_property

from flask import Flask, g
from flask_login import current_user

UNREAD_SHOWN = 99  # the navigation bar's badge reads "99+" beyond it


class Layout:
    """The viewer's bits of the layout, each read from the database on first use."""

    @property
    def viewer(self):
        """The logged-in member, or None for a visitor (and outside a request: an email)."""
        user = current_user._get_current_object()  # once: each attribute through the proxy
        return user if user is not None and getattr(user, "is_authenticated", False) else None

    @cached_property
    def unread(self) -> int:
        """The member's unread notifications, counted up to one more than the bar shows (0 for
        a visitor, without a query)."""
        if self.viewer is None:
            return 0
        from forum.notifications.services import unread_count

        return unread_count(self.viewer, cap=UNREAD_SHOWN + 1)

    @property
    def unread_badge(self) -> str:
        """The count as the navigation bar shows it: '7', or '99+' beyond UNREAD_SHOWN."""
        return f"{UNREAD_SHOWN}+" if self.unread > UNREAD_SHOWN else str(self.unread)

    @cached_property
    def suspension_reason(self) -> str | None:
        """The moderator's reason for the member's current suspension (None when they are
        not suspended, without a query)."""
        from forum.auth.suspension import suspension_reason

        return suspension_reason(self.viewer)


def current_layout() -> Layout:
    """This request's layout (one per request, or per app context outside one)."""
    if "layout" not in g:
        g.layout = Layout()
    return g.layout


def layout_context() -> dict:
    return {"layout": current_layout()}


def register(app: Flask) -> None:
    """Give every template the `layout`."""
    app.context_processor(layout_context)
