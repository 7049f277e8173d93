"""Hidden content is frozen for its author (issue 10, item 14): a comment or prediction a
moderator hid can't be edited or deleted by its author, through a page or the API, so the
moderators keep the evidence; the author is told why."""

import html

import pytest

from forum.extensions import db
from forum.models import Comment, Prediction, PredictionRevision
from forum.moderation.services import set_hidden
from tests.factories import make_comment, make_prediction, make_user
from tests.moderation_support import fast_passwords  # noqa: F401

FROZEN = "A moderator hid this"


@pytest.fixture
def people(app):
    return {"alice": make_user("alice"), "bob": make_user("bob"),
            "mod": make_user("mod", role="moderator"),
            "writer": make_user("writer", role="moderator")}


@pytest.fixture
def hidden_comment(article, people):
    prediction = make_prediction(article, people["bob"])
    comment = make_comment(prediction, people["alice"], "Something a moderator will hide.")
    set_hidden("comment", comment.id, people["mod"], "Abusive", hidden=True)
    db.session.commit()
    return comment


def state(comment_id: int) -> tuple:
    db.session.expire_all()
    comment = db.session.get(Comment, comment_id)
    return (comment.body, comment.body_html, comment.deleted, comment.edited_at, comment.hidden)


@pytest.mark.parametrize("action", ["delete", "edit"])
def test_the_author_cant_wipe_or_rewrite_a_hidden_comment(auth, client, hidden_comment, action):
    before = state(hidden_comment.id)
    auth.login()
    response = client.post(f"/comments/{hidden_comment.id}/{action}",
                           data={"body": "Nothing to see here."})
    assert response.status_code == 409
    text = html.unescape(response.get_data(as_text=True))
    assert FROZEN in text and "can't be edited or deleted" in text
    assert state(hidden_comment.id) == before
    assert before[0] == "Something a moderator will hide."


def test_the_author_is_told_on_the_page(auth, client, hidden_comment):
    auth.login()
    page = html.unescape(client.get(f"/predictions/{hidden_comment.prediction_id}")
                         .get_data(as_text=True))
    assert "[removed by a moderator]" in page
    assert "A moderator hid your comment" in page
    assert f'action="/comments/{hidden_comment.id}/delete"' not in page
    assert f'action="/comments/{hidden_comment.id}/edit"' not in page
    assert "Something a moderator will hide." not in page


def test_once_restored_the_author_may_change_it_again(auth, client, hidden_comment, people):
    set_hidden("comment", hidden_comment.id, people["mod"], "Fine after all", hidden=False)
    db.session.commit()
    auth.login()
    assert client.post(f"/comments/{hidden_comment.id}/delete").status_code == 303
    assert state(hidden_comment.id)[2] is True


def test_a_hidden_prediction_is_frozen_for_its_author(auth, client, article, people):
    """A member author no longer finds it (404); a moderator author sees it, but can't edit
    it (409, with the reason)."""
    for author in ("alice", "writer"):
        prediction = make_prediction(article, people[author], title=f"A claim by {author} here")
        set_hidden("prediction", prediction.id, people["mod"], "Spam", hidden=True)
        db.session.commit()
        auth.login(author)
        form = {"title": "A rewritten claim to hide the spam", "criteria": "Rewritten.",
                "resolution_date": str(prediction.resolution_date)}
        page = client.get(f"/predictions/{prediction.id}/edit")
        posted = client.post(f"/predictions/{prediction.id}/edit", data=form)
        expected = 404 if author == "alice" else 409
        assert page.status_code == posted.status_code == expected
        if author == "writer":
            assert FROZEN in html.unescape(posted.get_data(as_text=True))
            shown = html.unescape(client.get(f"/predictions/{prediction.id}")
                                  .get_data(as_text=True))
            assert f'href="/predictions/{prediction.id}/edit"' not in shown
        db.session.expire_all()
        assert db.session.get(Prediction, prediction.id).title == f"A claim by {author} here"
        assert db.session.query(PredictionRevision).count() == 0
        client.post("/logout")


@pytest.mark.parametrize("action", ["delete", "edit"])
def test_a_hide_that_lands_first_wins_over_the_authors_change(article, people, action):
    """The author's change is one UPDATE guarded by `hidden = false`: a moderator who hides
    the comment after the author's page loaded it, but before the change, still wins."""
    from sqlalchemy import update
    from sqlalchemy.orm.attributes import set_committed_value

    from forum.comments.services import delete_comment, edit_comment
    from forum.errors import Conflict

    prediction = make_prediction(article, people["bob"])
    comment = make_comment(prediction, people["alice"], "Evidence the moderator needs.")
    db.session.execute(update(Comment).where(Comment.id == comment.id).values(hidden=True)
                       .execution_options(synchronize_session=False))  # the moderator
    db.session.commit()
    set_committed_value(comment, "hidden", False)  # what the author's request had loaded
    for name in ("body", "deleted", "author_id"):
        set_committed_value(comment, name, getattr(comment, name))
    assert comment.hidden is False and comment.body == "Evidence the moderator needs."
    with pytest.raises(Conflict) as refused:
        if action == "delete":
            delete_comment(comment, people["alice"])
        else:
            edit_comment(comment, people["alice"], "Rewritten.")
    assert FROZEN in refused.value.message
    db.session.rollback()
    body, _html, deleted, edited_at, hidden = state(comment.id)
    assert (body, deleted, edited_at, hidden) == ("Evidence the moderator needs.", False, None,
                                                  True)
