"""The JSON API for comments and votes on comments (SPEC.md §7)."""

import pytest
from sqlalchemy import func, select

from forum.comments.services import delete_comment
from forum.extensions import db
from forum.models import Comment
from tests.api_support import Api, error_of
from tests.factories import make_comment, make_prediction, make_user
from tests.moderation_support import resolve

COMMENT_KEYS = {"id", "parent_id", "author", "body", "body_html", "created_at", "edited_at",
                "hidden", "votes"}


@pytest.fixture
def api(client):
    return Api(client)


@pytest.fixture
def bob(app):
    return make_user("bob")


@pytest.fixture
def prediction(article, alice):
    return make_prediction(article, alice)


def comment_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Comment))


# Reading ---------------------------------------------------------------------------------

def test_comments_list_oldest_first_with_replies_naming_their_parent(api, prediction, alice,
                                                                      bob):
    first = make_comment(prediction, bob, "I doubt it. **Strongly.**")
    reply = make_comment(prediction, alice, "Why so sure?", parent=first)
    items = api.get(f"/predictions/{prediction.id}/comments").get_json()["items"]
    assert [item["id"] for item in items] == [first.id, reply.id]
    top, answer = items
    assert set(top) == COMMENT_KEYS
    assert (top["author"], top["parent_id"], top["hidden"]) == ("bob", None, False)
    assert top["body"] == "I doubt it. **Strongly.**"
    assert top["body_html"] == "<p>I doubt it. <strong>Strongly.</strong></p>\n"
    assert top["created_at"].endswith("Z") and top["edited_at"] is None
    assert top["votes"] == {"score": 0, "up": 0, "down": 0}
    assert (answer["author"], answer["parent_id"]) == ("alice", first.id)


def test_a_removed_comment_keeps_its_place_without_its_text(api, prediction, alice, bob):
    hidden = make_comment(prediction, bob, "Something abusive")
    deleted = make_comment(prediction, alice, "Something I regret")
    make_comment(prediction, bob, "A reply that stays", parent=hidden)
    hidden.hidden = True
    delete_comment(deleted, alice)
    db.session.commit()
    items = api.get(f"/predictions/{prediction.id}/comments").get_json()["items"]
    assert [(item["body"], item["body_html"], item["hidden"]) for item in items] == [
        ("", "", True), ("", "", True), ("A reply that stays", "<p>A reply that stays</p>\n",
                                         False)]


def test_comments_of_an_unknown_prediction_are_not_found(api):
    assert api.get("/predictions/31337/comments").status_code == 404


# Posting ---------------------------------------------------------------------------------

def test_a_member_comments_and_replies(api, prediction, alice, bob):
    as_bob = api.as_user(bob)
    response = as_bob.post(f"/predictions/{prediction.id}/comments",
                           json={"body": "  Look at [the report](https://example.com).  "})
    assert response.status_code == 201
    comment = response.get_json()
    assert (comment["author"], comment["parent_id"], comment["hidden"]) == ("bob", None, False)
    assert comment["body"] == "Look at [the report](https://example.com)."
    assert 'rel="nofollow noopener noreferrer ugc"' in comment["body_html"]
    reply = api.as_user(alice).post(f"/predictions/{prediction.id}/comments",
                                    json={"body": "Thanks!", "parent_id": comment["id"]})
    assert reply.status_code == 201
    assert reply.get_json()["parent_id"] == comment["id"]
    assert api.get(f"/predictions/{prediction.id}").get_json()["comment_count"] == 2


def test_a_comment_is_sanitised(api, prediction, bob):
    body = '<script>alert(1)</script><img src=x onerror=alert(1)> [x](javascript:alert(1))'
    html = api.as_user(bob).post(f"/predictions/{prediction.id}/comments",
                                 json={"body": body}).get_json()["body_html"]
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html  # shown as text, never run


def test_a_comment_ignores_fields_a_client_may_not_set(api, prediction, alice, bob):
    response = api.as_user(bob).post(f"/predictions/{prediction.id}/comments", json={
        "body": "Plain words.", "author": "alice", "hidden": True, "id": 999,
        "created_at": "2001-01-01T00:00:00Z", "votes": {"score": 50}, "body_html": "<b>x</b>"})
    comment = response.get_json()
    assert (comment["author"], comment["hidden"], comment["body_html"]) == (
        "bob", False, "<p>Plain words.</p>\n")
    assert comment["votes"] == {"score": 0, "up": 0, "down": 0}


def test_a_comment_keeps_unicode(api, prediction, bob):
    body = "Ça dépend 🤔 — 北朝鮮 / كوريا"
    comment = api.as_user(bob).post(f"/predictions/{prediction.id}/comments",
                                    json={"body": body}).get_json()
    assert comment["body"] == body


@pytest.mark.parametrize("body, field", [
    ({}, "body"),
    ({"body": ""}, "body"),
    ({"body": "   \n "}, "body"),
    ({"body": 42}, "body"),
    ({"body": None}, "body"),
    ({"body": "x" * 10001}, "body"),
    ({"body": "bad \x00 byte"}, "body"),
    ({"body": "Fine.", "parent_id": "1"}, "parent_id"),
    ({"body": "Fine.", "parent_id": True}, "parent_id"),
    ({"body": "Fine.", "parent_id": 1.5}, "parent_id"),
    ({"body": "Fine.", "parent_id": -3}, "parent_id"),
    ({"body": "Fine.", "parent_id": 10**30}, "parent_id"),
    ({"body": "Fine.", "parent_id": 777777}, "parent_id"),
])
def test_an_invalid_comment_is_refused(api, prediction, bob, body, field):
    response = api.as_user(bob).post(f"/predictions/{prediction.id}/comments", json=body)
    assert response.status_code == 422
    assert list(error_of(response)["fields"]) == [field]
    assert comment_count() == 0


def test_a_comment_of_exactly_the_longest_length_is_accepted(api, prediction, bob):
    response = api.as_user(bob).post(f"/predictions/{prediction.id}/comments",
                                     json={"body": "x" * 10000})
    assert response.status_code == 201


def test_both_comment_problems_are_reported_at_once(api, prediction, bob):
    response = api.as_user(bob).post(f"/predictions/{prediction.id}/comments",
                                     json={"body": "", "parent_id": "x"})
    assert set(error_of(response)["fields"]) == {"body", "parent_id"}


def test_a_reply_must_stay_in_its_prediction_thread(api, article, prediction, alice, bob):
    elsewhere = make_prediction(article, alice, title="Another claim somewhere else")
    other = make_comment(elsewhere, alice, "Over there.")
    response = api.as_user(bob).post(f"/predictions/{prediction.id}/comments",
                                     json={"body": "Reply", "parent_id": other.id})
    assert response.status_code == 422
    assert list(error_of(response)["fields"]) == ["parent_id"]


def test_replying_to_a_removed_comment_is_a_conflict(api, prediction, alice, bob):
    removed = make_comment(prediction, alice, "Gone soon.")
    removed.hidden = True
    db.session.commit()
    response = api.as_user(bob).post(f"/predictions/{prediction.id}/comments",
                                     json={"body": "Reply", "parent_id": removed.id})
    assert response.status_code == 409


def test_commenting_needs_an_account_and_a_visible_prediction(api, prediction, bob):
    assert api.post(f"/predictions/{prediction.id}/comments",
                    json={"body": "Hi"}).status_code == 401
    prediction.hidden = True
    db.session.commit()
    assert api.as_user(bob).post(f"/predictions/{prediction.id}/comments",
                                 json={"body": "Hi"}).status_code == 404


@pytest.mark.parametrize("text", ["[]", "nope", "", '"text"'])
def test_a_comment_body_that_is_not_an_object_is_a_bad_request(api, prediction, bob, text):
    response = api.as_user(bob).post(f"/predictions/{prediction.id}/comments", data=text,
                                     content_type="application/json")
    assert response.status_code == 400


# Votes on comments -----------------------------------------------------------------------

def test_a_member_votes_on_a_comment(api, prediction, alice, bob):
    comment = make_comment(prediction, alice, "Vote for me.")
    as_bob = api.as_user(bob)
    path = f"/comments/{comment.id}/vote"
    assert as_bob.put(path, json={"value": 1}).get_json() == {
        "score": 1, "up": 1, "down": 0, "my_vote": 1}
    assert as_bob.put(path, json={"value": -1}).get_json() == {
        "score": -1, "up": 0, "down": 1, "my_vote": -1}
    items = api.get(f"/predictions/{prediction.id}/comments").get_json()["items"]
    assert items[0]["votes"] == {"score": -1, "up": 0, "down": 1}
    assert as_bob.put(path, json={"value": 0}).get_json() == {
        "score": 0, "up": 0, "down": 0, "my_vote": 0}


def test_a_vote_on_a_comment_of_a_resolved_prediction_still_counts(api, prediction, alice,
                                                                    bob):
    comment = make_comment(prediction, alice, "Told you so.")
    resolve(prediction, make_user("mod", role="moderator"), "yes")
    response = api.as_user(bob).put(f"/comments/{comment.id}/vote", json={"value": 1})
    assert response.status_code == 200


def test_no_one_votes_on_their_own_comment(api, prediction, bob):
    comment = make_comment(prediction, bob, "Mine.")
    response = api.as_user(bob).put(f"/comments/{comment.id}/vote", json={"value": 1})
    assert response.status_code == 403


def test_a_vote_on_a_removed_comment_is_a_conflict(api, prediction, alice, bob):
    comment = make_comment(prediction, alice, "Removed.")
    comment.hidden = True
    db.session.commit()
    response = api.as_user(bob).put(f"/comments/{comment.id}/vote", json={"value": 1})
    assert response.status_code == 409


@pytest.mark.parametrize("path", ["/comments/5555555/vote", "/comments/0/vote",
                                  "/comments/123456789012345678901234567890/vote"])
def test_a_vote_on_an_unknown_comment_is_not_found(api, bob, path):
    assert api.as_user(bob).put(path, json={"value": 1}).status_code == 404


def test_a_vote_on_a_comment_of_a_hidden_prediction_is_not_found(api, prediction, alice, bob):
    comment = make_comment(prediction, alice, "Under a hidden claim.")
    prediction.hidden = True
    db.session.commit()
    response = api.as_user(bob).put(f"/comments/{comment.id}/vote", json={"value": 1})
    assert response.status_code == 404
    assert error_of(response)["message"] == "No such comment."


@pytest.mark.parametrize("body", [{"value": 5}, {"value": "up"}, {}, {"value": False}])
def test_a_comment_vote_must_be_1_minus_1_or_0(api, prediction, alice, bob, body):
    comment = make_comment(prediction, alice, "Hm.")
    response = api.as_user(bob).put(f"/comments/{comment.id}/vote", json=body)
    assert response.status_code == 422


def test_voting_on_a_comment_needs_an_account(api, prediction, alice):
    comment = make_comment(prediction, alice, "Hm.")
    assert api.put(f"/comments/{comment.id}/vote", json={"value": 1}).status_code == 401
