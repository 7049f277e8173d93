"""The kinds of email: each feature declares its own with `@email_kind` (a template and the
function that gathers its context), and the switches in settings that turn kinds off."""

from collections.abc import Callable
from dataclasses import dataclass

# The switches a member has in settings, by the column that holds each (SPEC.md §9).
SWITCHES = {
    "email_replies": "Replies to my comments",
    "email_resolutions": "Resolutions and corrections of predictions I forecast on or wrote, "
                         "with my score",
    "email_reminders": "Reminders (a prediction closes soon; moderators: predictions waiting "
                       "for resolution)",
    "email_digest": "A daily digest of activity on my predictions",
    "email_moderation": "Moderators' decisions about me: a suspension and its end, a comment "
                        "or prediction of mine hidden (with the reason)",
}


@dataclass(frozen=True)
class EmailKind:
    name: str
    template: str
    build: Callable  # (delivery, user) -> template context, or None to skip the email
    switch: str | None = None  # the User column that turns the kind off; None: account mail


KINDS: dict[str, EmailKind] = {}


def email_kind(name: str, template: str, switch: str | None = None):
    """Declare a kind of email: its template and the function that gathers its context."""
    if switch is not None and switch not in SWITCHES:
        raise ValueError(f"unknown switch {switch!r}")

    def declare(build: Callable) -> Callable:
        KINDS[name] = EmailKind(name, template, build, switch)
        return build

    return declare
