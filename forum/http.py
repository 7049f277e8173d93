"""Where a page sends the browser next, for every feature: `next` followed only to a path on
this site, back to the page a form was on, or to the login page first."""

from urllib.parse import urlsplit

from flask import flash, redirect, request, url_for


def safe_next(target: str | None) -> str | None:
    """Follow `next` only to a path on this site (no scheme, host or protocol-relative URL)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def next_or(default: str) -> str:
    """The request's `next` (form or query string) if it is a path on this site, else the
    default: what a page re-shown with errors carries on in its form."""
    return safe_next(request.values.get("next")) or default


def back_to(fallback: str) -> str:
    """Where a form's `next` field says to return, if it is a path on this site."""
    return safe_next(request.form.get("next")) or fallback


def redirect_back(fallback: str):
    """Redirect to the form's `next` (a path on this site) or the fallback."""
    return redirect(back_to(fallback))


def login_first(back: str):
    """Send an anonymous writer to log in, then back to the page the form was on."""
    flash("Log in to do that.", "info")
    return redirect(url_for("auth.login", next=back), code=303)
