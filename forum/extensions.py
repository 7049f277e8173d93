"""The unbound extension objects; `create_app` binds them to an app."""

from flask import request
from flask_limiter import Limiter
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.exc import SQLAlchemyError

from forum import limit_store  # noqa: F401  (registers the sqlite:// rate-limit store)
from forum.database import Base


def rate_limit_key() -> str:
    """Per user once authenticated, per client IP otherwise (SPEC.md §8)."""
    try:
        if current_user and current_user.is_authenticated:
            return f"user:{current_user.id}"
    except SQLAlchemyError:  # the database is down: the view answers 503; no limit error here
        pass
    return f"ip:{request.remote_addr or 'unknown'}"


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=rate_limit_key)
