"""The moderation parts of a prediction's page: the resolution log for everyone, the
resolve/correct and hide forms for moderators, report controls for members."""

import pytest

from forum.extensions import db
from forum.moderation.flags import create_flag
from tests.factories import make_comment, make_prediction, make_user
from tests.moderation_support import (
    closed_prediction,
    fast_passwords,  # noqa: F401
    resolve,
)

RESOLVE_FORM = 'action="/predictions/{}/resolve"'


@pytest.fixture
def page_of(client):
    def fetch(prediction) -> str:
        response = client.get(f"/predictions/{prediction.id}")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    return fetch


@pytest.fixture
def cast(article):
    people = {"alice": make_user("alice"), "bob": make_user("bob"),
              "mod": make_user("mod", role="moderator")}
    people["prediction"] = closed_prediction(article, people["alice"],
                                             forecasts=[(people["bob"], 0.6, 10)])
    return people


def test_everyone_sees_the_whole_resolution_log(client, cast, page_of):
    prediction = cast["prediction"]
    first = resolve(prediction, cast["mod"], "yes", note="The ministry announced it.",
                    source_url="https://example.com/announcement")
    second = resolve(prediction, cast["mod"], "no", note="The announcement was withdrawn.",
                     correction=True)
    page = page_of(prediction)
    assert f'id="resolution-{first.id}"' in page and f'id="resolution-{second.id}"' in page
    assert page.index(f'id="resolution-{second.id}"') < page.index(f'id="resolution-{first.id}"')
    for text in ("The ministry announced it.", "The announcement was withdrawn.",
                 'href="https://example.com/announcement"', "Resolved NO", "Correction",
                 "in force", "superseded", "corrected by"):
        assert text in page, text
    assert RESOLVE_FORM.format(prediction.id) not in page  # not for visitors


def test_moderators_get_the_resolve_form_and_then_the_correction_form(auth, client, cast, page_of):
    prediction = cast["prediction"]
    auth.login("mod")
    page = page_of(prediction)
    assert RESOLVE_FORM.format(prediction.id) in page and "Resolve this prediction" in page
    assert 'name="correction"' not in page
    resolve(prediction, cast["mod"], "yes")
    page = page_of(prediction)
    assert "Correct the resolution" in page and 'name="correction" value="1"' in page


def test_members_see_no_moderator_tools_but_can_report_and_dispute(auth, client, cast, page_of):
    prediction = cast["prediction"]
    resolution = resolve(prediction, cast["mod"], "yes")
    auth.login("bob")
    page = page_of(prediction)
    assert RESOLVE_FORM.format(prediction.id) not in page
    assert "/moderation/prediction/" not in page
    assert f'action="/report/resolution/{resolution.id}"' in page
    assert 'value="wrong_resolution" required checked' in page
    assert f'action="/report/prediction/{prediction.id}"' in page


def test_authors_cannot_report_their_own_prediction(auth, client, cast, page_of):
    auth.login()
    page = page_of(cast["prediction"])
    assert f'action="/report/prediction/{cast["prediction"].id}"' not in page


def test_a_reported_thing_says_so_instead_of_offering_the_form_again(auth, client, cast, page_of):
    prediction = cast["prediction"]
    create_flag(cast["bob"], "prediction", prediction.id, "unclear_criteria")
    db.session.commit()
    auth.login("bob")
    page = page_of(prediction)
    assert "You reported this prediction" in page
    assert f'action="/report/prediction/{prediction.id}"' not in page


def test_comment_actions_report_for_members_hide_for_moderators(auth, client, article, cast,
                                                                page_of):
    prediction = make_prediction(article, cast["alice"])
    comment = make_comment(prediction, cast["bob"], "First!")
    auth.login()
    page = page_of(prediction)
    assert f'href="/report/comment/{comment.id}"' in page
    assert f"/moderation/comment/{comment.id}/hide" not in page
    client.post("/logout")
    create_flag(cast["alice"], "comment", comment.id, "spam")
    db.session.commit()
    auth.login("mod")
    page = page_of(prediction)
    assert f'href="/moderation/comment/{comment.id}/hide"' in page
    assert "1 report" in page
    client.post(f"/moderation/comment/{comment.id}/hide", data={"reason": "Spam"})
    page = page_of(prediction)
    assert f'href="/moderation/comment/{comment.id}/restore"' in page
    assert "[removed by a moderator]" in page


def test_suspended_members_see_no_report_controls(auth, client, cast, page_of):
    auth.login("bob")
    cast["bob"].suspended = True
    db.session.commit()
    assert "/report/" not in page_of(cast["prediction"])


def test_hidden_prediction_offers_restore_to_moderators(auth, client, cast, page_of):
    cast["prediction"].hidden = True
    db.session.commit()
    auth.login("mod")
    page = page_of(cast["prediction"])
    assert f'action="/moderation/prediction/{cast["prediction"].id}/restore"' in page


def test_the_panel_costs_the_same_queries_however_many_comments(auth, client, article, cast,
                                                                count_queries, page_of):
    prediction = make_prediction(article, cast["alice"])
    make_comment(prediction, cast["bob"], "One")
    auth.login("mod")
    page_of(prediction)
    with count_queries() as few:
        page_of(prediction)
    carol = make_user("carol")
    for number in range(12):
        comment = make_comment(prediction, cast["bob"], f"Comment {number}")
        create_flag(carol, "comment", comment.id, "spam")
    db.session.commit()
    page_of(prediction)  # refills the page's kept forecasts, which the writes above outdated
    with count_queries() as many:
        page_of(prediction)
    assert len(many) == len(few)
