"""Who may do what: each rule in one place, as a predicate that templates call (`can_*`,
`may_*`) and an `ensure_*` that services call, raising the error a page or the API shows.

Visibility (who may read hidden content) is enforced where predictions and comments are
loaded: forum.visibility, which uses `may_see_hidden` below. When a prediction takes
forecasts and votes is forum.lifecycle's (`accepts_forecasts`, `accepts_votes`)."""

from sqlalchemy import and_

from forum.errors import Conflict, Forbidden, NotFound
from forum.lifecycle import accepts_forecasts, accepts_votes, open_clause, withdrawable

SUSPENDED_MESSAGE = ("Your account is suspended: you can read, but not post, vote, comment or "
                     "change your account.")
FROZEN_MESSAGE = ("A moderator hid this {kind}, so it is kept as it is for the moderators' "
                  "review: it can't be edited or deleted.")
NOT_WITHDRAWABLE_MESSAGE = ("Others have forecast on this prediction, or it no longer takes "
                            "forecasts, so it stays on the board. You can explain in a comment.")
OWN_RESOLUTION_MESSAGE = ("You wrote this prediction, so another moderator or an admin must "
                          "resolve, correct or annul it.")


def _authenticated(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def can_write(user) -> bool:
    """A logged-in member who is not suspended (every write needs this)."""
    return _authenticated(user) and not user.suspended


def ensure_can_write(user) -> None:
    if not can_write(user):
        raise Forbidden(SUSPENDED_MESSAGE if _authenticated(user) else "Log in to do that.")


def is_moderator(user) -> bool:
    """A moderator or admin who is not suspended."""
    return can_write(user) and user.is_moderator


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


def may_see_hidden(user) -> bool:
    """Moderators (and admins) read what a moderator hid; members and visitors never do."""
    return is_moderator(user)


def resolve_refusal(user, prediction) -> str | None:
    """Why this user may not resolve, correct or annul this prediction; None when they may.

    Moderators resolve, but not their own predictions: another moderator or an admin must.
    Admins may resolve their own (the issue asks for "another moderator or an admin")."""
    if not can_write(user):
        return SUSPENDED_MESSAGE if _authenticated(user) else "Log in to do that."
    if not user.is_moderator:
        return "Only moderators can resolve, correct or annul a prediction."
    if prediction.author_id == user.id and not user.is_admin:
        return OWN_RESOLUTION_MESSAGE
    return None


def can_resolve(user, prediction) -> bool:
    return resolve_refusal(user, prediction) is None


def ensure_can_resolve(user, prediction) -> None:
    if (reason := resolve_refusal(user, prediction)) is not None:
        raise Forbidden(reason)


def change_refusal(user, content, kind: str) -> tuple[type, str] | None:
    """Why this user may not edit or delete this comment or prediction (their own text);
    None when they may. Hidden content is frozen for its author, so the evidence stays."""
    if not can_write(user):
        return Forbidden, SUSPENDED_MESSAGE if _authenticated(user) else "Log in to do that."
    if content.author_id != user.id:
        return Forbidden, f"You can only change your own {kind}s."
    if content.hidden:
        return Conflict, FROZEN_MESSAGE.format(kind=kind)
    return None


def can_change(user, content, kind: str) -> bool:
    return change_refusal(user, content, kind) is None


def ensure_can_change(user, content, kind: str) -> None:
    _raise(change_refusal(user, content, kind))


EDITABLE_FORECASTERS = 1  # the author's own first forecast
EDIT_CLOSED_MESSAGE = ("Others have forecast on this prediction, or it is no longer open, so it "
                       "can't be edited any more. You can explain in a comment instead.")


def edit_refusal(user, prediction) -> tuple[type, str] | None:
    """Why this user may not edit this prediction; None when they may. Only its author, while
    it is open, not hidden, and nobody else has forecast on it."""
    if (refusal := change_refusal(user, prediction, "prediction")) is not None:
        return refusal
    if not accepts_forecasts(prediction) or prediction.forecaster_count > EDITABLE_FORECASTERS:
        return Conflict, EDIT_CLOSED_MESSAGE
    return None


def editable_clause(model, today):
    """SQL: the row still meets the rule of `edit_refusal` beyond its author (open, not
    hidden, no other forecaster), for the edit's guarded UPDATE."""
    return and_(open_clause(model, today), model.forecaster_count <= EDITABLE_FORECASTERS, model.hidden.is_(False))


def can_edit_prediction(user, prediction) -> bool:
    return edit_refusal(user, prediction) is None


def ensure_can_edit_prediction(user, prediction) -> None:
    _raise(edit_refusal(user, prediction))


REMOVED_PREDICTION_MESSAGE = "This prediction was removed by a moderator."


def vote_refusal(user, prediction, comment=None) -> tuple[type, str] | None:
    """Why this user may not vote on this prediction, or on this comment of it; None when they
    may. Nobody votes on their own text. A prediction takes votes until it is resolved or
    annulled (forum.lifecycle.accepts_votes), a comment while it is neither deleted nor
    hidden. A prediction a moderator hid takes no votes, and neither do its comments, from
    anyone (moderators included: its counts stay as they were for the review)."""
    if not can_write(user):
        return Forbidden, SUSPENDED_MESSAGE if _authenticated(user) else "Log in to do that."
    if prediction.hidden:
        return NotFound, REMOVED_PREDICTION_MESSAGE
    target = prediction if comment is None else comment
    kind = "prediction" if comment is None else "comment"
    if target.author_id == user.id:
        return Forbidden, f"You can't vote on your own {kind}."
    if comment is None and not accepts_votes(prediction):
        return Conflict, "Voting has ended: this prediction is resolved."
    if comment is not None and (comment.hidden or comment.deleted):
        return Conflict, "This comment was removed, so it can't be voted on."
    return None


def vote_refusal_message(user, prediction, comment=None) -> str | None:
    """For templates: why the vote buttons are off, or None when they are on."""
    refusal = vote_refusal(user, prediction, comment)
    return None if refusal is None else refusal[1]


def ensure_can_vote(user, prediction, comment=None) -> None:
    _raise(vote_refusal(user, prediction, comment))


def _raise(refusal: tuple[type, str] | None) -> None:
    if refusal is not None:
        error, message = refusal
        raise error(message)


def withdraw_refusal(user, prediction) -> tuple[type, str] | None:
    """Why this user may not withdraw this prediction; None when they may. Only its author,
    only while it takes forecasts and nobody else has forecast on it (votes and comments
    don't hold it back: SPEC.md names forecasts only)."""
    if (refusal := change_refusal(user, prediction, "prediction")) is not None:
        return refusal
    if not withdrawable(prediction):
        return Conflict, NOT_WITHDRAWABLE_MESSAGE
    return None


def can_withdraw(user, prediction) -> bool:
    return withdraw_refusal(user, prediction) is None


def ensure_can_withdraw(user, prediction) -> None:
    if (refusal := withdraw_refusal(user, prediction)) is not None:
        error, message = refusal
        raise error(message)
