"""The permission predicates of forum/permissions.py, which services and templates share."""

from types import SimpleNamespace

import pytest

from forum.errors import Conflict, Forbidden
from forum.permissions import (
    OWN_RESOLUTION_MESSAGE,
    SUSPENDED_MESSAGE,
    can_change,
    can_resolve,
    can_write,
    ensure_can_change,
    ensure_can_resolve,
    may_see_hidden,
    resolve_refusal,
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
