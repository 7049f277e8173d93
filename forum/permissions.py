"""Who may do what: each rule in one place, raising the error a page or the API shows."""

from forum.errors import Forbidden


def ensure_can_write(user) -> None:
    """A logged-in member who is not suspended (every write needs this)."""
    if user.suspended:
        raise Forbidden("Your account is suspended: you can read, but not post, vote or comment.")


def ensure_moderator(user) -> None:
    """Moderators and admins only."""
    ensure_can_write(user)
    if not user.is_moderator:
        raise Forbidden("Only moderators can do that.")


def ensure_admin(user) -> None:
    """Admins only."""
    ensure_can_write(user)
    if not user.is_admin:
        raise Forbidden("Only admins can do that.")
