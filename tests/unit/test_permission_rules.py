"""The permission predicates of forum/permissions.py, which services and templates share."""

from types import SimpleNamespace

import pytest

from forum.errors import Conflict, Forbidden, NotFound
from forum.permissions import (
    OWN_RESOLUTION_MESSAGE,
    SUSPENDED_MESSAGE,
    can_change,
    can_edit_prediction,
    can_resolve,
    can_write,
    edit_refusal,
    ensure_can_change,
    ensure_can_edit_prediction,
    ensure_can_resolve,
    may_see_hidden,
    resolve_refusal,
    vote_refusal,
    vote_refusal_message,
)

ANONYMOUS = SimpleNamespace(is_authenticated=False)


def person(user_id=1, role="member", suspended=False):
    return SimpleNamespace(id=user_id, is_authenticated=True, suspended=suspended,
                           is_moderator=role in ("moderator", "admin"), is_admin=role == "admin")


def content(author_id=1, hidden=False):
    return SimpleNamespace(author_id=author_id, hidden=hidden)


@pytest.mark.parametrize(("user", "expected"), [
    (ANONYMOUS, False), (None, False), (person(), True), (person(suspended=True), False),
])
def test_can_write(user, expected):
    assert can_write(user) is expected


@pytest.mark.parametrize(("user", "expected"), [
    (ANONYMOUS, False), (None, False), (person(), False), (person(role="moderator"), True),
    (person(role="admin"), True), (person(role="moderator", suspended=True), False),
])
def test_only_moderators_see_hidden_content(user, expected):
    assert may_see_hidden(user) is expected


@pytest.mark.parametrize(("user", "author_id", "allowed"), [
    (person(2, "moderator"), 1, True),   # another moderator
    (person(1, "moderator"), 1, False),  # the author, a moderator
    (person(1, "admin"), 1, True),       # an admin may resolve their own
    (person(2, "admin"), 1, True),
    (person(2, "member"), 1, False),
    (person(2, "moderator", suspended=True), 1, False),
    (ANONYMOUS, 1, False),
])
def test_who_may_resolve(user, author_id, allowed):
    prediction = content(author_id)
    assert can_resolve(user, prediction) is allowed
    assert (resolve_refusal(user, prediction) is None) is allowed
    if allowed:
        ensure_can_resolve(user, prediction)
    else:
        with pytest.raises(Forbidden):
            ensure_can_resolve(user, prediction)


def test_the_author_moderator_is_told_why():
    assert resolve_refusal(person(1, "moderator"), content(1)) == OWN_RESOLUTION_MESSAGE
    assert "another moderator or an admin" in OWN_RESOLUTION_MESSAGE
    assert resolve_refusal(person(2, suspended=True, role="moderator"),
                           content(1)) == SUSPENDED_MESSAGE


@pytest.mark.parametrize(("user", "item", "error"), [
    (person(1), content(1), None),
    (person(1), content(1, hidden=True), Conflict),  # frozen for its author
    (person(1, "moderator"), content(1, hidden=True), Conflict),  # a moderator-author too
    (person(2), content(1), Forbidden),
    (person(2, "admin"), content(1), Forbidden),  # nobody edits another's text
    (person(1, suspended=True), content(1), Forbidden),
    (ANONYMOUS, content(1), Forbidden),
])
def test_who_may_change_a_comment_or_prediction(user, item, error):
    assert can_change(user, item, "comment") is (error is None)
    if error is None:
        ensure_can_change(user, item, "comment")
    else:
        with pytest.raises(error) as raised:
            ensure_can_change(user, item, "comment")
        if error is Conflict:
            assert "hid this comment" in raised.value.message


def prediction(author_id=1, status="open", hidden=False, forecasters=1, days_left=30):
    from datetime import timedelta

    from forum import clock

    return SimpleNamespace(author_id=author_id, status=status, hidden=hidden,
                           forecaster_count=forecasters,
                           resolution_date=clock.today() + timedelta(days=days_left))


def comment(author_id=3, hidden=False, deleted=False):
    return SimpleNamespace(author_id=author_id, hidden=hidden, deleted=deleted)


@pytest.mark.parametrize(("user", "item", "error"), [
    (person(1), prediction(), None),
    (person(1), prediction(forecasters=2), Conflict),          # someone else forecast
    (person(1), prediction(days_left=-1), Conflict),            # closed: past its date
    (person(1), prediction(status="resolved"), Conflict),
    (person(1), prediction(hidden=True), Conflict),             # frozen for the review
    (person(2), prediction(), Forbidden),                       # not the author
    (person(2, "admin"), prediction(), Forbidden),              # not even an admin
    (person(1, suspended=True), prediction(), Forbidden),
    (ANONYMOUS, prediction(), Forbidden),
])
def test_who_may_edit_a_prediction(user, item, error):
    assert can_edit_prediction(user, item) is (error is None)
    assert (edit_refusal(user, item) or (None,))[0] is error
    if error is None:
        ensure_can_edit_prediction(user, item)
    else:
        with pytest.raises(error):
            ensure_can_edit_prediction(user, item)


@pytest.mark.parametrize(("user", "item", "error"), [
    (person(2), prediction(), None),
    (person(2), prediction(days_left=-1), None),                # closed still takes votes
    (person(2), prediction(status="resolved"), Conflict),
    (person(2), prediction(status="annulled"), Conflict),
    (person(1), prediction(), Forbidden),                       # their own
    (person(2, "moderator"), prediction(hidden=True), NotFound),  # moderators included
    (person(2, suspended=True), prediction(), Forbidden),
    (ANONYMOUS, prediction(), Forbidden),
])
def test_who_may_vote_on_a_prediction(user, item, error):
    assert (vote_refusal(user, item) or (None,))[0] is error


@pytest.mark.parametrize(("user", "item", "on", "error"), [
    (person(2), prediction(), comment(), None),
    (person(2), prediction(status="resolved"), comment(), None),  # talk outlives the vote
    (person(3), prediction(), comment(), Forbidden),              # their own comment
    (person(1), prediction(), comment(), None),                   # the prediction's author
    (person(2), prediction(), comment(hidden=True), Conflict),
    (person(2), prediction(), comment(deleted=True), Conflict),
    (person(2, "moderator"), prediction(hidden=True), comment(), NotFound),
    (person(2, "admin"), prediction(hidden=True), comment(), NotFound),
])
def test_who_may_vote_on_a_comment(user, item, on, error):
    assert (vote_refusal(user, item, on) or (None,))[0] is error
    assert (vote_refusal_message(user, item, on) is None) is (error is None)
