"""Posting a prediction from the article page (and its own page), and the author's edits."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum import clock
from forum.extensions import db
from forum.models import Article, Forecast, Prediction, PredictionRevision
from tests.factories import make_forecast, make_prediction, make_user

ARTICLE_PATH = "/articles/test-article"
POST_PATH = "/articles/test-article/predictions"


def valid_form(**overrides) -> dict:
    """A prediction form as a member fills it in; any field can be overridden."""
    data = {
        "title": "North Korea joins arms control talks in 2027",
        "probability": "35",
        "resolution_date": (clock.today() + timedelta(days=200)).isoformat(),
        "criteria": "Resolves yes if Reuters or AP reports formal talks that include Pyongyang.",
        "quote": "",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def field_error(page: str, field_id: str) -> str | None:
    """The error shown beside a field, or None."""
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error"[^>]*>(.*?)</p>',
                      page, re.DOTALL)
    return html.unescape(match.group(1)).strip() if match else None


def error_summary(page: str) -> str:
    """The error summary of a refused form (it takes the focus), or ""."""
    match = re.search(r'<div class="error-summary"[^>]*\bautofocus[^>]*>(.*?)</div>', page,
                      re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


def input_value(page: str, name: str) -> str | None:
    """The value an input is rendered with."""
    tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    if tag is None:
        return None
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else ""


def textarea_value(page: str, name: str) -> str | None:
    match = re.search(rf'<textarea[^>]*\bname="{re.escape(name)}"[^>]*>(.*?)</textarea>', page,
                      re.DOTALL)
    return html.unescape(match.group(1)) if match else None


def stored_state() -> tuple:
    """Everything a failed post must leave untouched."""
    return (db.session.scalar(select(func.count()).select_from(Prediction)),
            db.session.scalar(select(func.count()).select_from(Forecast)),
            db.session.scalar(select(Article.prediction_count)))


@pytest.fixture
def member(auth, client, article, alice):
    auth.login()
    return alice


# Posting -----------------------------------------------------------------------------------

def test_member_posts_a_prediction_and_sees_it_highlighted_on_the_article(client, member):
    response = client.post(POST_PATH, data=valid_form(source="article"))
    assert response.status_code == 303
    prediction = db.session.scalar(select(Prediction))
    assert response.headers["Location"].endswith(
        f"{ARTICLE_PATH}?posted={prediction.id}#prediction-{prediction.id}")
    assert prediction.author_id == member.id
    assert prediction.author_probability == pytest.approx(0.35)
    assert prediction.crowd_median == pytest.approx(0.35)
    assert (prediction.forecast_count, prediction.forecaster_count) == (1, 1)
    first = db.session.scalar(select(Forecast))
    assert (first.user_id, first.probability) == (member.id, pytest.approx(0.35))
    assert db.session.scalar(select(Article.prediction_count)) == 1

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    row = re.search(rf'<li class="prediction-row is-posted" id="prediction-{prediction.id}">'
                    r'(.*?)</li>\s*(?:<li|</ol>)', page, re.DOTALL)
    assert row is not None, "the new prediction is highlighted"
    assert "North Korea joins arms control talks in 2027" in row.group(1)
    assert "Just posted" in row.group(1)
    assert "35 %" in row.group(1)
    assert "Your prediction is posted" in page


def test_posting_from_the_new_page_returns_to_the_board_sorted_new(client, member):
    form_page = client.get(f"{POST_PATH}/new")
    assert form_page.status_code == 200
    assert 'name="source" type="hidden" value="board"' in form_page.get_data(as_text=True)
    response = client.post(POST_PATH, data=valid_form(source="board"))
    prediction = db.session.scalar(select(Prediction))
    assert response.headers["Location"].endswith(
        f"{POST_PATH}?sort=new&posted={prediction.id}#prediction-{prediction.id}")
    board = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'class="prediction-row is-posted" id="prediction-{prediction.id}"' in board


def test_a_probability_must_be_chosen_the_box_starts_empty(client, member):
    """No anchor: the form's number starts empty, its slider sends nothing, and a missing
    number is refused with a message saying to choose one (issue 13, item 10)."""
    form = client.get(f"{POST_PATH}/new").text
    box = re.search(r'<input type="number"[^>]*name="probability"[^>]*>', form).group(0)
    assert 'value=""' in box and "required" in box
    assert 'min="1" max="99"' in box
    slider = re.search(r'<input type="range"[^>]*>', form).group(0)
    assert "name=" not in slider
    response = client.post(POST_PATH, data=valid_form(probability="", probability_slider="62"))
    assert response.status_code == 422
    assert "Choose your probability: a number from 1 to 99 (%)." in response.text
    assert db.session.scalar(select(Prediction.author_probability)) is None


def test_a_typed_percentage_with_a_decimal_is_kept(client, member):
    client.post(POST_PATH, data=valid_form(probability="12.5"))
    assert db.session.scalar(select(Prediction.author_probability)) == pytest.approx(0.125)


def test_a_quote_from_the_article_is_kept_with_its_whitespace_collapsed(client, member):
    client.post(POST_PATH, data=valid_form(quote="  A second paragraph,\n  under a heading "))
    assert db.session.scalar(select(Prediction.quote)) == "A second paragraph, under a heading"


def test_fields_a_client_may_not_set_are_ignored(client, member):
    bob = make_user("bob")
    response = client.post(POST_PATH, data=valid_form(
        author=str(bob.id), author_id=str(bob.id), status="resolved", outcome="yes",
        vote_score="99", votes_up="99", comment_count="7", forecast_count="40", hidden="true",
        created_at="2001-01-01T00:00:00Z", crowd_median="0.9", hot_rank="1e9"))
    assert response.status_code == 303
    prediction = db.session.scalar(select(Prediction))
    assert prediction.author_id != bob.id
    assert (prediction.status, prediction.outcome, prediction.hidden) == ("open", None, False)
    assert (prediction.vote_score, prediction.votes_up, prediction.comment_count) == (0, 0, 0)
    assert prediction.forecast_count == 1
    assert prediction.crowd_median == pytest.approx(0.35)
    assert prediction.created_at.year == clock.now().year


def test_anonymous_reader_is_asked_to_log_in_and_comes_back_to_the_form(client, article):
    page = client.get(ARTICLE_PATH).get_data(as_text=True)
    assert 'data-share-form' not in page
    assert 'href="/login?next=/articles/test-article%23share"' in page
    response = client.post(POST_PATH, data=valid_form())
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login?next=")
    assert stored_state() == (0, 0, 0)


def test_the_front_page_login_prompt_returns_to_the_form(client, article):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/login?next=/%23share"' in page


def test_suspended_member_cannot_post(auth, client, article):
    make_user("sam", suspended=True)
    auth.login("sam")
    response = client.post(POST_PATH, data=valid_form())
    assert response.status_code == 403
    assert stored_state() == (0, 0, 0)


def test_posting_on_an_unknown_article_is_404(client, member):
    assert client.post("/articles/no-such-article/predictions", data=valid_form()).status_code \
        == 404
    assert client.get("/articles/no-such-article/predictions/new").status_code == 404


LONG = "x" * 5001
BAD_FIELDS = [
    ("title", "", "This is required."),
    ("title", "   ", "This is required."),
    ("title", "Too short", "Use 10–200 characters (you have 9)."),
    ("title", "y" * 201, "Use 10–200 characters (you have 201)."),
    ("title", "A claim with a NUL \x00 in it", "control characters"),
    ("title", None, "This is required."),
    ("probability", "", "Choose your probability: a number from 1 to 99 (%)."),
    ("probability", "abc", "Give a number from 1 to 99 (%)."),
    ("probability", "nan", "Give a number from 1 to 99 (%)."),
    ("probability", "inf", "Give a number from 1 to 99 (%)."),
    ("probability", "0", "Probabilities run from 1 % to 99 %"),
    ("probability", "0.5", "Probabilities run from 1 % to 99 %"),
    ("probability", "100", "Probabilities run from 1 % to 99 %"),
    ("probability", "-20", "Probabilities run from 1 % to 99 %"),
    ("probability", "1e400", "Give a number from 1 to 99 (%)."),
    ("probability", "9" * 5000, "Give a number from 1 to 99 (%)."),
    ("resolution_date", "", "Give a date as YYYY-MM-DD."),
    ("resolution_date", "tomorrow", "Give a date as YYYY-MM-DD."),
    ("resolution_date", "2027-02-30", "Give a date as YYYY-MM-DD."),
    ("resolution_date", "30/06/2027", "Give a date as YYYY-MM-DD."),
    ("resolution_date", "2" * 3000, "Give a date as YYYY-MM-DD."),
    ("criteria", "", "This is required."),
    ("criteria", "short", "Use 10–5000 characters (you have 5)."),
    ("criteria", LONG, "Use 10–5000 characters (you have 5001)."),
    ("quote", "A passage that is nowhere in the article", "That passage isn't in the article"),
    ("quote", "q" * 1001, "Quote at most 1000 characters"),
    ("quote", "ab", "Quote at least 3 characters"),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD_FIELDS)
def test_each_bad_field_gets_a_clear_error_beside_it_and_nothing_is_stored(
        client, member, name, value, message):
    data = valid_form(**{name: value})
    response = client.post(POST_PATH, data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in (field_error(page, name) or "")
    summary = error_summary(page)
    assert summary.startswith("There is a problem")
    assert f'href="#{name}"' in page.split('class="error-summary"')[1].split("</div>")[0]
    assert stored_state() == (0, 0, 0)
    # The form keeps what was typed in the other fields.
    assert input_value(page, "title") == (data.get("title") or "").replace("\x00", "\ufffd") \
        or name == "title"
    assert textarea_value(page, "criteria").strip() == data["criteria"] or name == "criteria"


@pytest.mark.parametrize("days", [0, -1, -400])
def test_the_resolution_date_must_be_after_today(client, member, days):
    when = (clock.today() + timedelta(days=days)).isoformat()
    response = client.post(POST_PATH, data=valid_form(resolution_date=when))
    assert response.status_code == 422
    assert "Choose a date after today" in field_error(response.get_data(as_text=True),
                                                      "resolution_date")
    assert stored_state() == (0, 0, 0)


def test_the_resolution_date_is_at_most_ten_years_ahead(client, member):
    today = clock.today()
    too_far = today.replace(year=today.year + 10) + timedelta(days=1)
    response = client.post(POST_PATH, data=valid_form(resolution_date=too_far.isoformat()))
    assert "at most ten years ahead" in field_error(response.get_data(as_text=True),
                                                    "resolution_date")
    ok = today.replace(year=today.year + 10) if not (today.month == 2 and today.day == 29) \
        else today.replace(year=today.year + 10, day=28)
    assert client.post(POST_PATH, data=valid_form(resolution_date=ok.isoformat())) \
        .status_code == 303


def test_every_error_shows_at_once_and_the_typed_text_is_kept(client, member):
    response = client.post(POST_PATH, data={"title": "<b>x</b>", "probability": "150",
                                            "resolution_date": "nope", "criteria": "",
                                            "quote": "not in there at all"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for name in ("title", "probability", "resolution_date", "criteria", "quote"):
        assert field_error(page, name), name
    assert input_value(page, "title") == "<b>x</b>"
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    assert input_value(page, "probability") == "150"
    assert textarea_value(page, "quote").strip() == "not in there at all"
    assert 'aria-invalid="true"' in page


def test_a_body_over_the_size_limit_is_413_not_500(client, member):
    response = client.post(POST_PATH, data=valid_form(criteria="z" * (1024 * 1024 + 10)))
    assert response.status_code == 413
    assert stored_state() == (0, 0, 0)


# Editing -----------------------------------------------------------------------------------

@pytest.fixture
def own_prediction(member, article):
    return make_prediction(article, member, title="Kim visits Moscow again in 2027")


def test_author_edits_while_nobody_else_forecast_and_the_revision_is_shown(
        client, own_prediction):
    path = f"/predictions/{own_prediction.id}"
    form = client.get(f"{path}/edit")
    assert form.status_code == 200
    assert input_value(form.get_data(as_text=True), "title") == "Kim visits Moscow again in 2027"
    new_date = (clock.today() + timedelta(days=300)).isoformat()
    response = client.post(f"{path}/edit", data={
        "title": "Kim visits Moscow again before 2028", "resolution_date": new_date,
        "criteria": "Resolves yes on a state media report of the visit.",
        "author_probability": "0.99", "status": "resolved"})
    assert response.status_code == 303
    db.session.expire_all()
    prediction = db.session.get(Prediction, own_prediction.id)
    assert prediction.title == "Kim visits Moscow again before 2028"
    assert prediction.resolution_date.isoformat() == new_date
    assert (prediction.author_probability, prediction.status) == (pytest.approx(0.35), "open")
    revision = db.session.scalar(select(PredictionRevision))
    assert revision.title == "Kim visits Moscow again in 2027"

    page = client.get(path).get_data(as_text=True)
    assert "Kim visits Moscow again before 2028" in page
    assert 'id="revisions"' in page and "Kim visits Moscow again in 2027" in page
    assert "edited 1 time" in page


def test_editing_is_blocked_once_someone_else_forecast(client, own_prediction):
    make_forecast(own_prediction, make_user("bob"), 0.6)
    path = f"/predictions/{own_prediction.id}"
    page = client.get(path).get_data(as_text=True)
    assert f"{path}/edit" not in page
    assert client.get(f"{path}/edit").status_code == 409
    response = client.post(f"{path}/edit", data={
        "title": "A sneaky change of the claim", "criteria": "Different criteria now.",
        "resolution_date": (clock.today() + timedelta(days=20)).isoformat()})
    assert response.status_code == 409
    assert "can't be edited" in html.unescape(response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(Prediction, own_prediction.id).title == "Kim visits Moscow again in 2027"
    assert db.session.scalar(select(func.count()).select_from(PredictionRevision)) == 0


def test_the_author_forecasting_again_does_not_block_editing(client, own_prediction, member):
    make_forecast(own_prediction, member, 0.5)
    assert client.get(f"/predictions/{own_prediction.id}/edit").status_code == 200


def test_only_the_author_may_edit(auth, client, article):
    prediction = make_prediction(article, make_user("bob"))
    make_user("alice")
    auth.login()
    assert client.get(f"/predictions/{prediction.id}/edit").status_code == 403
    assert client.post(f"/predictions/{prediction.id}/edit", data={"title": "x" * 20}) \
        .status_code == 403


def test_an_anonymous_edit_goes_to_the_login_page(client, article):
    prediction = make_prediction(article, make_user("bob"))
    response = client.get(f"/predictions/{prediction.id}/edit")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(("name", "value", "message"), [
    ("title", "", "This is required."),
    ("title", "w" * 201, "Use 10–200 characters"),
    ("criteria", "tiny", "Use 10–5000 characters"),
    ("resolution_date", "yesterday", "Give a date as YYYY-MM-DD."),
    ("resolution_date", "1999-01-01", "Choose a date after today"),
])
def test_a_bad_edit_is_422_beside_the_field_and_changes_nothing(
        client, own_prediction, name, value, message):
    data = {"title": "Kim visits Moscow again before 2029",
            "criteria": "Resolves yes on a state media report.",
            "resolution_date": (clock.today() + timedelta(days=50)).isoformat(), name: value}
    response = client.post(f"/predictions/{own_prediction.id}/edit", data=data)
    assert response.status_code == 422
    assert message in field_error(response.get_data(as_text=True), name)
    db.session.expire_all()
    assert db.session.get(Prediction, own_prediction.id).title == "Kim visits Moscow again in 2027"
    assert db.session.scalar(select(func.count()).select_from(PredictionRevision)) == 0


def test_an_unchanged_edit_makes_no_revision(client, own_prediction):
    data = {"title": own_prediction.title, "criteria": own_prediction.criteria,
            "resolution_date": own_prediction.resolution_date.isoformat()}
    assert client.post(f"/predictions/{own_prediction.id}/edit", data=data).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(PredictionRevision)) == 0


@pytest.mark.parametrize("path", ["/predictions/999999/edit", "/predictions/99999999999/edit",
                                  "/predictions/abc/edit", "/predictions/-1/edit"])
def test_unknown_predictions_are_404(client, member, path):
    assert client.get(path).status_code == 404
    assert client.post(path, data={}).status_code == 404
