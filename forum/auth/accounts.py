"""Account recovery and ownership (SPEC.md §9): activation, password reset, address change,
account deletion. The views in recovery.py and account.py call these; emails are queued here
and sent by the worker after the commit."""

import logging
import secrets
from datetime import timedelta

from huey import crontab
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from forum import cache_versions, clock, tokens
from forum.auth import notifications
from forum.auth.services import (
    DELETED_PREFIX,
    MAX_PASSWORD,
    MIN_PASSWORD,
    check_new_account,
    clean_email,
    email_taken,
    find_user,
    normalize_username,
    register_user,
    username_errors,
    username_key,
)
from forum.errors import Invalid
from forum.extensions import db
from forum.jobs import job
from forum.models import (
    ApiToken,
    Comment,
    Forecast,
    LoginSession,
    Notification,
    Prediction,
    User,
)
from forum.tokens import TokenError

log = logging.getLogger("forum")


def _user_from(payload: dict) -> User:
    user_id = payload.get("u")
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.is_deleted:
        raise TokenError(410, "That account no longer exists.")
    return user


def user_by_email(email: str) -> User | None:
    email = (email or "").strip().lower()
    if not email or "\x00" in email or len(email) > 254:
        return None
    return db.session.scalar(select(User).where(User.email == email))


# --- registration and activation ----------------------------------------------------------

def register(username: str, email: str, password: str, confirm: str | None = None) -> User:
    """A registration that reveals no address (SPEC.md §9). A new address gets an account
    awaiting its activation link. An address that has an account gets the same visible
    effect: the name is held by an account with no address (it can never be activated, and
    is purged with the other unactivated ones), and the address's owner is emailed instead.
    Either way the name is taken from now on and logging in with it says "not active yet",
    so nothing a stranger can observe tells the two apart. Every problem with the fields
    (and `confirm`, the password typed again, when given) is named at once first."""
    account = check_new_account({"username": username, "email": email, "password": password,
                                 "confirm": confirm}, confirm=confirm is not None)
    username, email = account.username, account.email
    owner = user_by_email(email)
    if owner is None:
        try:
            user = register_user(username, email, password)
        except Invalid:
            db.session.rollback()
            if find_user(username) is not None or user_by_email(email) is None:
                raise
            owner = user_by_email(email)  # another registration took the address meanwhile
        else:
            notifications.send_activation(user)
            return user
    user = _hold_name(username, password)
    if not owner.is_deleted:
        notifications.send_address_taken(owner)
    return user


def _hold_name(username: str, password: str) -> User:
    username = normalize_username(username)
    if problems := username_errors(username):
        raise Invalid({"username": problems})
    if find_user(username):
        raise Invalid({"username": ["That username is taken."]})
    user = User(username=username, username_key=username_key(username), email=None)
    user.set_password(password)  # as long as a real registration takes
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Invalid({"username": ["That username is taken."]}) from None
    return user


@job("purge_unactivated", schedule=crontab(hour="3", minute="30"))
def purge_unactivated() -> int:
    """Delete accounts never activated within the activation link's life, freeing their
    names (they never logged in, so they own nothing)."""
    cutoff = clock.now() - timedelta(seconds=notifications.ACTIVATION_MAX_AGE)
    owns = [select(model.id).where(column == User.id).exists() for model, column in (
        (Prediction, Prediction.author_id), (Forecast, Forecast.user_id),
        (Comment, Comment.author_id))]
    removed = db.session.execute(delete(User).where(
        User.email_verified_at.is_(None), User.deleted_at.is_(None), User.joined_at < cutoff,
        *[~owned for owned in owns])).rowcount
    db.session.commit()
    return removed


def activate(token: str) -> User:
    """Mark the address verified; 410 when the link was used already or the address changed."""
    payload = tokens.read("activate", token, notifications.ACTIVATION_MAX_AGE)
    user = _user_from(payload)
    if user.is_verified:
        raise TokenError(410, "That link was used already: your account is active. Log in.")
    if payload.get("e") != user.email:
        raise TokenError(410, "That link is for an address this account no longer uses.")
    user.email_verified_at = clock.now()
    return user


def resend_token(user: User) -> str:
    """A short-lived token the login page hands back to send the activation link again."""
    return tokens.make("resend-activation", {"u": user.id})


def resend_activation(token: str) -> None:
    payload = tokens.read("resend-activation", token, 3600)
    user = _user_from(payload)
    if not user.is_verified:
        notifications.send_activation(user)


# --- password reset -----------------------------------------------------------------------

def request_reset(email: str) -> None:
    """Email a reset link when an account has this address; the caller answers the same
    either way."""
    user = user_by_email(email)
    if user is not None and not user.is_deleted:
        notifications.send_reset(user)


def check_reset_token(token: str) -> User:
    payload = tokens.read("reset-password", token, notifications.RESET_MAX_AGE)
    user = _user_from(payload)
    if payload.get("p") != tokens.fingerprint(user.password_hash):
        raise TokenError(410, "That link was used already. Ask for a new one if you need it.")
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set the password from a reset link: every session and API token of the account ends,
    and the address counts as verified (the link proved it)."""
    user = check_reset_token(token)
    if not MIN_PASSWORD <= len(new_password or "") <= MAX_PASSWORD:
        raise Invalid({"password": [f"Use {MIN_PASSWORD}–{MAX_PASSWORD} characters."]})
    user.set_password(new_password)
    end_every_session(user)
    if not user.is_verified:
        user.email_verified_at = clock.now()
    return user


def end_every_session(user: User) -> None:
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))


# --- address change -----------------------------------------------------------------------

def request_email_change(user: User, password: str, new_raw: str) -> str:
    """Send a confirmation link to the new address and word to the old one. The answer is
    the same when the new address belongs to another account (nothing is sent to it then
    but a note that it is registered already), so the form reveals no address."""
    errors: dict[str, list[str]] = {}
    if not user.check_password(password or ""):
        errors["password"] = ["That is not your current password."]
    try:
        new_email = clean_email(new_raw)
    except Invalid as error:
        errors.update(error.fields)
        new_email = ""
    if new_email and new_email == user.email:
        errors["email"] = ["That is your address already."]
    if errors:
        raise Invalid(errors)
    if email_taken(new_email):
        notifications.send_address_taken(user_by_email(new_email))
        return new_email
    user.pending_email = new_email
    notifications.send_email_change(user, new_email)
    return new_email


def confirm_email(token: str) -> User:
    payload = tokens.read("change-email", token, notifications.EMAIL_CHANGE_MAX_AGE)
    user = _user_from(payload)
    new_email = payload.get("new")
    if user.email != payload.get("old") or user.pending_email != new_email:
        raise TokenError(410, "That link was used already, or a newer change replaced it.")
    if email_taken(new_email):
        user.pending_email = None
        raise TokenError(410, "That address now belongs to another account.")
    user.email = new_email
    user.pending_email = None
    user.email_verified_at = clock.now()
    return user


def resend_email_change(user: User) -> bool:
    if not user.pending_email:
        return False
    notifications.send_email_change(user, user.pending_email)
    return True


# --- deletion -----------------------------------------------------------------------------

def delete_account(user: User, password: str) -> None:
    """Erase the address, bio, sessions, tokens and notifications and rename the account
    `deleted-<n>`; forecasts, comments and scores stay, anonymous, so nobody's score moves."""
    if not user.check_password(password or ""):
        raise Invalid({"password": ["That is not your password."]})
    name = f"{DELETED_PREFIX}{user.id}"
    user.username, user.username_key = name, username_key(name)
    user.email = None
    user.pending_email = None
    user.bio = ""
    user.role = "member"
    user.deleted_at = clock.now()
    cache_versions.touch(cache_versions.SITE)  # the name, on every page that shows it
    for switch in ("email_replies", "email_resolutions", "email_reminders", "email_digest"):
        setattr(user, switch, False)
    user.set_password(secrets.token_urlsafe(32))  # nobody knows it: the account can't log in
    end_every_session(user)
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
