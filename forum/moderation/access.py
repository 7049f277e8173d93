"""Who reaches the moderation pages, shared by every module of them."""

from functools import wraps

from flask_login import current_user

from forum.extensions import login_manager
from forum.permissions import ensure_moderator

ID = "<id:{}>"  # a URL part for an id (forum.params.IdConverter); others are 404


def moderator_page(view):
    """Log in first (anonymous visitors are sent to the login page); 403 for anyone else."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        ensure_moderator(current_user)
        return view(*args, **kwargs)

    return wrapped
