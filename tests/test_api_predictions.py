"""Reading predictions through the JSON API: lists with filters, sorts and pages, and one
prediction (SPEC.md §7). Every answer is also checked against the API's own OpenAPI document."""

from datetime import datetime, timedelta

import pytest

from forum import clock
from forum.extensions import db
from forum.models import Vote
from tests.api_support import Api, close, error_of
from tests.contract import HOT_ORDER, hot_board
from tests.factories import make_forecast, make_prediction, make_user
from tests.moderation_support import resolve

PREDICTION_KEYS = {
    "id", "url", "article", "title", "criteria", "quote", "author", "created_at",
    "resolution_date", "status", "outcome", "author_probability", "crowd", "votes",
    "comment_count", "forecast_count", "resolution",
}


@pytest.fixture
def api(client):
    return Api(client)


@pytest.fixture
def bob(app):
    return make_user("bob")


# Reading a list --------------------------------------------------------------------------

def test_a_list_shows_each_prediction_in_the_documented_shape(api, article, alice):
    prediction = make_prediction(article, alice, probability=0.35)
    body = api.get("/articles/test-article/predictions").get_json()
    assert (body["page"], body["per_page"], body["total"]) == (1, 20, 1)
    [item] = body["items"]
    assert set(item) == PREDICTION_KEYS  # no my_vote for an anonymous reader
    assert item["id"] == prediction.id
    assert item["url"] == f"http://localhost/predictions/{prediction.id}"
    assert (item["article"], item["author"], item["status"], item["outcome"]) == (
        "test-article", "alice", "open", None)
    assert item["title"] == "North Korea will hold a nuclear test in 2027"
    assert item["criteria"] == "Resolves yes if a credible source reports a test."
    assert item["quote"] is None and item["resolution"] is None
    assert item["resolution_date"] == prediction.resolution_date.isoformat()
    assert item["created_at"].endswith("Z")
    assert datetime.fromisoformat(item["created_at"]) == prediction.created_at
    assert item["author_probability"] == 0.35
    assert item["crowd"] == {"median": 0.35, "forecasters": 1}
    assert item["votes"] == {"score": 0, "up": 0, "down": 0}
    assert (item["comment_count"], item["forecast_count"]) == (0, 1)


def test_the_url_of_a_prediction_opens_its_page(api, client, article, alice):
    make_prediction(article, alice)
    [item] = api.get("/articles/test-article/predictions").get_json()["items"]
    page = client.get(item["url"])
    assert page.status_code == 200
    assert "North Korea will hold a nuclear test in 2027" in page.get_data(as_text=True)


def test_an_authenticated_list_carries_my_vote(api, article, alice, bob):
    first = make_prediction(article, alice, title="The first claim about the summit")
    make_prediction(article, alice, title="The second claim about the summit")
    as_bob = api.as_user(bob)
    as_bob.put(f"/predictions/{first.id}/vote", json={"value": -1})
    items = as_bob.get("/articles/test-article/predictions?sort=new").get_json()["items"]
    assert {item["title"]: item["my_vote"] for item in items} == {
        "The first claim about the summit": -1, "The second claim about the summit": 0}


def test_a_list_is_paginated_with_the_total(api, article, alice):
    for number in range(23):
        make_prediction(article, alice, title=f"Numbered claim about the future {number:02}")
    page = api.get("/articles/test-article/predictions?sort=new&per_page=10&page=3").get_json()
    assert (page["page"], page["per_page"], page["total"]) == (3, 10, 23)
    assert [item["title"][-2:] for item in page["items"]] == ["02", "01", "00"]
    beyond = api.get("/articles/test-article/predictions?per_page=10&page=9").get_json()
    assert (beyond["items"], beyond["total"]) == ([], 23)


def test_a_list_filters_by_status(api, article, alice):
    moderator = make_user("mod", role="moderator")
    still_open = make_prediction(article, alice, title="This one stays open for a while")
    closed = make_prediction(article, alice, title="This one has passed its date")
    resolved = make_prediction(article, alice, title="This one came true already")
    annulled = make_prediction(article, alice, title="This one was annulled later")
    close(closed)
    resolve(resolved, moderator, "yes")
    resolve(annulled, moderator, "annulled")

    def ids(status):
        body = api.get(f"/articles/test-article/predictions?status={status}").get_json()
        return {item["id"]: item["status"] for item in body["items"]}

    assert ids("open") == {still_open.id: "open"}
    assert ids("closed") == {closed.id: "closed"}
    assert ids("resolved") == {resolved.id: "resolved"}
    assert ids("annulled") == {annulled.id: "annulled"}
    assert len(ids("all")) == 4


def test_a_list_sorts_as_asked(api, article, alice, bob):
    start = clock.now() - timedelta(days=3)
    old = make_prediction(article, alice, title="The oldest claim of the three", days_ahead=30,
                          created_at=start)
    mid = make_prediction(article, alice, title="The middle claim of the three", days_ahead=10,
                          created_at=start + timedelta(days=1))
    new = make_prediction(article, alice, title="The newest claim of the three", days_ahead=20,
                          created_at=start + timedelta(days=2))
    api.as_user(bob).put(f"/predictions/{mid.id}/vote", json={"value": 1})
    make_forecast(old, bob, 0.5)

    def order(sort):
        items = api.get(f"/articles/test-article/predictions?sort={sort}").get_json()["items"]
        return [item["id"] for item in items]

    assert order("new") == [new.id, mid.id, old.id]
    assert order("top")[0] == mid.id
    assert order("resolving") == [mid.id, new.id, old.id]
    assert order("forecasts")[0] == old.id


def test_hot_is_the_default_sort_and_follows_the_contracted_rank(api, article, alice,
                                                                 monkeypatch):
    ids = hot_board(article, alice, monkeypatch)

    def order(query=""):
        items = api.get(f"/articles/test-article/predictions{query}").get_json()["items"]
        return [item["id"] for item in items]

    assert order() == order("?sort=hot") == [ids[name] for name in HOT_ORDER]


def test_a_list_searches_title_and_criteria(api, article, alice):
    make_prediction(article, alice, title="A treaty will be signed in Geneva",
                    criteria="Resolves yes on a signature reported by Reuters.")
    make_prediction(article, alice, title="A missile test over the sea of Japan")
    for q, expected in (("geneva", 1), ("REUTERS", 1), ("missile", 1), ("nothing-like", 0),
                        ("100%_", 0)):
        body = api.get("/articles/test-article/predictions", query_string={"q": q}).get_json()
        assert body["total"] == expected, q


@pytest.mark.parametrize("query, fields", [
    ("per_page=0", {"per_page"}),
    ("per_page=101", {"per_page"}),
    ("per_page=-5", {"per_page"}),
    ("page=abc", {"page"}),
    ("page=0", {"page"}),
    ("page=1.5", {"page"}),
    ("status=bogus", {"status"}),
    ("sort=bogus", {"sort"}),
    ("status=OPEN", {"status"}),
    ("q=" + "x" * 201, {"q"}),
    ("q=%00", {"q"}),
    ("status=bogus&sort=bogus&page=x&per_page=0", {"status", "sort", "page", "per_page"}),
])
def test_a_list_refuses_query_parameters_out_of_range(api, article, query, fields):
    response = api.get(f"/articles/test-article/predictions?{query}")
    assert response.status_code == 422
    error = error_of(response)
    assert (error["status"], error["code"]) == (422, "validation_error")
    assert set(error["fields"]) == fields


def test_the_list_of_an_unknown_article_is_not_found(api):
    response = api.get("/articles/no-such-article/predictions")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert "fields" not in error_of(response)


def test_hidden_predictions_are_left_out_of_lists(api, article, alice):
    make_prediction(article, alice, title="A visible claim about the talks")
    hidden = make_prediction(article, alice, title="A hidden claim about the talks")
    hidden.hidden = True
    db.session.commit()
    moderator = make_user("mod", role="moderator")
    for viewer in (api, api.as_user(moderator)):
        body = viewer.get("/articles/test-article/predictions").get_json()
        assert [item["title"] for item in body["items"]] == ["A visible claim about the talks"]
        assert body["total"] == 1


def test_a_page_of_predictions_costs_the_same_queries_at_any_size(
        api, article, alice, bob, count_queries):
    moderator = make_user("mod", role="moderator")
    as_bob = api.as_user(bob)

    def grow(count):
        for number in range(count):
            prediction = make_prediction(article, alice, title=f"A claim numbered {number:03}")
            make_forecast(prediction, bob, 0.4)
            vote = Vote(user_id=bob.id, prediction_id=prediction.id, value=1)
            db.session.add(vote)
            if number % 2:
                resolve(prediction, moderator, "no")
        db.session.commit()

    def queries():
        with count_queries() as statements:
            response = as_bob.get("/articles/test-article/predictions?per_page=100")
        assert response.status_code == 200
        # Not the token's "last used" stamp: written at most once a minute, on its own
        # connection (forum.auth.services), so it comes and goes between two requests.
        return len([statement for statement in statements
                    if statement != "BEGIN" and "api_tokens SET last_used_at" not in statement])

    grow(3)
    small = queries()
    grow(30)
    assert queries() == small


# Reading one -----------------------------------------------------------------------------

def test_a_prediction_reads_the_same_alone_as_in_a_list(api, article, alice, bob):
    prediction = make_prediction(article, alice, quote="a passage readers may quote")
    make_forecast(prediction, bob, 0.6)
    as_bob = api.as_user(bob)
    listed = as_bob.get("/articles/test-article/predictions").get_json()["items"][0]
    alone = as_bob.get(f"/predictions/{prediction.id}").get_json()
    assert alone == listed
    assert alone["quote"] == "a passage readers may quote"
    assert alone["my_vote"] == 0
    assert alone["crowd"] == {"median": pytest.approx(0.475), "forecasters": 2}
    assert alone["forecast_count"] == 2


@pytest.mark.parametrize("path", ["/predictions/999999", "/predictions/0",
                                  "/predictions/99999999999999999999999",
                                  "/predictions/abc", "/predictions/-1"])
def test_an_unknown_prediction_is_not_found(api, path):
    response = api.get(path, check=path != "/predictions/-1")
    assert response.status_code == 404
    assert error_of(response) == {"status": 404, "code": "not_found",
                                  "message": error_of(response)["message"]}


def test_a_hidden_prediction_is_found_only_by_moderators(api, article, alice, bob):
    prediction = make_prediction(article, alice)
    prediction.hidden = True
    db.session.commit()
    for viewer in (api, api.as_user(bob), api.as_user(alice)):
        for suffix in ("", "/forecasts", "/comments"):
            assert viewer.get(f"/predictions/{prediction.id}{suffix}").status_code == 404
    moderator = api.as_user(make_user("mod", role="moderator"))
    assert moderator.get(f"/predictions/{prediction.id}").get_json()["id"] == prediction.id
    assert moderator.get(f"/predictions/{prediction.id}/forecasts").status_code == 200


def test_a_resolved_prediction_shows_its_latest_resolution(api, article, alice):
    moderator = make_user("mod", role="moderator")
    prediction = make_prediction(article, alice, created_at=clock.now() - timedelta(days=1))
    resolve(prediction, moderator, "yes", note="First reading of the news.")
    outcome_time = clock.now() - timedelta(hours=2)
    resolve(prediction, moderator, "no", note="Corrected: the test was a hoax.",
            source_url="https://example.com/report", outcome_time=outcome_time,
            correction=True)
    body = api.get(f"/predictions/{prediction.id}").get_json()
    assert (body["status"], body["outcome"]) == ("resolved", "no")
    resolution = body["resolution"]
    assert resolution["outcome"] == "no"
    assert resolution["note"] == "Corrected: the test was a hoax."
    assert resolution["source_url"] == "https://example.com/report"
    assert resolution["resolved_by"] == "mod"
    assert datetime.fromisoformat(resolution["outcome_time"]) == outcome_time
    assert resolution["resolved_at"].endswith("Z")


def test_an_annulled_prediction_has_no_outcome(api, article, alice):
    prediction = make_prediction(article, alice)
    resolve(prediction, make_user("mod", role="moderator"), "annulled", note="Unclear.")
    body = api.get(f"/predictions/{prediction.id}").get_json()
    assert (body["status"], body["outcome"], body["resolution"]["outcome"]) == (
        "annulled", None, "annulled")


def test_a_closed_prediction_reads_as_closed(api, article, alice):
    prediction = make_prediction(article, alice)
    close(prediction)
    assert api.get(f"/predictions/{prediction.id}").get_json()["status"] == "closed"


def test_a_method_a_path_does_not_take_is_405(api, article, alice):
    prediction = make_prediction(article, alice)
    response = api.delete(f"/predictions/{prediction.id}")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_an_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/nothing/here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
