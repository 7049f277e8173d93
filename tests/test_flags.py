"""Members report predictions, comments and resolutions; moderators dismiss or act on them."""

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.limits import DEFAULT_RATE_LIMITS
from forum.models import AuditEntry, Comment, Flag, Prediction
from tests.factories import make_comment, make_prediction, make_user
from tests.moderation_support import (
    closed_prediction,
    count,
    fast_passwords,  # noqa: F401
    resolve,
)


@pytest.fixture
def board(article):
    """alice's prediction with a comment by bob; carol reports, mod moderates."""
    alice, bob = make_user("alice"), make_user("bob")
    carol, mod = make_user("carol"), make_user("mod", role="moderator")
    prediction = make_prediction(article, alice)
    comment = make_comment(prediction, bob, "Buy cheap watches at example.com!")
    return {"alice": alice, "bob": bob, "carol": carol, "mod": mod,
            "prediction": prediction, "comment": comment}


def report(client, target_type, target_id, reason="spam", text="", next=None):
    data = {"reason": reason, "text": text}
    if next:
        data["next"] = next
    return client.post(f"/report/{target_type}/{target_id}", data=data)


# Reporting -----------------------------------------------------------------------------------

def test_member_reports_a_comment_and_returns_to_it(auth, client, board):
    auth.login("carol")
    response = report(client, "comment", board["comment"].id)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/predictions/{board['prediction'].id}#comment-{board['comment'].id}")
    flag = db.session.scalars(select(Flag)).one()
    assert (flag.reporter_id, flag.target_type, flag.target_id, flag.prediction_id,
            flag.reason, flag.status) == (board["carol"].id, "comment", board["comment"].id,
                                          board["prediction"].id, "spam", "open")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "a moderator will look at it" in page


def test_reporting_the_same_thing_twice_gets_a_clear_message_not_an_error(auth, client, board):
    auth.login("carol")
    report(client, "comment", board["comment"].id)
    again = report(client, "comment", board["comment"].id, reason="abusive")
    assert again.status_code == 302
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "You have already reported this comment" in page
    assert count(Flag) == 1


def test_the_unique_index_stops_a_second_open_flag_even_without_the_page(app, board):
    from forum.errors import Conflict
    from forum.moderation.flags import create_flag

    create_flag(board["carol"], "prediction", board["prediction"].id, "unclear_criteria")
    db.session.commit()
    with pytest.raises(Conflict):
        create_flag(board["carol"], "prediction", board["prediction"].id, "spam")
    db.session.commit()  # the savepoint was rolled back; the session is still usable
    assert count(Flag) == 1


def test_after_a_flag_is_handled_the_member_may_report_again(auth, client, board):
    auth.login("carol")
    report(client, "prediction", board["prediction"].id, reason="unclear_criteria")
    flag = db.session.scalars(select(Flag)).one()
    flag.status = "dismissed"
    db.session.commit()
    report(client, "prediction", board["prediction"].id, reason="unclear_criteria")
    assert count(Flag) == 2


def test_different_members_may_report_the_same_thing(auth, client, board):
    auth.login("carol")
    report(client, "comment", board["comment"].id)
    client.post("/logout")
    auth.login()
    report(client, "comment", board["comment"].id, reason="abusive")
    assert count(Flag) == 2


def test_other_needs_words(auth, client, board):
    auth.login("carol")
    response = report(client, "prediction", board["prediction"].id, reason="other", text="  ")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Say what is wrong" in page
    assert 'value="other" required checked' in page  # what was chosen is kept
    assert count(Flag) == 0
    ok = report(client, "prediction", board["prediction"].id, reason="other",
                text="Duplicate of another prediction.")
    assert ok.status_code == 302
    assert db.session.scalars(select(Flag.text)).one() == "Duplicate of another prediction."


@pytest.mark.parametrize("data", [{}, {"reason": "boring"}, {"reason": ""},
                                  {"reason": "spam", "text": "x" * 1001},
                                  {"reason": "spam", "text": "nul\x00"}])
def test_bad_reports_are_422_with_the_error_beside_the_field(auth, client, board, data):
    auth.login("carol")
    response = client.post(f"/report/comment/{board['comment'].id}", data=data)
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
    assert count(Flag) == 0


@pytest.mark.parametrize("path", ["/report/comment/999999", "/report/prediction/999999",
                                  "/report/resolution/999999", "/report/user/1",
                                  "/report/comment/99999999999"])
def test_reporting_something_unknown_is_404(auth, client, board, path):
    auth.login("carol")
    assert client.post(path, data={"reason": "spam"}).status_code == 404
    assert count(Flag) == 0


def test_nobody_reports_their_own_content(auth, client, board):
    auth.login("bob")
    assert report(client, "comment", board["comment"].id).status_code == 403
    client.post("/logout")
    auth.login()
    assert report(client, "prediction", board["prediction"].id).status_code == 403
    assert count(Flag) == 0


def test_a_removed_comment_cannot_be_reported(auth, client, board):
    board["comment"].hidden = True
    db.session.commit()
    auth.login("carol")
    assert report(client, "comment", board["comment"].id).status_code == 409


def test_a_resolution_can_be_disputed(auth, client, article, board):
    prediction = closed_prediction(article, board["alice"])
    resolution = resolve(prediction, board["mod"], "yes")
    auth.login("carol")
    response = report(client, "resolution", resolution.id, reason="wrong_resolution",
                      text="The source was retracted.")
    assert response.headers["Location"].endswith(f"/predictions/{prediction.id}#resolution")
    flag = db.session.scalars(select(Flag)).one()
    assert (flag.target_type, flag.prediction_id) == ("resolution", prediction.id)


def test_the_report_page_preselects_a_reason_from_the_link(auth, client, board):
    auth.login("carol")
    page = client.get(f"/report/prediction/{board['prediction'].id}?reason=unclear_criteria")
    assert page.status_code == 200
    assert 'value="unclear_criteria" required checked' in page.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_log_in(client, board):
    response = report(client, "comment", board["comment"].id)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert count(Flag) == 0


def test_suspended_members_cannot_report(auth, client, board):
    auth.login("carol")
    board["carol"].suspended = True
    db.session.commit()
    assert report(client, "comment", board["comment"].id).status_code == 403
    assert count(Flag) == 0


def test_reports_are_rate_limited(auth, make_app, board):
    app = make_app(RATELIMIT_ENABLED=True, RATE_LIMITS={**DEFAULT_RATE_LIMITS, "flag": "2 per day"})
    with app.app_context():
        client = app.test_client()
        auth.on(client).login("carol")
        targets = [("prediction", board["prediction"].id), ("comment", board["comment"].id),
                   ("prediction", board["prediction"].id)]
        codes = [report(client, kind, target).status_code for kind, target in targets]
        assert codes == [302, 302, 429]


# Moderators handle reports ---------------------------------------------------------------------

def open_flags(target_type, target_id):
    return db.session.scalars(select(Flag).where(
        Flag.target_type == target_type, Flag.target_id == target_id, Flag.status == "open"
    )).all()


def test_acting_on_a_comment_report_hides_it_and_closes_every_report_of_it(auth, client, board):
    from forum.moderation.flags import create_flag

    first = create_flag(board["carol"], "comment", board["comment"].id, "spam")
    create_flag(board["alice"], "comment", board["comment"].id, "abusive")
    db.session.commit()
    auth.login("mod")
    response = client.post(f"/moderation/reports/{first.id}",
                           data={"decision": "act", "reason": "Spam link",
                                 "next": "/moderation#reports"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/moderation#reports")
    db.session.expire_all()
    assert db.session.get(Comment, board["comment"].id).hidden is True
    assert db.session.get(Prediction, board["prediction"].id).comment_count == 0
    assert open_flags("comment", board["comment"].id) == []
    assert {f.status for f in db.session.scalars(select(Flag))} == {"actioned"}
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["hide", "action_flags"]


def test_dismissing_closes_the_reports_and_keeps_the_content(auth, client, board):
    from forum.moderation.flags import create_flag

    flag = create_flag(board["carol"], "comment", board["comment"].id, "spam")
    db.session.commit()
    auth.login("mod")
    client.post(f"/moderation/reports/{flag.id}", data={"decision": "dismiss",
                                                        "reason": "Not spam"})
    db.session.expire_all()
    stored = db.session.get(Flag, flag.id)
    assert (stored.status, stored.handled_by_id, stored.handled_note) == (
        "dismissed", board["mod"].id, "Not spam")
    assert db.session.get(Comment, board["comment"].id).hidden is False
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.target_type, entry.reason) == ("dismiss_flags", "comment",
                                                               "Not spam")


def test_acting_on_a_prediction_report_hides_the_prediction(auth, client, board):
    from forum.moderation.flags import create_flag

    flag = create_flag(board["carol"], "prediction", board["prediction"].id, "spam")
    db.session.commit()
    auth.login("mod")
    client.post(f"/moderation/reports/{flag.id}", data={"decision": "act", "reason": "Spam"})
    db.session.expire_all()
    assert db.session.get(Prediction, board["prediction"].id).hidden is True


def test_handling_needs_a_reason_and_a_known_decision(auth, client, board):
    from forum.moderation.flags import create_flag

    flag = create_flag(board["carol"], "comment", board["comment"].id, "spam")
    db.session.commit()
    auth.login("mod")
    for data, message in (({"decision": "dismiss"}, "Give a reason"),
                          ({"decision": "dismiss", "reason": "  "}, "Give a reason"),
                          ({"decision": "delete", "reason": "x"}, "Dismiss the report or act"),
                          ({"reason": "x"}, "Dismiss the report or act")):
        response = client.post(f"/moderation/reports/{flag.id}", data=data)
        assert response.status_code == 302
        page = client.get("/moderation").get_data(as_text=True)
        assert 'class="flash flash-error"' in page and message in page
    db.session.expire_all()
    assert db.session.get(Flag, flag.id).status == "open"
    assert count(AuditEntry) == 0


def test_handling_a_report_twice_says_it_was_handled(auth, client, board):
    from forum.moderation.flags import create_flag

    flag = create_flag(board["carol"], "comment", board["comment"].id, "spam")
    db.session.commit()
    auth.login("mod")
    client.post(f"/moderation/reports/{flag.id}", data={"decision": "dismiss", "reason": "ok"})
    again = client.post(f"/moderation/reports/{flag.id}",
                        data={"decision": "dismiss", "reason": "ok"})
    assert again.status_code == 302
    assert "already handled" in client.get("/moderation").get_data(as_text=True)
    assert count(AuditEntry) == 1


def test_unknown_report_is_404(auth, client, board):
    auth.login("mod")
    assert client.post("/moderation/reports/424242",
                       data={"decision": "dismiss", "reason": "x"}).status_code == 404


def test_members_cannot_handle_reports(auth, client, board):
    from forum.moderation.flags import create_flag

    flag = create_flag(board["carol"], "comment", board["comment"].id, "spam")
    db.session.commit()
    auth.login()
    response = client.post(f"/moderation/reports/{flag.id}",
                           data={"decision": "act", "reason": "x"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Flag, flag.id).status == "open"


def test_a_correction_answers_the_disputes_of_a_resolution(auth, client, article, board):
    from forum.moderation.flags import create_flag

    prediction = closed_prediction(article, board["alice"])
    resolution = resolve(prediction, board["mod"], "yes")
    dispute = create_flag(board["carol"], "resolution", resolution.id, "wrong_resolution",
                          "Retracted")
    other = create_flag(board["bob"], "prediction", prediction.id, "unclear_criteria")
    db.session.commit()
    auth.login("mod")
    client.post(f"/predictions/{prediction.id}/resolve",
                data={"outcome": "no", "note": "The report was retracted.", "correction": "1"})
    db.session.expire_all()
    assert db.session.get(Flag, dispute.id).status == "actioned"
    assert db.session.get(Flag, other.id).status == "open"  # not a dispute
