"""Refused forms help (issue 13, items 7–10 and 15): every refused submission comes back with
an error summary that takes the focus (autofocus, so also without JavaScript) and links to each
field, with everything typed kept; refused (422) submissions spend no budget, and a 429 shows
the form again with what was typed; the browser's limits are the server's constants."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum import clock
from forum.auth.services import BIO_MAX, EMAIL_MAX, USERNAME_MAX
from forum.board.validation import CRITERIA_LENGTH, QUOTE_MAX, TITLE_LENGTH
from forum.comments.services import BODY_LENGTH
from forum.extensions import db
from forum.models import Comment, Flag, Forecast, Prediction, Resolution
from forum.moderation.flags import TEXT_MAX
from forum.moderation.resolutions import NOTE_MAX, URL_MAX
from forum.moderation.services import REASON_MAX
from tests.factories import DEFAULT_PASSWORD, make_article, make_comment, make_prediction, make_user
from tests.moderation_support import closed_prediction
from tests.test_posting import valid_form

ARTICLE = "/articles/test-article"
POST_PATH = f"{ARTICLE}/predictions"


def summary_of(page: str) -> str:
    """The error summary's HTML; it fails the test when there is none."""
    match = re.search(r'<div class="error-summary"[^>]*>.*?</div>', page, re.DOTALL)
    assert match, "no error summary on the page"
    return match.group(0)


def assert_lands_on_the_summary(page: str) -> list[str]:
    """The summary is the page's first autofocus element (so the browser focuses it and
    scrolls to it without JavaScript), is focusable, and each of its links names an element
    of the page. Returns the ids it links to."""
    summary = summary_of(page)
    opening = summary.split(">", 1)[0]
    assert "autofocus" in opening and 'tabindex="-1"' in opening and 'role="alert"' in opening
    first_autofocus = re.search(r"<[^>]*\sautofocus[\s>][^>]*>?", page).group(0)
    assert first_autofocus.startswith('<div class="error-summary"')
    targets = re.findall(r'href="#([^"]+)"', summary)
    for target in targets:
        assert f'id="{target}"' in page, target
    return targets


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


@pytest.fixture
def member(auth, client, article):
    make_user("alice")
    assert auth.on(client).login("alice").status_code == 302
@pytest.fixture
def theirs(article):
    return make_prediction(article, make_user("carol"))


# Item 7: every form lands on its summary ----------------------------------------------------

@pytest.mark.parametrize("source", ["article", "board"])
def test_a_refused_share_form_lands_on_its_summary_with_everything_kept(client, member, source):
    data = valid_form(title="Too short", resolution_date="2020-01-01", probability="150",
                      source=source)
    response = client.post(POST_PATH, data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert assert_lands_on_the_summary(page) == ["title", "probability", "resolution_date"]
    summary = text_of(summary_of(page))
    assert "There are 3 problems" in summary and "Your prediction: Use 10–200" in summary
    assert 'value="Too short"' in page and 'value="150"' in page and 'value="2020-01-01"' in page
    assert data["criteria"] in page


def test_a_refused_forecast_lands_on_its_summary(client, member, theirs):
    response = client.post(f"/predictions/{theirs.id}/forecasts", data={"probability": "0"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert assert_lands_on_the_summary(page) == ["probability"]
    assert re.search(r'name="probability"[^>]*value="0"', page)


@pytest.mark.parametrize("kind", ["comment", "reply", "edit"])
def test_refused_comments_replies_and_edits_land_on_their_summary(client, member, theirs, kind):
    from forum.auth.services import find_user

    mine = make_comment(theirs, find_user("alice"), body="My first thought.")
    typed = "   "
    if kind == "edit":
        response = client.post(f"/comments/{mine.id}/edit", data={"body": typed})
        target = f"edit-{mine.id}"
    else:
        data = {"body": typed, **({"parent_id": str(mine.id)} if kind == "reply" else {})}
        response = client.post(f"/predictions/{theirs.id}/comments", data=data)
        target = f"reply-{mine.id}" if kind == "reply" else "comment-body"
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert assert_lands_on_the_summary(page) == [target]
    assert "Write something first." in text_of(summary_of(page))


def test_a_refused_report_lands_on_its_summary(client, member, theirs):
    response = client.post(f"/report/prediction/{theirs.id}", data={"text": "Look at this"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert assert_lands_on_the_summary(page)[0] == "report-reason-1"
    assert ">Look at this</textarea>" in page
    assert db.session.scalar(select(func.count(Flag.id))) == 0


def test_login_and_settings_refusals_land_on_their_summary(auth, client, article):
    make_user("alice")
    page = client.post("/login", data={"username": "alice", "password": ""}).text
    assert assert_lands_on_the_summary(page) == ["password"]
    assert 'value="alice"' in page
    assert auth.on(client).login("alice").status_code == 302
    response = client.post("/settings", data={
        "password-current_password": "wrong password!", "password-new_password": "x",
        "password-confirm": "y", "password-submit": "1"})
    assert response.status_code == 422
    assert "password-new_password" in assert_lands_on_the_summary(response.text)
    response = client.post("/settings", data={"profile-bio": "\x00", "profile-submit": "1"})
    assert response.status_code == 422
    assert assert_lands_on_the_summary(response.text) == ["profile-bio"]


# Item 15: the resolve form reports every problem at once, with human dates --------------------

def test_the_resolve_form_reports_every_error_at_once_in_human_dates(auth, client, article):
    author, moderator = make_user("carol"), make_user("mod", role="moderator")
    prediction = closed_prediction(article, author)
    assert auth.on(client).login(moderator.username).status_code == 302
    before = clock.as_utc(prediction.created_at) - timedelta(days=2)
    response = client.post(f"/predictions/{prediction.id}/resolve", data={
        "note": "", "source_url": "ftp://example.org",
        "outcome_time": before.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    targets = assert_lands_on_the_summary(page)
    assert set(targets) == {"resolve-outcome-yes", "resolve-note", "resolve-source",
                            "resolve-time"}
    summary = text_of(summary_of(page))
    posted = clock.as_utc(prediction.created_at)
    assert f"{posted.day} {posted:%b %Y}, {posted:%H:%M}" in summary
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", summary)  # no ISO timestamp
    assert db.session.scalar(select(func.count(Resolution.id))) == 0


def test_the_api_names_the_early_outcome_time_with_the_other_errors(client, article):
    from tests.moderation_support import bearer

    prediction = closed_prediction(article, make_user("carol"))
    headers = bearer(make_user("mod", role="moderator"))
    early = clock.as_utc(prediction.created_at) - timedelta(days=2)
    body = client.post(f"/api/v1/predictions/{prediction.id}/resolution", headers=headers,
                       json={"outcome": "maybe", "note": "A note.",
                             "outcome_time": early.strftime("%Y-%m-%dT%H:%M:%SZ")}).get_json()
    assert set(body["error"]) == {"status", "code", "message", "fields"}
    assert set(body["error"]["fields"]) == {"outcome", "outcome_time"}
    message = body["error"]["fields"]["outcome_time"][0]
    assert not re.search(r"\d{4}-\d\d-\d\dT", message) and "UTC)" in message


# Item 9: the browser's limits are the server's ----------------------------------------------

def maxlength(page: str, element_id: str) -> int:
    tag = re.search(rf'<(?:input|textarea)[^>]*\bid="{re.escape(element_id)}"[^>]*>', page)
    return int(re.search(r'maxlength="(\d+)"', tag.group(0)).group(1))


def counter_limit(page: str, element_id: str) -> str:
    match = re.search(rf'data-counter-for="{re.escape(element_id)}" data-limit="(\d+)">([^<]*)<',
                      page)
    assert match, f"no counter for {element_id}"
    return match.group(1), match.group(2)


def test_every_limited_field_states_the_servers_limit(client, member, theirs):
    share = client.get(f"{POST_PATH}/new").text
    for element_id, limit in (("title", TITLE_LENGTH[1]), ("criteria", CRITERIA_LENGTH[1]),
                              ("quote", QUOTE_MAX)):
        assert maxlength(share, element_id) == limit
        assert counter_limit(share, element_id) == (str(limit), f"Up to {limit:,} characters.")
    assert re.search(r'<input type="number"[^>]*min="1" max="99"', share)
    prediction_page = client.get(f"/predictions/{theirs.id}").text
    assert maxlength(prediction_page, "comment-body") == BODY_LENGTH[1]
    assert counter_limit(prediction_page, "comment-body")[0] == str(BODY_LENGTH[1])
    report = client.get(f"/report/prediction/{theirs.id}").text
    assert maxlength(report, "report-text") == TEXT_MAX
    settings = client.get("/settings").text
    assert maxlength(settings, "profile-bio") == BIO_MAX
    client.post("/logout")
    register = client.get("/register").text
    assert maxlength(register, "username") == USERNAME_MAX
    assert maxlength(register, "email") == EMAIL_MAX


def test_the_resolve_form_states_its_limits(auth, client, article):
    prediction = closed_prediction(article, make_user("carol"))
    assert auth.on(client).login(make_user("mod", role="moderator").username).status_code == 302
    page = client.get(f"/predictions/{prediction.id}/resolve").text
    assert maxlength(page, "resolve-note") == NOTE_MAX
    assert maxlength(page, "resolve-source") == URL_MAX
    assert counter_limit(page, "resolve-note")[0] == str(NOTE_MAX)
    assert counter_limit(page, "resolve-source")[0] == str(URL_MAX)
    hide = client.get(f"/moderation/prediction/{prediction.id}/hide").text
    assert maxlength(hide, "reason") == REASON_MAX
    assert counter_limit(hide, "reason") == (str(REASON_MAX), f"Up to {REASON_MAX:,} characters.")


# Item 8: refusals spend nothing; a 429 keeps what was typed -----------------------------------

@pytest.fixture
def limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    with app.app_context():
        make_article()
        make_user("alice")
        prediction = make_prediction(make_article(), make_user("carol"))
        yield app, prediction.id


def member_client(app):
    client = app.test_client()
    assert client.post("/login", data={"username": "alice", "password": DEFAULT_PASSWORD}
                       ).status_code == 302
    return client


def test_ten_refused_shares_leave_the_hourly_budget_whole(limited):
    """The issue's story: 150 %, a past date, an empty claim… then the valid one posts."""
    app, _ = limited
    client = member_client(app)
    mistakes = [{"probability": "150"}, {"resolution_date": "2020-01-01"}, {"title": ""},
                {"probability": ""}, {"criteria": "short"}] * 2
    assert [client.post(POST_PATH, data=valid_form(**bad)).status_code
            for bad in mistakes] == [422] * 10
    statuses = [client.post(POST_PATH, data=valid_form(title=f"A valid claim number {n}"))
                .status_code for n in range(10)]
    assert statuses == [303] * 10
    assert db.session.scalar(select(func.count(Prediction.id))) == 11


def test_refused_page_forecasts_leave_the_budget_whole(limited):
    app, prediction_id = limited
    client = member_client(app)
    url = f"/predictions/{prediction_id}/forecasts"
    assert {client.post(url, data={"probability": ""}).status_code for _ in range(5)} == {422}
    assert [client.post(url, data={"probability": "40"}).status_code
            for _ in range(30)] == [303] * 30
    assert client.post(url, data={"probability": "41"}).status_code == 429


def test_a_rate_limited_share_keeps_what_was_typed(limited):
    app, _ = limited
    client = member_client(app)
    for n in range(10):
        assert client.post(POST_PATH, data=valid_form(title=f"A valid claim number {n}")
                           ).status_code == 303
    typed = valid_form(title="The eleventh claim, typed with care",
                       criteria="Resolves yes if the typed criteria survive the 429 page.",
                       probability="42", source="article")
    response = client.post(POST_PATH, data=typed)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    page = response.get_data(as_text=True)
    assert_lands_on_the_summary(page)
    summary = text_of(summary_of(page))
    assert "the limit is 10 per 1 hour" in summary and "what you typed is kept" in summary
    assert 'value="The eleventh claim, typed with care"' in page
    assert typed["criteria"] in page and 'value="42"' in page
    assert db.session.scalar(select(func.count(Prediction.id))) == 11


def test_a_rate_limited_comment_and_forecast_keep_what_was_typed(limited):
    app, prediction_id = limited
    client = member_client(app)
    url = f"/predictions/{prediction_id}/comments"
    for n in range(6):
        assert client.post(url, data={"body": f"Comment {n}"}).status_code == 303
    response = client.post(url, data={"body": "A long thought I'd hate to lose."})
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert "A long thought I&#39;d hate to lose.</textarea>" in response.text
    assert assert_lands_on_the_summary(response.text) == ["comment-body"]
    assert db.session.scalar(select(func.count(Comment.id))) == 6

    url = f"/predictions/{prediction_id}/forecasts"
    for _ in range(30):
        client.post(url, data={"probability": "40"})
    response = client.post(url, data={"probability": "63"})
    assert response.status_code == 429
    assert re.search(r'name="probability"[^>]*value="63"', response.text)
    assert "Slow down" in text_of(summary_of(response.text))
    assert db.session.scalar(select(func.count(Forecast.id))) == 31  # carol's first + 30


def test_failed_logins_still_spend_and_the_429_keeps_the_username(limited):
    app, _ = limited
    client = app.test_client()
    wrong = {"username": "alice", "password": "not the password"}
    assert {client.post("/login", data=wrong).status_code for _ in range(10)} == {422}
    response = client.post("/login", data=wrong)
    assert response.status_code == 429
    assert 'value="alice"' in response.text and "not the password" not in response.text
    assert_lands_on_the_summary(response.text)
