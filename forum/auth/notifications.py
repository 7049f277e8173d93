"""Account emails: who gets which, and what each says (templates in templates/auth/emails/).

These are account mail, sent whatever the member's notification switches say: activation,
"your address is already registered", password reset and an address change."""

from forum import clock, tokens
from forum.mail import email_kind, queue
from forum.models import User
from forum.site import absolute_url

ACTIVATION_MAX_AGE = 7 * 24 * 3600
RESET_MAX_AGE = 3600  # one hour (SPEC.md §9)
EMAIL_CHANGE_MAX_AGE = 24 * 3600


def activation_token(user: User) -> str:
    return tokens.make("activate", {"u": user.id, "e": user.email})


def reset_token(user: User) -> str:
    """Bound to the password hash: once the password is set, the link stops working."""
    return tokens.make("reset-password", {"u": user.id, "p": tokens.fingerprint(user.password_hash)})


def email_change_token(user: User, new_email: str) -> str:
    return tokens.make("change-email", {"u": user.id, "old": user.email, "new": new_email})


def send_activation(user: User) -> int | None:
    return queue("activate", user=user)


def _bucket(minutes: int) -> str:
    """The current slice of time, for dedupe keys that cap how often a stranger's requests
    can email one address."""
    now = clock.now()
    return f"{now:%Y%m%d}-{(now.hour * 60 + now.minute) // minutes}"


def send_address_taken(owner: User) -> int | None:
    return queue("address_taken", user=owner,
                 dedupe_key=f"address_taken:{owner.id}:{_bucket(60)}")  # at most one an hour


def send_reset(user: User) -> int | None:
    return queue("reset_password", user=user,
                 dedupe_key=f"reset_password:{user.id}:{_bucket(5)}")  # one per 5 minutes


def send_email_change(user: User, new_email: str) -> None:
    """A link to the new address, and word to the old one."""
    queue("confirm_email", user=user, recipient=new_email, params={"new": new_email})
    queue("email_change_requested", user=user, recipient=user.email, params={"new": new_email})


@email_kind("activate", "auth/emails/activate.txt")
def _activate(delivery, user):
    if user is None or user.is_verified:
        return None
    return {"link": absolute_url("auth.activate", token=activation_token(user))}


@email_kind("address_taken", "auth/emails/address_taken.txt")
def _address_taken(delivery, user):
    return {"login_link": absolute_url("auth.login"),
            "reset_link": absolute_url("auth.reset_request")}


@email_kind("reset_password", "auth/emails/reset_password.txt")
def _reset_password(delivery, user):
    # Made when the email is sent, so the hour starts then.
    return {"link": absolute_url("auth.reset_password", token=reset_token(user))}


@email_kind("confirm_email", "auth/emails/confirm_email.txt")
def _confirm_email(delivery, user):
    new_email = delivery.params.get("new")
    if user is None or user.pending_email != new_email:
        return None  # a later request replaced it, or it was confirmed already
    return {"new_email": new_email,
            "link": absolute_url("auth.confirm_email", token=email_change_token(user, new_email))}


@email_kind("email_change_requested", "auth/emails/email_change_requested.txt")
def _email_change_requested(delivery, user):
    return {"new_email": delivery.params.get("new", ""),
            "reset_link": absolute_url("auth.reset_request")}
