"""A moderator does not resolve, correct or annul their own prediction: another moderator or
an admin must (issue 10, item 18). Admins may resolve their own. The resolve form, the
prediction page and the queue say so; the API's 403 says so."""

import re

import pytest

from forum.permissions import OWN_RESOLUTION_MESSAGE
from tests.factories import make_user
from tests.moderation_support import (  # noqa: F401
    NOTE,
    bearer,
    closed_prediction,
    fast_passwords,
    resolve,
    resolve_api,
    snapshot,
)


@pytest.fixture
def people(app):
    return {"author": make_user("author", role="moderator"),
            "colleague": make_user("colleague", role="moderator"),
            "root": make_user("root", role="admin"), "bob": make_user("bob")}


@pytest.fixture
def own(article, people):
    """A closed prediction written by the moderator `author`, forecast on by bob."""
    return closed_prediction(article, people["author"], forecasts=[(people["bob"], 0.7, 5)])


def resolve_form_of(page: str, prediction_id: int) -> bool:
    return bool(re.search(rf'<form method="post" action="/predictions/{prediction_id}/resolve"',
                          page))


@pytest.mark.parametrize("body", [
    {"outcome": "yes"}, {"outcome": "annulled"}])
def test_the_api_refuses_the_authors_resolution_and_says_why(client, own, people, body):
    before = snapshot(own.id)
    response = resolve_api(client, bearer(people["author"]), own.id, **body)
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "forbidden" and error["message"] == OWN_RESOLUTION_MESSAGE
    assert snapshot(own.id) == before


def test_the_api_refuses_the_authors_correction(client, own, people):
    resolve(own, people["colleague"], "yes")
    before = snapshot(own.id)
    response = resolve_api(client, bearer(people["author"]), own.id, outcome="no",
                           correction=True)
    assert response.status_code == 403
    assert "another moderator or an admin" in response.get_json()["error"]["message"]
    assert snapshot(own.id) == before


@pytest.mark.parametrize("resolver", ["colleague", "root"])
def test_another_moderator_or_an_admin_resolves_it(client, own, people, resolver):
    response = resolve_api(client, bearer(people[resolver]), own.id, outcome="no")
    assert response.status_code == 200 and response.get_json()["outcome"] == "no"


def test_an_admin_may_resolve_their_own(client, article, people):
    mine = closed_prediction(article, people["root"], forecasts=[(people["bob"], 0.3, 5)])
    assert resolve_api(client, bearer(people["root"]), mine.id, outcome="yes").status_code == 200


def test_the_resolve_page_tells_the_author_why_and_offers_no_form(auth, client, own, people):
    auth.login("author")
    before = snapshot(own.id)
    page = client.get(f"/predictions/{own.id}/resolve")
    assert page.status_code == 403
    text = page.get_data(as_text=True)
    assert "another moderator or an admin" in text
    assert not resolve_form_of(text, own.id)
    posted = client.post(f"/predictions/{own.id}/resolve", data={"outcome": "yes", "note": NOTE})
    assert posted.status_code == 403
    assert "another moderator or an admin" in posted.get_data(as_text=True)
    assert snapshot(own.id) == before


def test_the_prediction_page_and_queue_offer_the_form_to_others_only(auth, client, own, people):
    auth.login("author")
    page = client.get(f"/predictions/{own.id}").get_data(as_text=True)
    assert not resolve_form_of(page, own.id)
    assert "another moderator or an admin" in page
    queue = client.get("/moderation").get_data(as_text=True)
    assert f"awaiting-{own.id}" in queue and not resolve_form_of(queue, own.id)
    assert "another moderator or an admin" in queue
    client.post("/logout")
    auth.login("colleague")
    page = client.get(f"/predictions/{own.id}").get_data(as_text=True)
    assert resolve_form_of(page, own.id)
    assert resolve_form_of(client.get("/moderation").get_data(as_text=True), own.id)
    response = client.post(f"/predictions/{own.id}/resolve", data={"outcome": "yes",
                                                                   "note": NOTE})
    assert response.status_code == 302
