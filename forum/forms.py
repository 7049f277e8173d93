"""Reading a form and showing what is wrong with it, one way for every page.

The idiom: one reader per input (`forum.board.validation.read_prediction`,
`forum.moderation.resolutions.read_resolution`, `forum.comments.services.read_body`,
`forum.auth.services.read_registration`, …) takes a mapping (a form or a JSON body) and
returns the values, or raises `Invalid` naming every bad field at once. The JSON API turns
that into SPEC.md §7's error; a page puts the same messages beside its fields with
`place_errors` and lists them at the top of the form in an error summary (the
`error_summary` macro of templates/_macros/forms.html), which links to each field and takes
the focus, so the person lands on the form with JavaScript or without. Services keep only
the rules that need the database (a taken name, a closed prediction).

A refused submission (422) spends no budget; one refused by a rate limit (429) shows its
form again with what was typed (`keep_input_when_limited`).
"""

from collections.abc import Callable, Iterable
from functools import wraps

from flask import request
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from forum.errors import ActionError, Invalid, log_rate_limited, retry_after

# The length limits and number bounds of the fields, by name, for the templates (`limits.title`):
# each feature declares its own constants here, so the browser's `maxlength`, `min` and `max`
# and the counters are the server's numbers, never a second copy.
FIELD_LIMITS: dict[str, int] = {}


def declare_limits(**limits: int) -> None:
    FIELD_LIMITS.update(limits)


def place_errors(form, error: Invalid | str) -> None:
    """Put a reader's or a service's field errors beside the WTForms form's fields; a message
    for no field of the form (or a plain message, e.g. a rate limit's) becomes one of the
    form's own errors (`form.form_errors`), shown at the top of its error summary."""
    if isinstance(error, str):
        form.form_errors.append(error)
        return
    for name, messages in (error.fields or {}).items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors or []) + list(messages)
        else:
            form.form_errors.extend(messages)
    if not error.fields:
        form.form_errors.append(error.message)


def error_items(errors, ids: dict[str, str] | None = None, prefix: str = "",
                labels: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(element id, "Label: message") for each error, in the form's order, for the summary.

    `errors` is a WTForms form (each field's own id and label), or a dict of field name →
    messages (a reader's `Invalid.fields`), whose fields are `ids[name]`, else
    `prefix + name`, labelled `labels[name]` when given."""
    if hasattr(errors, "_fields"):  # a WTForms form
        return [(field.id, _labelled(field.label.text, message)) for field in errors
                for message in (field.errors or []) if isinstance(message, str)]
    items = []
    for name, messages in (errors or {}).items():
        target = (ids or {}).get(name) or f"{prefix}{name}"
        items.extend((target, _labelled((labels or {}).get(name), message))
                     for message in _as_list(messages))
    return items


def _labelled(label: str | None, message: str) -> str:
    """"Resolves on: Give a date…"; "How likely is it? Choose…" (a question keeps its mark)."""
    if not label:
        return message
    return f"{label} {message}" if label.endswith(("?", ":")) else f"{label}: {message}"


def _as_list(messages) -> Iterable[str]:
    return [messages] if isinstance(messages, str) else list(messages or [])


def keep_input_when_limited(show_again: Callable, anonymous: bool = False) -> Callable:
    """A page form's view, decorated above its rate limit: when the limit refuses the
    submission, `show_again(message, **view_args)` (a page and its status) gives the form filled in with
    what was typed and the message (status 429, with Retry-After), not a bare error page.
    Only members' submissions are shown again, unless `anonymous` (logging in, registering):
    a visitor's is sent to log in as usual."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            try:
                return view(*args, **kwargs)
            except RateLimitExceeded as error:
                if request.method != "POST" or not (
                        anonymous or current_user.is_authenticated):
                    raise
                wait = retry_after(error)
                try:
                    body = show_again(limit_message(error, wait), **kwargs)[0]
                except (HTTPException, ActionError):  # e.g. no such prediction: plain 429
                    raise error from None
                log_rate_limited()
                return body, 429, {"Retry-After": str(wait)}

        return wrapped

    return decorate


def limit_message(error: RateLimitExceeded, wait: int) -> str:
    """What the limit is and when to try again, in words a person reads."""
    limit = getattr(error, "limit", None)
    said = str(limit.limit) if limit is not None else str(error.description)
    when = _in(wait)
    return (f"Slow down a little: the limit is {said}. Try again {when}; "
            "what you typed is kept here.")


def _in(seconds: int) -> str:
    """'in 40 seconds', 'in 12 minutes', 'in about 2 hours'."""
    for size, name in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = round(seconds / size)
            return f"in {'about ' if size > 60 else ''}{count} {name}{'s' if count != 1 else ''}"
    return f"in {seconds} second{'s' if seconds != 1 else ''}"
