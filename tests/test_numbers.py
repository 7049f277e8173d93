"""The numbers a reader sees (issue 13): the crowd median as the headline with the author's
current forecast and yours beside it; a resolved chart that draws only what counts; the spread
of standing forecasts; forecasters' positions and reasons in the discussion; fixed-scale
sparklines and date ticks; early resolutions explained; hot puts open predictions first."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from forum import clock
from forum.charts import sparkline, time_ticks
from forum.extensions import db
from forum.models import Forecast
from forum.templating import duration, number, precise_percent
from tests.factories import (
    DEFAULT_PASSWORD,
    make_comment,
    make_forecast,
    make_prediction,
    make_user,
)
from tests.moderation_support import closed_prediction, resolve

BOARD = "/articles/test-article/predictions"
LOGIN = {"password": DEFAULT_PASSWORD}


def log_in(client, username):
    client.post("/login", data={"username": username, **LOGIN})


def headline(page: str) -> str:
    return re.search(r'<span class="big-number" data-crowd-median>([^<]*)</span>', page).group(1)


def api_median(client, prediction_id) -> float | None:
    return client.get(f"/api/v1/predictions/{prediction_id}").get_json()["crowd"]["median"]


def percent_text(value: float) -> str:
    from forum.templating import percent
    return percent(value)


def row_of(page: str, prediction_id: int) -> str:
    return page.split(f'id="prediction-{prediction_id}"')[1].split("</li>", maxsplit=1)[0]


# 1. The headline ------------------------------------------------------------------------------

def test_after_the_author_updates_no_page_shows_the_first_figure_as_their_forecast(
        client, article, alice):
    prediction = make_prediction(article, alice, probability=0.15)
    bob, carol = make_user("bob"), make_user("carol")
    make_forecast(prediction, bob, 0.6)
    make_forecast(prediction, carol, 0.7)
    make_forecast(prediction, alice, 0.22)  # the author updates 15 % → 22 %
    api = client.get(f"/api/v1/predictions/{prediction.id}").get_json()
    assert api["author_probability"] == 0.15  # the API's first forecast stays
    assert api["crowd"]["median"] == pytest.approx(0.6)
    for path in ("/", BOARD, f"/predictions/{prediction.id}"):
        page = client.get(path).text
        area = row_of(page, prediction.id) if path != f"/predictions/{prediction.id}" else \
            page.split('<div class="prediction-figures">')[1].split("</div>")[0]
        assert headline(area) == "60 %", path  # the crowd median is the big number
        assert "alice (author) <strong>22 %</strong>" in area, path
        assert "15 %" not in area, path
    page = client.get(f"/predictions/{prediction.id}").text
    chart = page.split('<svg class="chart crowd-chart"')[1].split("</svg>")[0]
    assert "alice&#39;s first forecast: 15 %" in chart  # the chart still marks the first one


def test_your_own_standing_forecast_sits_beside_the_authors(client, article, alice):
    prediction = make_prediction(article, alice, probability=0.3)
    bob = make_user("bob")
    make_forecast(prediction, bob, 0.4)
    make_forecast(prediction, bob, 0.45)
    log_in(client, "bob")
    for path in (BOARD, f"/predictions/{prediction.id}"):
        page = client.get(path).text
        assert "alice (author) <strong>30 %</strong>" in page
        assert '<span class="figure-other" data-my-standing>you <strong>45 %</strong>' in page
        assert headline(page) == percent_text(api_median(client, prediction.id))
    client.post("/logout")
    log_in(client, "alice")  # the author sees one figure for themselves, not two
    page = client.get(BOARD).text
    assert "you (author) <strong>30 %</strong>" in page and "data-my-standing" not in page


def test_a_prediction_nobody_else_forecast_has_the_authors_figure_as_the_crowd(client, article,
                                                                                alice):
    prediction = make_prediction(article, alice, probability=0.35)
    page = client.get(BOARD).text
    assert headline(row_of(page, prediction.id)) == "35 %"
    assert "crowd · 1 forecaster<" in row_of(page, prediction.id)


# 2. A resolved chart --------------------------------------------------------------------------

def resolved_with_late_forecasts(article, alice):
    """Forecasts before the outcome time, then two after it, then the moderator resolves."""
    now = clock.now()
    prediction = make_prediction(article, alice, probability=0.4,
                                 created_at=now - timedelta(days=10))
    bob, carol, dave = make_user("bob"), make_user("carol"), make_user("dave")
    make_forecast(prediction, bob, 0.5, created_at=now - timedelta(days=8))
    make_forecast(prediction, carol, 0.6, created_at=now - timedelta(days=6))
    make_forecast(prediction, dave, 0.95, created_at=now - timedelta(days=2))  # late
    make_forecast(prediction, bob, 0.97, created_at=now - timedelta(days=1))  # late
    resolve(prediction, make_user("mod", role="moderator"),
            outcome_time=now - timedelta(days=3))
    return prediction


def test_a_resolved_chart_ends_where_the_header_does_and_shows_later_forecasts_apart(
        client, article, alice):
    prediction = resolved_with_late_forecasts(article, alice)
    page = client.get(f"/predictions/{prediction.id}").text
    median = api_median(client, prediction.id)
    assert median == pytest.approx(0.5)  # alice 40, bob 50, carol 60: what counted
    assert headline(page) == "50 %"
    svg = page.split('<svg class="chart crowd-chart"')[1].split("</svg>")[0]
    path = svg.split('class="chart-line" d="')[1].split('"')[0]
    last_y = float(re.findall(r"V([\d.]+)", path)[-1])
    assert last_y == pytest.approx(16 + (1 - median) * 204, abs=0.05)  # the line's last step
    assert max(float(y) for y in re.findall(r"V([\d.]+)", path)) <= 16 + 0.6 * 204 + 0.05
    assert svg.count('class="chart-late"') == 2 and "not scored" in svg
    newest_row = page.split("Crowd median after each change")[1].split("<td>")[2]
    assert newest_row.startswith("50 %")  # the chart's data table ends at the header figure
    late = page.split('id="not-scored"')[1].split("</details>")[0]
    assert "2 forecasts after the outcome was known: not scored" in late
    assert "dave <strong>95 %</strong>" in late and "bob <strong>97 %</strong>" in late
    assert page.count(">not scored</span>") == 2  # marked in the forecast log too
    # Where everyone stands counts the same forecasts as the header: bob at 50 %, not 97 %.
    assert "3 standing forecasts, from 40 % to 60 %; median 50 %" in page


def test_the_board_row_of_a_resolved_prediction_agrees_with_its_header(client, article, alice):
    prediction = resolved_with_late_forecasts(article, alice)
    row = row_of(client.get(f"{BOARD}?status=resolved").text, prediction.id)
    assert headline(row) == "50 %" and "crowd · 3 forecasters" in row
    spark = row.split('<svg class="sparkline"')[1].split("</svg>")[0]
    last_y = float(re.findall(r"V([\d.]+)", spark.split("<path")[1])[-1])
    assert last_y == pytest.approx(2 + (1 - 0.5) * 20, abs=0.05)


# 3. The spread and the log --------------------------------------------------------------------

def test_the_spread_of_standing_forecasts_is_drawn_and_told_in_words(client, article, alice):
    prediction = make_prediction(article, alice, probability=0.35)
    for name, values in (("bob", (0.5, 0.05)), ("carol", (0.12,)), ("dave", (0.15,)),
                         ("erin", (0.95,))):
        user = make_user(name)
        for value in values:
            make_forecast(prediction, user, value)
    page = client.get(f"/predictions/{prediction.id}").text
    card = page.split('id="forecasts"')[1].split("</section>")[0]
    assert 'Where forecasters stand <span class="count">5</span>' in card
    svg = card.split('<svg class="chart distribution-chart"')[1].split("</svg>")[0]
    assert 'role="img"' in svg and "<desc" in svg
    assert svg.count('class="chart-bar"') == 4  # bob's superseded 50 % is not in it
    counts = re.findall(r"<tr><td>(\d+)–(\d+) %</td><td class=\"num\">(\d+)</td></tr>", card)
    assert {int(low): int(count) for low, _, count in counts} == {
        0: 1, 10: 2, 20: 0, 30: 1, 40: 0, 50: 0, 60: 0, 70: 0, 80: 0, 90: 1}
    assert ("5 standing forecasts, from 5 % to 95 %; median 15 %, the middle half from "
            "8.5 % to 65 %.") in card
    assert headline(page) == "15 %" == percent_text(api_median(client, prediction.id))


def test_a_prediction_without_forecasts_other_than_the_authors_has_a_one_bar_spread(
        client, article, alice):
    prediction = make_prediction(article, alice, probability=0.35)
    page = client.get(f"/predictions/{prediction.id}").text
    assert "One standing forecast: 35 %." in page


# 4. Positions and reasons in the discussion ---------------------------------------------------

def test_each_commenter_shows_their_standing_forecast(client, article, alice):
    prediction = make_prediction(article, alice, probability=0.3)
    bob, carol = make_user("bob"), make_user("carol")
    make_forecast(prediction, bob, 0.3)
    bobs = make_comment(prediction, bob, "Reuters says so.")
    carols = make_comment(prediction, carol, "No forecast from me.")
    make_forecast(prediction, bob, 0.45)
    page = client.get(f"/predictions/{prediction.id}").text
    meta = page.split(f'id="comment-{bobs.id}"')[1].split("</p>")[0]
    assert "forecasts <strong>45 %</strong>" in meta  # the standing one, not the one then
    assert "forecasts <strong>" not in page.split(f'id="comment-{carols.id}"')[1].split("</p>")[0]


def test_a_forecast_carries_an_optional_reason_into_the_discussion(client, article, alice):
    prediction = make_prediction(article, alice)
    make_user("bob")
    log_in(client, "bob")
    response = client.post(f"/predictions/{prediction.id}/forecasts",
                           data={"probability": "40", "reason": "  Satellite   images show\n"
                                 "new tunnelling. "})
    assert response.status_code == 303
    page = client.get(f"/predictions/{prediction.id}").text
    discussion = page.split('id="comments"')[1]
    assert 'Reasons given with forecasts <span class="count">1</span>' in discussion
    assert "Satellite images show new tunnelling." in discussion
    assert "forecast <strong>40 %</strong>" in discussion
    client.post(f"/predictions/{prediction.id}/forecasts", data={"probability": "45"})
    discussion = client.get(f"/predictions/{prediction.id}").text.split('id="comments"')[1]
    assert "badge-superseded" in discussion.split("Satellite images")[0].split('class="reason"')[1]
    items = client.get(f"/api/v1/predictions/{prediction.id}/forecasts").get_json()["items"]
    assert items[1]["reason"] == "Satellite images show new tunnelling."
    assert set(items[2]) == {"id", "username", "probability", "created_at"}  # none given


@pytest.mark.parametrize(("reason", "message"), [
    ("x" * 281, "Keep the reason to 280 characters (you have 281)."),
    ("Because \u202eof this", "Remove the bidirectional override"),
    ("Because\x00", "Remove the control characters"),
])
def test_a_bad_reason_is_refused_with_the_form_kept_and_nothing_stored(client, article, alice,
                                                                      reason, message):
    prediction = make_prediction(article, alice)
    make_user("bob")
    log_in(client, "bob")
    response = client.post(f"/predictions/{prediction.id}/forecasts",
                           data={"probability": "40", "reason": reason})
    assert response.status_code == 422
    assert message in response.text
    assert 'id="reason-error"' in response.text and 'value="40"' in response.text
    assert db.session.scalar(select(func.count()).select_from(Forecast)) == 1  # the author's


def test_the_api_takes_an_optional_reason(client, article, alice):
    from tests.api_support import bearer

    prediction = make_prediction(article, alice)
    headers = bearer(make_user("bob"))
    url = f"/api/v1/predictions/{prediction.id}/forecasts"
    made = client.post(url, json={"probability": 0.4, "reason": "Markets moved."},
                       headers=headers)
    assert made.status_code == 201 and made.get_json()["reason"] == "Markets moved."
    plain = client.post(url, json={"probability": 0.42, "reason": None}, headers=headers)
    assert plain.status_code == 201 and "reason" not in plain.get_json()
    for bad in (12, "x" * 281, "bad\u202e"):
        refused = client.post(url, json={"probability": 0.5, "reason": bad}, headers=headers)
        assert refused.status_code == 422
        assert set(refused.get_json()["error"]["fields"]) == {"reason"}
    assert db.session.scalar(select(func.count()).select_from(Forecast)) == 3


# 5. Charts: fixed-scale sparklines and date ticks ---------------------------------------------

def test_board_sparklines_share_one_fixed_scale(client, article, alice):
    high = make_prediction(article, alice, title="High crowd prediction here", probability=0.8)
    low = make_prediction(article, alice, title="Low crowd prediction here", probability=0.3)
    make_forecast(high, make_user("bob"), 0.86)  # crowd 83 %
    make_forecast(low, make_user("carol"), 0.24)  # crowd 27 %
    page = client.get(BOARD).text

    def last_y(prediction):
        spark = row_of(page, prediction.id).split('<svg class="sparkline"')[1].split("</svg>")[0]
        return float(re.findall(r"V([\d.]+)", spark.split("<path")[1])[-1])

    assert last_y(high) == pytest.approx(2 + 0.17 * 20, abs=0.05)
    assert last_y(low) == pytest.approx(2 + 0.73 * 20, abs=0.05)


def test_a_sparkline_is_framed_from_0_to_100_percent():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    line = str(sparkline([(start, 0.5), (start + timedelta(days=1), 0.52)], start=start,
                         end=start + timedelta(days=2)))
    assert '<rect class="sparkline-frame" x="0" y="2" width="96" height="20"' in line
    assert "V11.6" in line  # 52 % sits near the middle, not stretched to the top


@pytest.mark.parametrize(("span", "labels"), [
    (timedelta(hours=5), ["10:00", "12:00", "14:00"]),
    (timedelta(days=4), ["1 Dec", "2 Dec", "3 Dec", "4 Dec"]),
    (timedelta(days=92), ["Dec 2026", "Jan 2027", "Feb 2027", "Mar 2027"]),
    (timedelta(days=400), ["Jan 2027", "Jul 2027", "Jan 2028"]),
    (timedelta(days=3000), ["2028", "2030", "2032", "2034"]),
])
def test_date_ticks_step_evenly_in_readable_units(span, labels):
    start = datetime(2026, 11, 30, 9, 4, tzinfo=UTC)
    ticks = time_ticks(start, start + span)
    assert [label for _, label in ticks] == labels
    assert all(start <= moment <= start + span for moment, _ in ticks)


def test_the_prediction_chart_has_date_ticks(client, article, alice):
    prediction = make_prediction(article, alice, created_at=clock.now() - timedelta(days=60))
    make_forecast(prediction, make_user("bob"), 0.6,
                  created_at=clock.now() - timedelta(days=30))
    svg = client.get(f"/predictions/{prediction.id}").text.split(
        '<svg class="chart crowd-chart"')[1].split("</svg>")[0]
    assert 2 <= svg.count('class="chart-label chart-tick"') <= 4


# 6. Early resolution explained ----------------------------------------------------------------

def test_an_early_resolution_says_how_little_it_weighs(client, article, alice):
    now = clock.now()
    prediction = make_prediction(article, alice, probability=0.3, days_ahead=92,
                                 created_at=now - timedelta(minutes=5))
    make_forecast(prediction, make_user("bob"), 0.6, created_at=now - timedelta(minutes=2))
    resolve(prediction, make_user("mod", role="moderator"))
    db.session.refresh(prediction)
    planned = datetime.combine(prediction.resolution_date + timedelta(days=1),
                               datetime.min.time(), tzinfo=UTC) - prediction.created_at
    lasted = prediction.outcome_time - prediction.created_at
    weight = lasted / planned
    assert 0.00003 < weight < 0.00004
    expected = (f"It resolved after 5 minutes of its planned {duration(planned.total_seconds())},"
                f"\n    so it weighs <strong>{precise_percent(weight)}</strong> in relative scores")
    assert duration(planned.total_seconds()) == "3 months"
    assert precise_percent(weight) in ("0.0037 %", "0.0038 %")
    log_in(client, "alice")
    page = client.get(f"/predictions/{prediction.id}").text
    assert expected in page
    mine = page.split('class="score-mine"')[1].split("</p>")[0]
    assert "0 %" not in mine and f"over the {precise_percent(weight)} of" in mine


def test_a_resolution_at_the_planned_close_needs_no_explanation(client, article, alice):
    prediction = closed_prediction(article, alice, probability=0.3)
    resolve(prediction, make_user("mod", role="moderator"))
    page = client.get(f"/predictions/{prediction.id}").text
    assert 'id="scores"' in page and "data-weight" not in page


def test_precise_percent_never_rounds_a_small_share_away():
    assert precise_percent(0.0000377) == "0.0038 %"
    assert precise_percent(0.000116) == "0.012 %"
    assert precise_percent(0.0525) == "5.25 %"
    assert precise_percent(0.5) == "50 %" and precise_percent(0) == "0 %"


# 14. Hot puts open predictions first ----------------------------------------------------------

def test_hot_ranks_open_predictions_above_resolved_ones_and_by_rank_within_each(
        client, article, alice):
    busy_resolved = make_prediction(article, alice, title="A busy resolved prediction")
    quiet_open = make_prediction(article, alice, title="A quiet open prediction")
    busy_open = make_prediction(article, alice, title="A busy open prediction")
    closed = closed_prediction(article, alice, title="An awaiting prediction")
    for index in range(6):
        voter = make_user(f"voter{index}")
        make_forecast(busy_resolved, voter, 0.5)
        if index < 3:
            make_forecast(busy_open, voter, 0.5)
    resolve(busy_resolved, make_user("mod", role="moderator"))
    db.session.expire_all()
    assert busy_resolved.hot_rank > busy_open.hot_rank  # the stored rank alone would lead
    expected = [busy_open.id, quiet_open.id, closed.id, busy_resolved.id]
    page = client.get(f"{BOARD}?sort=hot").text
    shown = [int(found) for found in re.findall(r'<li class="prediction-row[^"]*" '
                                                r'id="prediction-(\d+)"', page)]
    assert shown == expected
    items = client.get("/api/v1/articles/test-article/predictions").get_json()["items"]
    assert [item["id"] for item in items] == expected


# Counts ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "text"), [(0, "0"), (7, "7"), (999, "999"), (1000, "1,000"),
                                             (6427, "6,427"), (1_000_000, "1,000,000")])
def test_counts_group_their_thousands(value, text):
    assert number(value) == text


def test_large_counts_read_with_grouped_thousands_on_the_pages(client, article, alice):
    """The counters a page shows (here the article's, the board's and a row's) are grouped,
    so a busy board reads "6,427 predictions", not "6427"."""
    from forum.models import Article, Prediction

    prediction = make_prediction(article, alice, title="Kim and Trump will meet")
    db.session.execute(update(Article).where(Article.id == article.id)
                       .values(prediction_count=6427))
    db.session.execute(update(Prediction).where(Prediction.id == prediction.id)
                       .values(comment_count=1250))
    db.session.commit()
    assert "6,427 predictions" in client.get(f"/articles/{article.slug}").text
    board = client.get(BOARD).text
    assert "1,250 comments" in row_of(board, prediction.id)
    assert "1 prediction" in client.get(BOARD, query_string={"q": "kim trump"}).text
