"""The report page shows the thing being reported and offers only the reasons that fit it;
the server refuses a reason that doesn't fit (issue 13 item 12)."""

import html
import re

import pytest

from forum.models import Flag
from forum.moderation.flags import REASONS, FlagTarget
from tests.factories import make_comment, make_prediction, make_user
from tests.moderation_support import (
    closed_prediction,
    count,
    fast_passwords,  # noqa: F401
    resolve,
)


@pytest.fixture
def board(article):
    alice, bob = make_user("alice"), make_user("bob")
    carol, mod = make_user("carol"), make_user("mod", role="moderator")
    prediction = make_prediction(article, alice, title="Kim and Trump meet again before 2028")
    comment = make_comment(prediction, bob, "A *distinct* remark about summit logistics.")
    return {"alice": alice, "bob": bob, "carol": carol, "mod": mod,
            "prediction": prediction, "comment": comment}


def offered(page: str) -> list[str]:
    return re.findall(r'<input type="radio"[^>]* name="reason" value="([a-z_]+)"', page)


def report_section(page: str) -> str:
    return page.split('<div class="mod-page narrow">', 1)[1].split("<form", 1)[0]


def test_the_comment_report_page_shows_the_comment_and_only_fitting_reasons(auth, client, board):
    assert auth.on(client).login("carol").status_code == 302
    response = client.get(f"/report/comment/{board['comment'].id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    shown = report_section(page)
    assert "<em>distinct</em> remark about summit logistics" in shown
    assert "Comment by bob" in shown
    assert "Resolution criteria" not in shown  # not the prediction's summary
    assert offered(page) == ["spam", "abusive", "other"]


def test_an_open_prediction_offers_unclear_criteria_but_not_wrong_resolution(auth, client, board):
    assert auth.on(client).login("carol").status_code == 302
    page = client.get(f"/report/prediction/{board['prediction'].id}").get_data(as_text=True)
    assert "Kim and Trump meet again before 2028" in report_section(page)
    assert offered(page) == ["spam", "abusive", "unclear_criteria", "other"]
    on_its_page = client.get(f"/predictions/{board['prediction'].id}").get_data(as_text=True)
    assert "wrong_resolution" not in on_its_page


def test_a_resolved_prediction_and_its_resolution_offer_wrong_resolution(auth, client, article,
                                                                         board):
    prediction = closed_prediction(article, board["alice"])
    resolution = resolve(prediction, board["mod"], "no", note="The talks were cancelled.")
    assert auth.on(client).login("carol").status_code == 302
    page = client.get(f"/report/prediction/{prediction.id}").get_data(as_text=True)
    assert offered(page) == ["spam", "abusive", "unclear_criteria", "wrong_resolution",
                             "other"]
    page = client.get(f"/report/resolution/{resolution.id}").get_data(as_text=True)
    assert offered(page) == ["wrong_resolution", "abusive", "other"]
    assert "The talks were cancelled." in report_section(page)


@pytest.mark.parametrize(("target", "reason"), [
    ("comment", "wrong_resolution"), ("comment", "unclear_criteria"),
    ("prediction", "wrong_resolution"),
])
def test_a_reason_that_does_not_fit_is_refused_with_a_clear_error(auth, client, board, target,
                                                                   reason):
    assert auth.on(client).login("carol").status_code == 302
    response = client.post(f"/report/{target}/{board[target].id}",
                           data={"reason": reason, "text": "Looks wrong to me."})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert f"“{REASONS[reason]}” doesn't fit" in page
    assert 'value="Looks wrong to me."' in page or ">Looks wrong to me.</textarea>" in page
    assert count(Flag) == 0


def test_a_resolution_cannot_be_reported_as_spam(auth, client, article, board):
    prediction = closed_prediction(article, board["alice"])
    resolution = resolve(prediction, board["mod"], "yes")
    assert auth.on(client).login("carol").status_code == 302
    response = client.post(f"/report/resolution/{resolution.id}", data={"reason": "spam"})
    assert response.status_code == 422
    assert count(Flag) == 0


def test_reasons_by_target_are_one_rule():
    assert list(FlagTarget("comment", 1, 1, 1).reasons) == ["spam", "abusive", "other"]
    assert "wrong_resolution" not in FlagTarget("prediction", 1, 1, 1).reasons
    assert "wrong_resolution" in FlagTarget("prediction", 1, 1, 1, resolved=True).reasons
    assert "unclear_criteria" not in FlagTarget("resolution", 1, 1, 1).reasons
