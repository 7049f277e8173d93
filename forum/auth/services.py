"""Account rules: usernames, passwords, login sessions and API tokens."""

import functools
import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached

from forum import cache_versions, clock
from forum.database import prebuilt
from forum.errors import Invalid
from forum.extensions import db
from forum.forms import declare_limits
from forum.models import ROLES, ApiToken, LoginSession, User, token_digest
from forum.models.user import TOKEN_NAME_MAX
from forum.params import read_id
from forum.text import line_problem, prose_problem

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{3,30}$")
_USERNAME_CHAR = re.compile(r"[A-Za-z0-9_-]")
USERNAME_RULE = "3–30 characters: letters A–Z, digits, '_' or '-'."
DELETED_PREFIX = "deleted-"  # deleted accounts are renamed deleted-<n>
MIN_PASSWORD = 10
MAX_PASSWORD = 200
USERNAME_MAX = 30
EMAIL_MAX = 254
BIO_MAX = 1000
declare_limits(username=USERNAME_MAX, email=EMAIL_MAX, bio=BIO_MAX, password=MAX_PASSWORD)
MAX_TOKENS = 20  # API tokens one member may hold at once (made in Settings)
TOKEN_USE_GRANULARITY = timedelta(minutes=1)  # how exactly "last used" is kept


def normalize_username(raw: str) -> str:
    """NFKC folds full-width and compatibility forms to plain ASCII before the rules apply."""
    return unicodedata.normalize("NFKC", raw or "").strip()


def username_key(username: str) -> str:
    """The case-insensitive identity of a username."""
    return normalize_username(username).casefold()


def username_errors(username: str) -> list[str]:
    """What is wrong with a (normalized) username, said so the person can fix it; or nothing."""
    if username.casefold().startswith(DELETED_PREFIX):
        return [f"Names starting with '{DELETED_PREFIX}' are kept for deleted accounts."]
    if USERNAME_PATTERN.fullmatch(username):
        return []
    unwanted = sorted({char for char in username if not _USERNAME_CHAR.fullmatch(char)})
    if unwanted:
        named = ["spaces" if char.isspace() else repr(char) for char in unwanted]
        return [f"Use only letters A–Z, digits, '_' and '-'; remove {', '.join(named)}."]
    if len(username) < 3:
        return ["Use at least 3 characters."]
    return ["Use at most 30 characters."]


# Readers (forum.forms): every rule of an account's fields that needs no database, each field's
# problems named at once. Pages, the CLI and the services all read through these.

@dataclass(frozen=True)
class NewAccount:
    username: str
    email: str
    password: str


def _text(data: Mapping, name: str) -> str:
    value = data.get(name)
    return value if isinstance(value, str) else ""


def clean_email(raw: str, field: str = "email") -> str:
    """A normalised address, or Invalid naming the field."""
    raw = (raw or "").strip()
    try:
        if len(raw) > EMAIL_MAX:
            raise ValueError(raw)
        return validate_email(raw, check_deliverability=False).normalized.lower()
    except (EmailNotValidError, UnicodeError, ValueError):
        raise Invalid({field: ["That doesn't look like an email address."]}) from None


def password_problem(password: str) -> str | None:
    if not MIN_PASSWORD <= len(password or "") <= MAX_PASSWORD:
        return f"Use {MIN_PASSWORD}–{MAX_PASSWORD} characters."
    return None


def read_new_account(data: Mapping, confirm: bool = False) -> NewAccount:
    """A registration's username, email and password (and, from the form, the password typed
    again): Invalid names every bad field."""
    errors: dict[str, list[str]] = {}
    username, email, password = (_text(data, name) for name in ("username", "email",
                                                                "password"))
    username = normalize_username(username)
    if not username:
        errors["username"] = ["Choose a username."]
    elif problems := username_errors(username):
        errors["username"] = problems
    if not email.strip():
        errors["email"] = ["Enter your email address."]
    else:
        try:
            email = clean_email(email)
        except Invalid as invalid:
            errors.update(invalid.fields)
    if not password:
        errors["password"] = ["Choose a password."]
    elif problem := password_problem(password):
        errors["password"] = [problem]
    if confirm:
        again = _text(data, "confirm")
        if not again:
            errors["confirm"] = ["Type the password again."]
        elif again != password:
            errors["confirm"] = ["The two passwords don't match."]
    if errors:
        raise Invalid(errors)
    return NewAccount(username, email, password)


def check_new_account(data: Mapping, confirm: bool = False) -> NewAccount:
    """read_new_account, and the name not taken: every problem at once. (A taken address is
    never said here: registration answers it as a fresh one, SPEC.md §9.)"""
    errors: dict[str, list[str]] = {}
    try:
        account = read_new_account(data, confirm)
    except Invalid as invalid:
        errors, account = dict(invalid.fields), None
    if "username" not in errors and find_user(normalize_username(_text(data, "username"))):
        errors["username"] = ["That username is taken."]
    if errors:
        raise Invalid(errors)
    return account


def read_login(data: Mapping | None) -> tuple[str, str]:
    """A login form's username and password, both required."""
    data = data or {}
    username, password = _text(data, "username"), _text(data, "password")
    errors: dict[str, list[str]] = {}
    if not username.strip():
        errors["username"] = ["Enter your username."]
    elif len(username) > 100:
        errors["username"] = ["Unknown username or wrong password."]
    if not password:
        errors["password"] = ["Enter your password."]
    elif len(password) > MAX_PASSWORD:
        errors["password"] = ["Unknown username or wrong password."]
    if errors:
        raise Invalid(errors)
    return username, password


def read_bio(data: Mapping, name: str = "bio") -> str:
    """A profile's bio: optional prose of at most BIO_MAX characters."""
    bio = _text(data, name).strip()
    if problem := prose_problem(bio):  # PostgreSQL can't store NUL
        raise Invalid({"bio": [problem]})
    if len(bio) > BIO_MAX:
        raise Invalid({"bio": [f"Keep it under {BIO_MAX:,} characters."]})
    return bio


def read_required(data: Mapping, messages: dict[str, str], prefix: str = "") -> list[str]:
    """Fields that must not be empty (each with its message), in the order given."""
    values = [_text(data, prefix + name) for name in messages]
    errors = {name: [message] for (name, message), value in zip(messages.items(), values,
                                                                 strict=True)
              if not value.strip()}
    if errors:
        raise Invalid(errors)
    return values


def _new_password(data: Mapping, errors: dict, name: str, prefix: str) -> str:
    """A new password typed twice (`name` and `confirm`)."""
    new, again = _text(data, prefix + name), _text(data, prefix + "confirm")
    if not new:
        errors[name] = ["Choose a new password."]
    elif problem := password_problem(new):
        errors[name] = [problem]
    if not again:
        errors["confirm"] = ["Type the new password again."]
    elif new and again != new:
        errors["confirm"] = ["The two passwords don't match."]
    return new


def read_new_password(data: Mapping) -> str:
    """A reset's new password, typed twice."""
    errors: dict[str, list[str]] = {}
    new = _new_password(data, errors, "password", "")
    if errors:
        raise Invalid(errors)
    return new


def read_password_change(data: Mapping, prefix: str = "") -> tuple[str, str]:
    """The current password and the new one (typed twice), every problem at once; whether
    the current one is right is the service's check (change_password)."""
    errors: dict[str, list[str]] = {}
    current = _text(data, prefix + "current_password")
    if not current:
        errors["current_password"] = ["Enter your current password."]
    new = _new_password(data, errors, "new_password", prefix)
    if errors:
        raise Invalid(errors)
    return current, new


def find_user(username: str) -> User | None:
    """The user with this name, compared case-insensitively."""
    if "\x00" in username:  # no name holds NUL, and PostgreSQL text can't be compared with it
        return None
    return db.session.scalar(select(User).where(User.username_key == username_key(username)))


def email_taken(email: str) -> bool:
    """Whether an account already uses this email (stored and compared lower-cased)."""
    email = (email or "").strip().lower()
    if not email or "\x00" in email:  # no address holds NUL, and PostgreSQL can't compare it
        return False
    return db.session.scalar(select(User.id).where(User.email == email)) is not None


def register_user(username: str, email: str, password: str, role: str = "member",
                  verified: bool = False) -> User:
    """Create a member; raises Invalid naming the field when a rule or uniqueness fails.
    `verified` (the CLI, tests) skips the activation link a registration otherwise needs."""
    errors: dict[str, list[str]] = {}
    data = {"username": username, "email": email, "password": password}
    try:
        account = check_new_account(data)
        username, email = account.username, account.email
    except Invalid as invalid:
        errors = dict(invalid.fields)
    if "email" not in errors and email_taken(email):
        errors["email"] = ["An account with that email already exists."]
    if role not in ROLES:
        errors["role"] = [f"Role must be one of: {', '.join(ROLES)}."]
    if errors:
        raise Invalid(errors)
    user = User(username=username, username_key=username_key(username), email=email, role=role,
                email_verified_at=clock.now() if verified else None)
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent registration took the name or email
        db.session.rollback()
        raise Invalid({"username": ["That username or email is taken."]}) from None
    return user


def authenticate(username: str, password: str) -> User | None:
    """The user when the password matches; None otherwise (the caller says the same for both)."""
    user = find_user(username or "")
    if user is None:
        User(password_hash=_dummy_hash()).check_password(password or "")
        return None
    return user if user.check_password(password or "") else None


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random password, made once per process, to check against when no account
    has the name, so an unknown name takes as long as a wrong password."""
    probe = User()
    probe.set_password(secrets.token_hex(8))
    return probe.password_hash


def start_session(user: User, user_agent: str = "") -> str:
    """Record a new login session and attach its key to the user for Flask-Login."""
    key = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user=user, key_hash=token_digest(key), user_agent=user_agent[:200]))
    user.session_key = key
    return key


def load_session_user(alt_id: str) -> User | None:
    """Flask-Login's loader: 'user_id:session_key' -> the user, if that session still exists."""
    raw_id, _, key = (alt_id or "").partition(":")
    user_id = read_id(raw_id)
    if user_id is None or not key:
        return None
    key_hash = token_digest(key)
    values = cache_versions.while_unchanged(
        ("session-user", user_id, key_hash), lambda: _session_user_values(user_id, key_hash),
        keep=lambda found: found is not None)  # forged keys would fill the store
    if values is None:
        return None
    user = _attached(values)
    user.session_key = key
    return user


_USER_FIELDS = tuple(attribute.key for attribute in sa_inspect(User).column_attrs)


def _session_user_values(user_id: int, key_hash: str) -> tuple | None:
    """The user's columns (in _USER_FIELDS order), if that login session exists."""
    row = db.session.execute(_session_user_statement(),
                             {"key_hash": key_hash, "user_id": user_id}).first()
    return None if row is None else tuple(row)


_USER_MAPPER = sa_inspect(User)
_ID_INDEX = _USER_FIELDS.index("id")


def _attached(values: tuple) -> User:
    """The user of these column values in this request's session, as if just loaded: no
    query (a user the session already holds is that one)."""
    session = db.session()
    held = session.identity_map.get(
        _USER_MAPPER.identity_key_from_primary_key((values[_ID_INDEX],)))
    if held is not None:
        return held
    user = _detached(values)
    session.add(user)  # a detached instance joins as persistent and clean, as a merge would
    return user


def _detached(values: tuple) -> User:
    """A user of these column values in no session, as a query would have loaded it (not
    through the constructor: its per-attribute events cost more than the rest of a member's
    log-in)."""
    user = _USER_MAPPER.class_manager.new_instance()
    vars(user).update(zip(_USER_FIELDS, values, strict=True))
    make_transient_to_detached(user)
    return user


def detached_copy(user: User) -> User:
    """The same member's row in no session and without their session key: what a page kept
    for everyone may hold of the member whose request rendered it."""
    return _detached(tuple(getattr(user, name) for name in _USER_FIELDS))


@prebuilt
def _session_user_statement():
    """Every member's request runs it first (forum.cache_versions.while_unchanged keeps its
    answer while the database is unchanged)."""
    return (select(*(getattr(User, name) for name in _USER_FIELDS))
            .join(LoginSession, LoginSession.user_id == User.id)
            .where(LoginSession.key_hash == bindparam("key_hash"),
                   User.id == bindparam("user_id")))


def end_session(user: User) -> None:
    """Delete this login session, so its cookies stop working."""
    if user.session_key:
        db.session.execute(
            delete(LoginSession).where(LoginSession.key_hash == token_digest(user.session_key))
        )


def end_other_sessions(user: User) -> None:
    """Every session but the current one, and every API token, stop working."""
    keep = token_digest(user.session_key) if user.session_key else ""
    db.session.execute(
        delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.key_hash != keep)
    )
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password after checking the current one; other sessions end."""
    errors: dict[str, list[str]] = {}
    if not user.check_password(current or ""):
        errors["current_password"] = ["That is not your current password."]
    if problem := password_problem(new):
        errors["new_password"] = [problem]
    if errors:
        raise Invalid(errors)
    user.set_password(new)
    end_other_sessions(user)


def issue_token(user: User, name: str = "") -> str:
    """A new API token; only its hash is stored, so the caller must show it now."""
    raw = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=token_digest(raw), name=name))
    return raw


def read_token_name(name) -> str:
    """A token's name from Settings: one line of 1–60 characters; Invalid otherwise."""
    text = " ".join(name.split()) if isinstance(name, str) else ""
    problem = line_problem(name) if isinstance(name, str) else None
    if problem:
        raise Invalid({"name": [problem]})
    if not 1 <= len(text) <= TOKEN_NAME_MAX:
        message = (f"Name the token in 1–{TOKEN_NAME_MAX} characters, for example the "
                   "script that will use it.")
        raise Invalid({"name": [message]})
    return text


def create_named_token(user: User, name) -> str:
    """A token made in Settings, with its name; Invalid when the name is bad or the member
    already holds MAX_TOKENS (revoking one makes room)."""
    text = read_token_name(name)
    held = db.session.scalar(select(func.count(ApiToken.id)).where(ApiToken.user_id == user.id))
    if held >= MAX_TOKENS:
        message = (f"You have {MAX_TOKENS} tokens, the most one member may hold: revoke one "
                   "you no longer use first.")
        raise Invalid({"name": [message]})
    return issue_token(user, text)


def note_token_use(token_id: int, last_used_at) -> None:
    """Record that a request came with the token, at most once a minute (a read stays a read:
    no write for each request). Its own short transaction, after the request's work: the page
    cache's write counter is not bumped (no page shows it)."""
    now = clock.now()
    if last_used_at is not None and now - last_used_at < TOKEN_USE_GRANULARITY:
        return
    db.session.rollback()  # end the request's own transaction first (its writes committed)
    db.session.execute(update(ApiToken).where(ApiToken.id == token_id)
                       .values(last_used_at=now))
    db.session.commit()


def user_for_token(raw: str) -> tuple[User, ApiToken] | None:
    """The user and token row behind a bearer token, or None."""
    row = db.session.execute(
        select(User, ApiToken).join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == token_digest(raw))
    ).first()
    return (row[0], row[1]) if row else None


def revoke_token(user: User, token_id: int) -> bool:
    """Delete one of the user's tokens; False when it is not theirs or already gone."""
    result = db.session.execute(
        delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    return result.rowcount > 0

