"""Members, their login sessions and their API tokens."""

import hashlib
from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, and_, or_, true
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from forum import clock
from forum.extensions import db

ROLES = ("member", "moderator", "admin")


def token_digest(secret: str) -> str:
    """The stored form of a session key or API token: its SHA-256, never the secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('member', 'moderator', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(30))
    username_key: Mapped[str] = mapped_column(String(30), unique=True)  # NFKC + casefold
    email: Mapped[str | None] = mapped_column(String(254), unique=True)  # lower-cased; None
    # once the account is deleted
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="member")
    bio: Mapped[str] = mapped_column(Text, default="")
    # A suspension is the flag and an optional end: it lifts itself at `suspended_until`,
    # checked whenever it is read (`suspended`), so no job has to run for it to end.
    suspension_flag: Mapped[bool] = mapped_column("suspended", default=False)
    suspended_until: Mapped[datetime | None]
    joined_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    email_verified_at: Mapped[datetime | None]  # None until the activation link is followed
    pending_email: Mapped[str | None] = mapped_column(String(254))  # a change awaiting its link
    deleted_at: Mapped[datetime | None]
    # Which notification emails the member wants (SPEC.md §9); every kind is on by default.
    email_replies: Mapped[bool] = mapped_column(default=True, server_default=true())
    email_resolutions: Mapped[bool] = mapped_column(default=True, server_default=true())
    email_reminders: Mapped[bool] = mapped_column(default=True, server_default=true())
    email_digest: Mapped[bool] = mapped_column(default=True, server_default=true())
    # The IANA zone every date and time is shown in for this member (forum/timezones.py).
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    email_moderation: Mapped[bool] = mapped_column(default=True, server_default=true())

    session_key = None  # the login session this request belongs to (not stored here)

    @hybrid_property
    def suspended(self) -> bool:
        """Suspended right now: the flag is set and its end (if any) is still ahead."""
        return bool(self.suspension_flag) and (
            self.suspended_until is None or clock.now() < self.suspended_until)

    @suspended.inplace.setter
    def _suspended_setter(self, value: bool) -> None:
        self.suspension_flag = bool(value)
        if not value:
            self.suspended_until = None

    @suspended.inplace.expression
    @classmethod
    def _suspended_expression(cls):
        return and_(cls.suspension_flag.is_(True),
                    or_(cls.suspended_until.is_(None), cls.suspended_until > clock.now()))

    def set_password(self, password: str) -> None:
        """Store a scrypt hash of the password (the test config lowers scrypt's cost)."""
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() \
            else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        """True when the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        """Flask-Login's id: the user and the server-side session, so logout can end it."""
        return f"{self.id}:{self.session_key}"

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_moderator(self) -> bool:
        return self.role in ("moderator", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class LoginSession(db.Model):
    """A browser login; deleting the row ends it even if its cookie is replayed."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship()


TOKEN_NAME_MAX = 60


class ApiToken(db.Model):
    """A bearer token for the JSON API, stored as its SHA-256."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    # What its owner called it in Settings ("" for one from POST /api/v1/tokens), and when a
    # request last came with it (to the minute: forum.api.auth).
    name: Mapped[str] = mapped_column(String(TOKEN_NAME_MAX), default="", server_default="")
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
