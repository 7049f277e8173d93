"""Threaded comments: post, reply, edit (marked edited), delete (keeps its place), Markdown."""

import html
import re

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, Prediction
from tests.factories import make_comment, make_prediction, make_user


@pytest.fixture
def prediction(article):
    return make_prediction(article, make_user("alice"))


@pytest.fixture
def bob(auth, client, prediction):
    user = make_user("bob")
    auth.login("bob")
    return user


def comment_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Comment))


def stored_comment_count(prediction_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Prediction, prediction_id).comment_count


def comment_html(page: str, comment_id: int) -> str:
    """The markup of one comment, without its replies."""
    start = page.index(f'id="comment-{comment_id}"')
    end = page.find('<ol class="thread replies">', start)
    following = page.find('<li class="comment', start + 10)
    stops = [index for index in (end, following) if index != -1]
    return page[start:min(stops) if stops else None]


def test_member_comments_and_replies_in_a_thread(client, prediction, bob):
    response = client.post(f"/predictions/{prediction.id}/comments",
                           data={"body": "Talks stalled in 2019; I doubt it."})
    assert response.status_code == 303
    first = db.session.scalar(select(Comment))
    assert response.headers["Location"].endswith(f"/predictions/{prediction.id}#comment-{first.id}")
    client.post(f"/predictions/{prediction.id}/comments",
                data={"body": "Replying to myself.", "parent_id": str(first.id)})
    reply = db.session.scalar(select(Comment).where(Comment.parent_id == first.id))
    assert reply is not None
    assert stored_comment_count(prediction.id) == 2
    page = client.get(f"/predictions/{prediction.id}").text
    thread = page[page.index(f'id="comment-{first.id}"'):]
    assert thread.index('<ol class="thread replies">') < thread.index(f'id="comment-{reply.id}"')
    assert "Your reply is posted." in page
    assert 'Discussion <span class="count">2</span>' in page


def test_edit_marks_the_comment_edited(client, prediction, bob):
    comment = make_comment(prediction, bob, "First thoughts.")
    response = client.post(f"/comments/{comment.id}/edit", data={"body": "Second thoughts."})
    assert response.status_code == 303
    db.session.expire_all()
    stored = db.session.get(Comment, comment.id)
    assert stored.body == "Second thoughts." and stored.edited_at is not None
    markup = comment_html(client.get(f"/predictions/{prediction.id}").text, comment.id)
    assert "Second thoughts." in markup
    assert '<span class="edited"' in markup


def test_delete_keeps_the_place_in_the_thread(client, prediction, bob):
    parent = make_comment(prediction, bob, "I will delete this.")
    alice = db.session.get(type(bob), prediction.author_id)
    reply = make_comment(prediction, alice, "A reply that stays.", parent=parent)
    response = client.post(f"/comments/{parent.id}/delete")
    assert response.status_code == 303
    page = client.get(f"/predictions/{prediction.id}").text
    markup = comment_html(page, parent.id)
    assert "[deleted]" in markup and "I will delete this." not in page
    assert "A reply that stays." in page
    assert page.index(f'id="comment-{parent.id}"') < page.index(f'id="comment-{reply.id}"')
    assert stored_comment_count(prediction.id) == 1
    assert comment_count() == 2


def test_others_cannot_edit_or_delete_your_comment(client, prediction, bob):
    alice = db.session.get(type(bob), prediction.author_id)
    theirs = make_comment(prediction, alice, "Alice's comment.")
    assert client.post(f"/comments/{theirs.id}/edit", data={"body": "Hijacked"}).status_code \
        == 403
    assert client.post(f"/comments/{theirs.id}/delete").status_code == 403
    db.session.expire_all()
    stored = db.session.get(Comment, theirs.id)
    assert (stored.body, stored.deleted, stored.edited_at) == ("Alice's comment.", False, None)
    markup = comment_html(client.get(f"/predictions/{prediction.id}").text, theirs.id)
    assert "Edit</summary>" not in markup and "Delete</summary>" not in markup


def test_markdown_is_rendered_and_sanitised(client, prediction, bob):
    body = ("**Bold** and a [source](https://example.org/report).\n\n"
            "<script>alert('x')</script> <img src=x onerror=alert(1)> "
            "[bad](javascript:alert(1))")
    client.post(f"/predictions/{prediction.id}/comments", data={"body": body})
    comment = db.session.scalar(select(Comment))
    page = client.get(f"/predictions/{prediction.id}").text
    markup = re.search(r'<div class="comment-text prose-small">(.*?)</div>',
                       comment_html(page, comment.id), re.DOTALL).group(1)
    assert "<strong>Bold</strong>" in markup
    link = re.search(r'<a href="https://example.org/report"[^>]*>', markup).group(0)
    assert 'rel="nofollow noopener noreferrer ugc"' in link
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert "<img" not in markup and 'href="javascript:' not in markup


BAD_BODIES = [
    ("", "Write something first."),
    ("   \n  ", "Write something first."),
    ("c" * 10001, "Keep comments under 10,000 characters (you have 10,001)."),
    ("NUL \x00 inside", "Remove the control characters"),
]


@pytest.mark.parametrize(("body", "message"), BAD_BODIES)
def test_a_bad_comment_is_422_with_the_text_kept_and_nothing_stored(client, prediction, bob,
                                                                    body, message):
    response = client.post(f"/predictions/{prediction.id}/comments",
                           data={"body": body, "author_id": "1"})
    assert response.status_code == 422
    page = response.text
    error = re.search(r'<p class="error" id="comment-body-error"[^>]*>(.*?)</p>', page, re.DOTALL)
    assert message in html.unescape(error.group(1))
    kept = re.search(r'<textarea id="comment-body"[^>]*>(.*?)</textarea>', page, re.DOTALL).group(1)
    if body.strip() and "\x00" not in body:
        assert html.unescape(kept) == body
    assert comment_count() == 0
    assert stored_comment_count(prediction.id) == 0


@pytest.mark.parametrize("parent_id", ["abc", "-3", "1.5", "²", "99999999999999999999", "0",
                                       "777"])
def test_a_bad_parent_is_422_and_nothing_is_stored(client, prediction, bob, parent_id):
    response = client.post(f"/predictions/{prediction.id}/comments",
                           data={"body": "A reply to nothing.", "parent_id": parent_id})
    assert response.status_code == 422
    assert "A reply to nothing." in response.text  # kept in the form shown
    assert comment_count() == 0


def test_a_parent_from_another_prediction_is_refused(client, prediction, bob, article):
    other = make_prediction(article, bob, title="Another claim about the future")
    elsewhere = make_comment(other, bob, "Over there.")
    response = client.post(f"/predictions/{prediction.id}/comments",
                           data={"body": "Sneaky reply", "parent_id": str(elsewhere.id)})
    assert response.status_code == 422
    assert "isn&#39;t in this prediction&#39;s thread" in response.text
    assert comment_count() == 1


def test_a_bad_reply_reopens_its_form_with_the_error(client, prediction, bob):
    parent = make_comment(prediction, bob, "Parent.")
    response = client.post(f"/predictions/{prediction.id}/comments",
                           data={"body": "", "parent_id": str(parent.id)})
    assert response.status_code == 422
    markup = comment_html(response.text, parent.id)
    assert (f'<form method="post" action="/predictions/{prediction.id}/comments" novalidate '
            'class="comment-form reply-form" id="reply">') in markup
    assert f'<input type="hidden" name="parent_id" value="{parent.id}">' in markup
    assert f'id="reply-{parent.id}-error"' in markup


def test_a_bad_edit_is_422_and_keeps_the_old_text(client, prediction, bob):
    comment = make_comment(prediction, bob, "Original text.")
    response = client.post(f"/comments/{comment.id}/edit", data={"body": "e" * 10001})
    assert response.status_code == 422
    assert f'id="edit-{comment.id}-error"' in response.text
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).body == "Original text."


def test_replying_to_a_deleted_comment_is_409(client, prediction, bob):
    parent = make_comment(prediction, bob, "Soon gone.")
    client.post(f"/comments/{parent.id}/delete")
    response = client.post(f"/predictions/{prediction.id}/comments",
                           data={"body": "Too late", "parent_id": str(parent.id)})
    assert response.status_code == 409
    assert comment_count() == 1


def test_a_hidden_comment_keeps_its_place_as_removed(client, prediction, bob):
    comment = make_comment(prediction, bob, "Something rude.")
    comment.hidden = True
    db.session.commit()
    page = client.get(f"/predictions/{prediction.id}").text
    assert "[removed by a moderator]" in comment_html(page, comment.id)
    assert "Something rude." not in page


def test_anonymous_readers_see_the_thread_and_a_login_link(client, prediction):
    make_comment(prediction, make_user("bob"), "Visible to everyone.")
    page = client.get(f"/predictions/{prediction.id}").text
    assert "Visible to everyone." in page
    assert "to join the discussion" in page and 'id="comment-body"' not in page
    response = client.post(f"/predictions/{prediction.id}/comments", data={"body": "Hi"})
    assert response.status_code == 303 and "/login" in response.headers["Location"]
    assert comment_count() == 1


@pytest.mark.parametrize("path", ["/comments/4040/edit", "/comments/4040/delete",
                                  "/predictions/4040/comments", "/comments/x/edit"])
def test_unknown_ids_are_404(client, bob, path):
    assert client.post(path, data={"body": "Hello"}).status_code == 404


def test_comments_on_a_hidden_prediction_are_404(client, prediction, bob):
    comment = make_comment(prediction, bob, "Before it was hidden.")
    prediction.hidden = True
    db.session.commit()
    assert client.post(f"/predictions/{prediction.id}/comments", data={"body": "Hi"}) \
        .status_code == 404
    assert client.post(f"/comments/{comment.id}/vote", data={"value": "1"}).status_code == 404


def test_the_reply_form_is_drawn_once_under_the_comment_named_by_reply_to(client, prediction,
                                                                        bob):
    first = make_comment(prediction, bob, "First.")
    second = make_comment(prediction, bob, "Second.")
    page = client.get(f"/predictions/{prediction.id}").text
    link = f'href="/predictions/{prediction.id}?reply_to={second.id}#reply"'
    assert link in comment_html(page, second.id)
    assert 'name="parent_id"' not in page.split('<template id="reply-template">')[0]
    page = client.get(f"/predictions/{prediction.id}?reply_to={second.id}").text
    assert page.count('name="parent_id"') == 1
    assert f'name="parent_id" value="{second.id}"' in comment_html(page, second.id)
    assert 'name="parent_id"' not in comment_html(page, first.id)


def test_a_long_discussion_opens_with_its_first_threads_and_a_link_to_all(client, prediction,
                                                                          bob, monkeypatch):
    from forum.board import pages

    monkeypatch.setattr(pages, "COMMENTS_SHOWN", 2)
    first = make_comment(prediction, bob, "First thread.")
    make_comment(prediction, bob, "A reply in it.", parent=first)
    later = make_comment(prediction, bob, "Second thread.")
    page = client.get(f"/predictions/{prediction.id}").text
    assert f'id="comment-{first.id}"' in page and f'id="comment-{later.id}"' not in page
    assert "Show all comments (1 more)" in page
    assert f'href="/predictions/{prediction.id}?comments=all#comments"' in page
    assert f'id="comment-{later.id}"' in client.get(
        f"/predictions/{prediction.id}?comments=all").text
    replying = client.get(f"/predictions/{prediction.id}?reply_to={later.id}").text
    assert f'name="parent_id" value="{later.id}"' in comment_html(replying, later.id)
    failed = client.post(f"/comments/{later.id}/edit", data={"body": ""})
    assert failed.status_code == 422
    assert f'id="edit-{later.id}-error"' in comment_html(failed.text, later.id)
