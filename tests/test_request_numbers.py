"""Numbers a request carries (a page in the query string, an id in the path or a form, a
probability typed in a form) are ASCII digits within bounds, read by forum.params: anything
else is a clear 4xx that changes nothing, never a 500 (issue 10, item 6)."""

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, Forecast, Notification
from tests.factories import make_comment, make_prediction, make_user
from tests.moderation_support import fast_passwords  # noqa: F401  (a fixture)

# Digits int() refuses though str.isdigit() accepts them ("²"), digits of other scripts that
# int() would read ("١٢", full-width "１"), one too long for int() at all, and every other
# spelling that is not plain ASCII digits.
BAD_NUMBERS = ["²", "١٢", "٣", "１", "9" * 5000, "-1", "0", "1e3", " 1", "1 ", "+1", "0x10", "",
               "1.0", "1_0", "99999999999999999999999"]

PAGE_LISTINGS = [  # (path, the page parameters it takes)
    ("/articles/test-article/predictions", ("page", "per_page")),
    ("/leaderboard", ("page", "per_page")),
    ("/users/alice", ("scores_page", "predictions_page", "forecasts_page", "comments_page")),
    ("/notifications", ("page", "per_page")),
    ("/moderation", ("page", "per_page")),
    ("/moderation/members", ("page", "per_page")),
    ("/moderation/audit", ("page", "per_page")),
]
API_LISTINGS = [
    ("/api/v1/articles/test-article/predictions", ("page", "per_page")),
    ("/api/v1/leaderboard", ("page", "per_page")),
]


def _cases(listings):
    return [(path, name) for path, names in listings for name in names]


@pytest.fixture
def mod_client(auth, client, article):
    make_user("alice")
    make_user("mod", role="moderator")
    auth.login("mod")
    return client


@pytest.mark.parametrize(("path", "name"), _cases(PAGE_LISTINGS))
def test_a_bad_page_number_on_a_page_is_a_422_page(mod_client, path, name):
    for value in BAD_NUMBERS:  # one set-up for all of them: the page changes nothing
        response = mod_client.get(path, query_string={name: value})
        assert response.status_code == 422, value[:12]
        assert response.mimetype == "text/html"
        assert f"{name} must be a whole number" in response.get_data(as_text=True), value[:12]


@pytest.mark.parametrize(("path", "name"), _cases(API_LISTINGS))
def test_a_bad_page_number_in_the_api_is_a_422_naming_it(mod_client, path, name):
    for value in BAD_NUMBERS:
        response = mod_client.get(path, query_string={name: value})
        assert response.status_code == 422, value[:12]
        error = response.get_json()["error"]
        assert error["code"] == "validation_error"
        assert list(error["fields"]) == [name], value[:12]
        assert "whole number" in error["fields"][name][0]


@pytest.mark.parametrize(("path", "name"), _cases(PAGE_LISTINGS + API_LISTINGS))
def test_good_page_numbers_still_work(mod_client, path, name):
    for value in ("1", "2", "01"):
        assert mod_client.get(path, query_string={name: value}).status_code == 200


@pytest.fixture
def thread(article):
    alice, bob = make_user("alice"), make_user("bob")
    prediction = make_prediction(article, alice)
    comment = make_comment(prediction, bob)
    return prediction, comment


@pytest.mark.parametrize("spelling", ["{}".format, lambda n: f"0{n}",
                                      lambda n: "".join(chr(0x0660 + int(d)) for d in str(n)),
                                      lambda n: "".join(chr(0xFF10 + int(d)) for d in str(n))],
                         ids=["ascii", "leading-zero", "arabic-indic", "full-width"])
def test_an_id_in_a_path_is_ascii_digits_only(client, thread, spelling):
    prediction, comment = thread
    paths = [f"/predictions/{spelling(prediction.id)}",
             f"/api/v1/predictions/{spelling(prediction.id)}",
             f"/api/v1/predictions/{spelling(prediction.id)}/comments",
             f"/report/comment/{spelling(comment.id)}"]
    expected = 200 if spelling(1) == "1" else 404
    for path in paths:
        response = client.get(path)
        assert response.status_code in ((200, 302) if expected == 200 else (404,)), path


@pytest.mark.parametrize("path", ["/predictions/0", "/predictions/2147483648",
                                  "/api/v1/predictions/99999999999", "/api/v1/comments/0/vote",
                                  "/notifications/2147483648/read", "/settings/tokens/0/revoke"])
def test_ids_out_of_range_match_no_route(client, thread, path):
    response = client.open(path, method="PUT" if path.endswith("/vote") else
                           "POST" if path.endswith(("read", "revoke")) else "GET")
    assert response.status_code == 404


@pytest.mark.parametrize("page", ["²", "9" * 5000, "-1", "١"])
def test_marking_a_notification_read_from_a_bad_page_goes_back_to_the_first(auth, client, thread,
                                                                             page):
    prediction, _ = thread  # bob's comment notified alice
    notification = db.session.scalar(select(Notification).where(
        Notification.user_id == prediction.author_id))
    auth.login()
    response = client.post(f"/notifications/{notification.id}/read", data={"page": page})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/notifications")
    db.session.expire_all()
    assert db.session.get(Notification, notification.id).read_at is not None
    response = client.post("/notifications/read", data={"page": page})
    assert response.status_code == 302 and response.headers["Location"].endswith("/notifications")


@pytest.mark.parametrize("parent_id", ["1" * 5000, "²", "١", "-1", "0", "1e3", "0x1", " 1"])
def test_a_bad_parent_id_in_the_comment_form_is_422_and_stores_nothing(auth, client, thread,
                                                                        parent_id):
    prediction, _ = thread
    auth.login("bob")
    before = db.session.scalar(select(func.count()).select_from(Comment))
    response = client.post(f"/predictions/{prediction.id}/comments",
                           data={"body": "A reply", "parent_id": parent_id})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Comment)) == before


@pytest.mark.parametrize("query", ["posted=²", "posted=" + "9" * 5000, "reply_to=²",
                                   "reply_to=١", "posted=-1"])
def test_cosmetic_ids_in_the_query_string_are_ignored_when_bad(client, thread, query):
    prediction, _ = thread
    assert client.get(f"/predictions/{prediction.id}?{query}").status_code == 200
    assert client.get(f"/articles/test-article/predictions?{query}").status_code == 200
    assert client.get(f"/articles/test-article?{query}").status_code == 200


@pytest.mark.parametrize("probability", ["５０", "٥٠", "1e1", "nan", "inf", "1_0", "0x10",
                                         "9" * 5000, "²"])
def test_a_typed_probability_is_ascii_digits_and_a_point(auth, client, thread, probability):
    prediction, _ = thread
    auth.login("bob")
    before = db.session.scalar(select(func.count()).select_from(Forecast))
    response = client.post(f"/predictions/{prediction.id}/forecasts",
                           data={"probability": probability})
    assert response.status_code == 422
    assert "Give a number from 1 to 99" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Forecast)) == before


@pytest.mark.parametrize("probability", ["40", "40 %", " 40%", "40.5", "0040"])
def test_a_typed_probability_in_plain_digits_is_taken(auth, client, thread, probability):
    prediction, _ = thread
    auth.login("bob")
    response = client.post(f"/predictions/{prediction.id}/forecasts",
                           data={"probability": probability})
    assert response.status_code == 303

