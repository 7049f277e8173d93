"""Hiding and restoring comments and predictions: what members see, the counters, the audit."""

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Article, AuditEntry, Comment, Prediction, Score
from tests.factories import make_comment, make_prediction, make_user
from tests.moderation_support import (
    closed_prediction,
    count,
    fast_passwords,  # noqa: F401
    resolve,
)


@pytest.fixture
def thread(article):
    alice, bob = make_user("alice"), make_user("bob")
    mod = make_user("mod", role="moderator")
    prediction = make_prediction(article, alice)
    first = make_comment(prediction, bob, "A rude remark about alice.")
    reply = make_comment(prediction, alice, "Please keep it civil.", parent=first)
    return {"alice": alice, "bob": bob, "mod": mod, "prediction": prediction,
            "comment": first, "reply": reply, "article": article}


def hide(client, target_type, target_id, reason="Personal attack", action="hide", **extra):
    return client.post(f"/moderation/{target_type}/{target_id}/{action}",
                       data={"reason": reason, **extra})


def fresh(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def test_hidden_comment_keeps_its_place_as_removed(auth, client, thread):
    auth.login("mod")
    response = hide(client, "comment", thread["comment"].id)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/predictions/{thread['prediction'].id}#comment-{thread['comment'].id}")
    assert fresh(Comment, thread["comment"].id).hidden is True
    assert fresh(Prediction, thread["prediction"].id).comment_count == 1
    client.post("/logout")
    page = client.get(f"/predictions/{thread['prediction'].id}").get_data(as_text=True)
    assert "[removed by a moderator]" in page
    assert "A rude remark" not in page
    assert "Please keep it civil." in page  # the reply keeps its place under it
    comments = client.get(f"/api/v1/predictions/{thread['prediction'].id}/comments").get_json()
    hidden = next(c for c in comments["items"] if c["id"] == thread["comment"].id)
    assert hidden["hidden"] is True and hidden["body"] == ""


def test_restoring_a_comment_brings_it_back(auth, client, thread):
    auth.login("mod")
    hide(client, "comment", thread["comment"].id)
    response = hide(client, "comment", thread["comment"].id, "Context shows it was a joke",
                    action="restore")
    assert response.status_code == 302
    assert fresh(Comment, thread["comment"].id).hidden is False
    assert fresh(Prediction, thread["prediction"].id).comment_count == 2
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.target_type, e.target_id, e.reason) for e in entries] == [
        ("hide", "comment", thread["comment"].id, "Personal attack"),
        ("restore", "comment", thread["comment"].id, "Context shows it was a joke"),
    ]


def test_hiding_twice_changes_nothing_and_says_so(auth, client, thread):
    auth.login("mod")
    hide(client, "comment", thread["comment"].id)
    again = hide(client, "comment", thread["comment"].id)
    assert again.status_code == 302
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "already hidden" in page
    assert count(AuditEntry) == 1
    assert fresh(Prediction, thread["prediction"].id).comment_count == 1


def test_hidden_prediction_leaves_lists_but_keeps_its_scores(auth, client, thread):
    mod, alice = thread["mod"], thread["alice"]
    prediction = closed_prediction(thread["article"], alice, title="A resolved claim to hide")
    resolve(prediction, mod, "yes")
    assert count(Score, Score.prediction_id == prediction.id) == 1
    before = fresh(Article, thread["article"].id).prediction_count
    auth.login("mod")
    hide(client, "prediction", prediction.id, "Duplicate")
    assert fresh(Article, thread["article"].id).prediction_count == before - 1
    assert count(Score, Score.prediction_id == prediction.id) == 1
    client.post("/logout")
    board = client.get(f"/articles/{thread['article'].slug}/predictions").get_data(as_text=True)
    assert "A resolved claim to hide" not in board
    assert client.get(f"/predictions/{prediction.id}").status_code == 404
    assert client.get(f"/api/v1/predictions/{prediction.id}").status_code == 404
    auth.login("mod")
    assert client.get(f"/predictions/{prediction.id}").status_code == 200  # moderators see it
    hide(client, "prediction", prediction.id, "Not a duplicate after all", action="restore")
    assert fresh(Article, thread["article"].id).prediction_count == before
    assert fresh(Prediction, prediction.id).hidden is False


@pytest.mark.parametrize("reason", ["", "   ", "x" * 1001, "nul\x00"])
def test_hiding_needs_a_reason(auth, client, thread, reason):
    auth.login("mod")
    response = hide(client, "comment", thread["comment"].id, reason)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="reason-error"' in page
    assert fresh(Comment, thread["comment"].id).hidden is False
    assert count(AuditEntry) == 0


def test_the_hide_page_asks_for_the_reason(auth, client, thread):
    auth.login("mod")
    page = client.get(f"/moderation/comment/{thread['comment'].id}/hide")
    assert page.status_code == 200
    assert 'name="reason"' in page.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/moderation/comment/99999/hide",
                                  "/moderation/prediction/99999/restore",
                                  "/moderation/user/1/hide",
                                  "/moderation/comment/99999999999/hide"])
def test_unknown_targets_are_404(auth, client, thread, path):
    auth.login("mod")
    assert client.post(path, data={"reason": "x"}).status_code == 404


def test_members_cannot_hide(auth, client, thread):
    auth.login()
    assert hide(client, "comment", thread["comment"].id).status_code == 403
    assert fresh(Comment, thread["comment"].id).hidden is False


def test_the_next_parameter_only_leads_to_this_site(auth, client, thread):
    auth.login("mod")
    response = hide(client, "comment", thread["comment"].id, next="https://evil.example/")
    assert "evil.example" not in response.headers["Location"]
