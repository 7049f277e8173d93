"""Accounts: register, log in and out, settings, sessions and API tokens."""

from flask import Blueprint

bp = Blueprint("auth", __name__)


@bp.before_request
def _account_writes_are_unseen() -> None:
    """A member's own account (registration, log-in, address, password, time zone, email
    switches, tokens, exports) shows on no cached page: its writes raise no cache version.
    The two that others see say so themselves: the bio (settings) and a deletion (the name)."""
    from forum import cache_versions

    cache_versions.unseen()
