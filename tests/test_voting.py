"""Voting on predictions and comments: one vote per member and target, never on your own."""

import threading

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from forum.extensions import db
from forum.models import Comment, Prediction, Vote
from tests.factories import make_comment, make_prediction, make_user


@pytest.fixture
def prediction(article):
    return make_prediction(article, make_user("alice"))


@pytest.fixture
def bob(auth, client, prediction):
    user = make_user("bob")
    auth.login("bob")
    return user


def counters(prediction_id: int) -> tuple[int, int, int]:
    db.session.expire_all()
    stored = db.session.get(Prediction, prediction_id)
    return stored.vote_score, stored.votes_up, stored.votes_down


def vote_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Vote))


def test_up_vote_then_change_then_remove(client, prediction, bob):
    path = f"/predictions/{prediction.id}/vote"
    response = client.post(path, data={"value": "1", "next": "/articles/test-article#x"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/articles/test-article#x"
    assert counters(prediction.id) == (1, 1, 0)
    page = client.get(f"/predictions/{prediction.id}").text
    assert 'value="0" data-direction="1" aria-pressed="true"' in page  # pressed; clicking removes
    client.post(path, data={"value": "-1"})
    assert counters(prediction.id) == (-1, 0, 1)
    assert vote_count() == 1
    client.post(path, data={"value": "0"})
    assert counters(prediction.id) == (0, 0, 0)
    assert vote_count() == 0


def test_the_same_vote_twice_counts_once(client, prediction, bob):
    for _ in range(2):
        client.post(f"/predictions/{prediction.id}/vote", data={"value": "1"})
    assert counters(prediction.id) == (1, 1, 0)
    assert vote_count() == 1


def test_no_voting_on_your_own_prediction(auth, client, prediction):
    auth.login()
    response = client.post(f"/predictions/{prediction.id}/vote", data={"value": "1"})
    assert response.status_code == 403
    assert "your own prediction" in response.text
    assert counters(prediction.id) == (0, 0, 0)
    page = client.get(f"/predictions/{prediction.id}").text
    assert "You can&#39;t vote on your own prediction" in page


@pytest.mark.parametrize("value", ["", "2", "up", "1.0", "-2", "+", "1; DROP TABLE votes",
                                   "9" * 500, "true"])
def test_a_bad_vote_value_is_422_and_changes_nothing(client, prediction, bob, value):
    response = client.post(f"/predictions/{prediction.id}/vote", data={"value": value})
    assert response.status_code == 422
    assert counters(prediction.id) == (0, 0, 0)
    assert vote_count() == 0


def test_a_missing_value_is_422(client, prediction, bob):
    assert client.post(f"/predictions/{prediction.id}/vote", data={}).status_code == 422


def test_a_next_to_another_site_is_not_followed(client, prediction, bob):
    response = client.post(f"/predictions/{prediction.id}/vote",
                           data={"value": "1", "next": "https://evil.example/"})
    assert response.headers["Location"] == f"/predictions/{prediction.id}"


def test_fields_a_client_may_not_set_are_ignored(client, prediction, bob):
    client.post(f"/predictions/{prediction.id}/vote",
                data={"value": "1", "vote_score": "50", "user_id": "1", "votes_up": "9"})
    assert counters(prediction.id) == (1, 1, 0)
    assert db.session.scalar(select(Vote.user_id)) == bob.id


@pytest.mark.parametrize("path", ["/predictions/9999/vote", "/comments/9999/vote",
                                  "/predictions/99999999999999/vote"])
def test_voting_on_unknown_targets_is_404(client, bob, path):
    assert client.post(path, data={"value": "1"}).status_code == 404


def test_anonymous_votes_go_to_login(client, prediction):
    response = client.post(f"/predictions/{prediction.id}/vote", data={"value": "1"})
    assert response.status_code == 303 and "/login" in response.headers["Location"]
    page = client.get(f"/predictions/{prediction.id}").text
    assert "Log in to vote up" in page
    assert vote_count() == 0


def test_comment_votes_and_no_voting_on_your_own_comment(client, prediction, bob):
    alice = db.session.scalar(select(Prediction.author_id))
    theirs = make_comment(prediction, db.session.get(type(bob), alice), "A comment by alice.")
    mine = make_comment(prediction, bob, "A comment by bob.")
    assert client.post(f"/comments/{theirs.id}/vote", data={"value": "-1"}).status_code == 303
    db.session.expire_all()
    assert (db.session.get(Comment, theirs.id).vote_score,
            db.session.get(Comment, theirs.id).votes_down) == (-1, 1)
    assert client.post(f"/comments/{mine.id}/vote", data={"value": "1"}).status_code == 403
    assert client.post(f"/comments/{theirs.id}/vote", data={"value": "x"}).status_code == 422
    page = client.get(f"/predictions/{prediction.id}").text
    assert 'value="0" data-direction="-1" aria-pressed="true"' in page


def test_the_unique_constraint_refuses_a_second_vote_row(prediction):
    voter = make_user("carol")
    db.session.add(Vote(user_id=voter.id, prediction_id=prediction.id, value=1))
    db.session.commit()
    db.session.add(Vote(user_id=voter.id, prediction_id=prediction.id, value=1))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.real_commits  # two threads, each on its own connection, as two requests
def test_two_identical_votes_at_the_same_moment_leave_one_vote(auth, app, prediction):
    make_user("bob")
    clients = [app.test_client() for _ in range(2)]
    for each in clients:
        auth.on(each).login("bob")
    path, prediction_id = f"/predictions/{prediction.id}/vote", prediction.id
    db.session.commit()
    start = threading.Barrier(len(clients))
    statuses = []

    def vote(each):
        start.wait()
        statuses.append(each.post(path, data={"value": "1"}).status_code)

    threads = [threading.Thread(target=vote, args=(each,)) for each in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [303, 303]
    assert vote_count() == 1
    assert counters(prediction_id) == (1, 1, 0)


def test_a_hidden_predictions_comments_take_no_vote_from_anyone_by_page_or_api(client, auth, prediction):
    """One rule for pages and the API (forum.permissions.vote_refusal): a moderator, who can
    read the hidden prediction, may not vote on it or on its comments either."""
    from tests.api_support import bearer

    moderator = make_user("mod", role="moderator")
    comment = make_comment(prediction, make_user("carol"), "Under a claim about to be hidden.")
    prediction.hidden = True
    db.session.commit()
    headers = bearer(moderator)
    assert client.put(f"/api/v1/comments/{comment.id}/vote", json={"value": 1},
                      headers=headers).status_code == 404
    assert client.put(f"/api/v1/predictions/{prediction.id}/vote", json={"value": 1},
                      headers=headers).status_code == 404
    assert auth.login("mod").status_code == 302
    assert client.post(f"/comments/{comment.id}/vote", data={"value": "1"}).status_code == 404
    assert client.post(f"/predictions/{prediction.id}/vote",
                       data={"value": "1"}).status_code == 404
    page = client.get(f"/predictions/{prediction.id}")
    assert page.status_code == 200  # the moderator reads it, with the vote buttons off
    assert 'class="vote"' not in page.text
    assert page.text.count("This prediction was removed by a moderator") >= 2
    assert vote_count() == 0


def test_the_vote_buttons_say_why_they_are_off(client, prediction, bob):
    db.session.execute(update(Prediction).where(Prediction.id == prediction.id)
                       .values(status="resolved"))
    db.session.commit()
    page = client.get(f"/predictions/{prediction.id}").text
    assert 'title="Voting has ended: this prediction is resolved"' in page
    assert client.post(f"/predictions/{prediction.id}/vote", data={"value": "1"}).status_code == 409
