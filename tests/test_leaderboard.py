"""The leaderboard: order and tie-breaks exactly as forum.scoring.aggregate, periods at their
boundaries, the per-article filter, paging, bad parameters, the page itself."""

import random
import re
from datetime import timedelta

import pytest

from forum import clock
from forum.extensions import db
from forum.models import Score
from forum.scoring import aggregate
from tests.api_support import Api
from tests.factories import make_article, make_prediction
from tests.test_scores import (  # noqa: F401  (fast_passwords is an autouse fixture)
    close_of,
    example_history,
    fast_passwords,
    resolve,
    users,
)

SECOND_ARTICLE = """---
title: "Another Article"
slug: another-article
prompt: "What next?"
---

Something else entirely, about the economy.
"""


def pool(article, size: int):
    """`size` predictions to hang score rows on (a user has one score per prediction)."""
    author, = users("poster")
    return [make_prediction(article, author, title=f"Prediction number {index} on the board")
            for index in range(size)]


def add_score(user, prediction, *, brier=0.2, relative=0.0, resolved_at=None, final=0.5,
              outcome=True):
    """A score row written directly, for tests of how the leaderboard reads them."""
    db.session.add(Score(
        user_id=user.id, prediction_id=prediction.id, article_id=prediction.article_id,
        outcome=outcome, brier=brier, crowd_brier=brier - relative, coverage=1.0,
        relative_brier=relative, final_probability=final,
        resolved_at=resolved_at or clock.now() - timedelta(days=1),
    ))


def leaderboard(client, query: str = "", status: int = 200) -> dict:
    response = Api(client).get(f"/leaderboard{query}")
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def names(body: dict) -> list[str]:
    return [item["username"] for item in body["items"]]


@pytest.fixture
def freeze(monkeypatch):
    """Stop the clock at an instant (microseconds included)."""
    def stop(moment):
        monkeypatch.setattr(clock, "now", lambda: moment)
        return moment
    return stop


# Order and tie-breaks

def test_worked_example_ranks_alice_carol_bob(client, article):
    prediction = example_history(article)
    resolve(prediction, "yes", outcome_time=close_of(prediction))
    body = leaderboard(client)
    assert body["period"] == "all" and body["total"] == 3
    assert [(i["rank"], i["username"], i["predictions"]) for i in body["items"]] == [
        (1, "alice", 1), (2, "carol", 1), (3, "bob", 1)]
    alice = body["items"][0]
    assert alice["mean_brier"] == pytest.approx(0.085, abs=1e-12)
    assert alice["relative_brier"] == pytest.approx(-0.16575, abs=1e-12)


def test_corrected_to_no_ranks_bob_carol_alice(client, article):
    prediction = example_history(article)
    resolve(prediction, "yes", outcome_time=close_of(prediction))
    resolve(prediction, "no", correction=True)
    assert names(leaderboard(client)) == ["bob", "carol", "alice"]


def test_ties_break_by_mean_brier_then_username(client, article):
    predictions = pool(article, 2)
    zed, amy, Bea, bob = users("zed", "amy", "Bea", "bob")
    add_score(zed, predictions[0], brier=0.1, relative=-0.1)  # best relative
    add_score(bob, predictions[0], brier=0.3, relative=0.0)  # tie on relative, worse mean
    add_score(amy, predictions[0], brier=0.2, relative=0.0)
    add_score(Bea, predictions[0], brier=0.2, relative=0.0)  # tie with amy: by name, casefolded
    db.session.commit()
    body = leaderboard(client)
    assert names(body) == ["zed", "amy", "Bea", "bob"]
    assert [item["rank"] for item in body["items"]] == [1, 2, 3, 4]


@pytest.mark.parametrize("seed", range(4))
def test_order_equals_scoring_aggregate_on_random_scores(client, article, seed):
    # Names whose byte order differs from a locale's ('-' < digits < '_' < letters once
    # casefolded), and values on a binary grid so that sums and means are exact.
    rng = random.Random(seed)
    people = users("al-ice", "al_ice", "Al0ice", "alice", "ALICEB", "b9x", "B_8", "zz-top",
                   "Zed", "_under")
    predictions = pool(article, 4)
    grid_brier = [0.0, 0.125, 0.25, 0.5, 0.75]
    grid_relative = [-0.25, -0.125, 0.0, 0.125, 0.25]
    rows = []
    for user in people:
        for prediction in rng.sample(predictions, rng.randint(0, 4)):
            brier, relative = rng.choice(grid_brier), rng.choice(grid_relative)
            add_score(user, prediction, brier=brier, relative=relative)
            rows.append((user.id, user.username, brier, relative))
    db.session.commit()
    expected = aggregate(rows)
    body = leaderboard(client, "?per_page=100")
    assert [(i["username"], i["predictions"], i["mean_brier"], i["relative_brier"])
            for i in body["items"]] == [
        (s.username, s.predictions, s.mean_brier, s.relative_brier) for s in expected]
    assert [i["rank"] for i in body["items"]] == list(range(1, len(expected) + 1))


def test_users_without_scores_are_not_listed(client, article):
    predictions = pool(article, 1)
    scored, _idle = users("scored", "idle")
    add_score(scored, predictions[0])
    db.session.commit()
    assert names(leaderboard(client)) == ["scored"]


# Periods

def test_month_counts_a_score_resolved_exactly_30_days_ago_but_not_one_second_earlier(
        client, article, freeze):
    now = freeze(clock.now().replace(microsecond=123456))
    predictions = pool(article, 1)
    inside, outside = users("inside", "outside")
    add_score(inside, predictions[0], resolved_at=now - timedelta(days=30))
    add_score(outside, predictions[0], resolved_at=now - timedelta(days=30, seconds=1))
    db.session.commit()
    assert names(leaderboard(client, "?period=month")) == ["inside"]
    assert sorted(names(leaderboard(client, "?period=quarter"))) == ["inside", "outside"]


@pytest.mark.parametrize("period,days", [("quarter", 90), ("year", 365)])
def test_quarter_and_year_boundaries_are_inclusive(client, article, freeze, period, days):
    now = freeze(clock.now())
    predictions = pool(article, 1)
    inside, outside = users("inside", "outside")
    add_score(inside, predictions[0], resolved_at=now - timedelta(days=days))
    add_score(outside, predictions[0], resolved_at=now - timedelta(days=days, microseconds=1))
    db.session.commit()
    assert names(leaderboard(client, f"?period={period}")) == ["inside"]
    assert sorted(names(leaderboard(client, "?period=all"))) == ["inside", "outside"]


def test_period_follows_the_latest_resolution_not_the_first(client, article):
    prediction = example_history(article)
    resolve(prediction, "yes", outcome_time=close_of(prediction),
            at=clock.now() - timedelta(days=40))
    assert leaderboard(client, "?period=month")["total"] == 0
    resolve(prediction, "no", correction=True)  # corrected today
    assert names(leaderboard(client, "?period=month")) == ["bob", "carol", "alice"]


def test_period_sums_only_the_scores_inside_it(client, article):
    predictions = pool(article, 2)
    amy, = users("amy")
    add_score(amy, predictions[0], brier=0.5, relative=0.25,
              resolved_at=clock.now() - timedelta(days=100))
    add_score(amy, predictions[1], brier=0.25, relative=-0.125)
    db.session.commit()
    item = leaderboard(client, "?period=quarter")["items"][0]
    assert (item["predictions"], item["mean_brier"], item["relative_brier"]) == (1, 0.25, -0.125)
    item = leaderboard(client)["items"][0]
    assert (item["predictions"], item["mean_brier"], item["relative_brier"]) == (2, 0.375, 0.125)


# One article

def test_article_filter_counts_only_that_articles_scores(client, article):
    other = make_article(SECOND_ARTICLE)
    here, there = pool(article, 1)[0], pool(other, 1)[0]
    amy, bob = users("amy", "bob")
    add_score(amy, here, relative=-0.25)
    add_score(bob, there, relative=-0.5)
    add_score(amy, there, relative=0.25)
    db.session.commit()
    assert names(leaderboard(client, "?article=test-article")) == ["amy"]
    body = leaderboard(client, "?article=another-article")
    assert names(body) == ["bob", "amy"]
    assert body["items"][1]["relative_brier"] == 0.25
    assert names(leaderboard(client)) == ["bob", "amy"]  # amy: -0.25 + 0.25 = 0


@pytest.mark.parametrize("slug", ["no-such-article", "Test-Article", "test%0Aarticle",
                                  "%F0%9F%98%80"])
def test_unknown_article_is_404(client, article, slug):
    response = Api(client).get(f"/leaderboard?article={slug}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert client.get(f"/leaderboard?article={slug}").status_code == 404


# Paging and bad parameters

def test_paging(client, article):
    predictions = pool(article, 1)
    people = users(*(f"user{index}" for index in range(7)))
    for index, user in enumerate(people):
        add_score(user, predictions[0], relative=index / 8)
    db.session.commit()
    first = leaderboard(client, "?per_page=3")
    assert (first["page"], first["per_page"], first["total"]) == (1, 3, 7)
    assert names(first) == ["user0", "user1", "user2"]
    last = leaderboard(client, "?per_page=3&page=3")
    assert [(i["rank"], i["username"]) for i in last["items"]] == [(7, "user6")]
    assert leaderboard(client, "?per_page=3&page=4")["items"] == []
    assert leaderboard(client)["per_page"] == 50
    assert leaderboard(client, "?per_page=100")["per_page"] == 100


@pytest.mark.parametrize("query,field", [
    ("?period=week", "period"), ("?period=", "period"), ("?period=ALL", "period"),
    ("?per_page=0", "per_page"), ("?per_page=101", "per_page"), ("?per_page=ten", "per_page"),
    ("?per_page=-5", "per_page"), ("?page=0", "page"), ("?page=1.5", "page"),
    ("?page=99999999999999999999", "page"), ("?article=" + "x" * 200, "article"),
    ("?article=test%00article", "article"),  # refused before any view runs
])
def test_bad_parameters_are_422_naming_the_field(client, article, query, field):
    body = leaderboard(client, query, status=422)
    assert body["error"]["code"] == "validation_error"
    assert field in body["error"]["fields"]
    if field == "period":
        return  # the page falls back to the default period (test_an_unknown_period_...)
    page = client.get("/leaderboard" + query)
    assert page.status_code == 422
    assert field in page.get_data(as_text=True)  # the page says what to fix


@pytest.mark.parametrize("period", ["90d", "week", "", "ALL", "x" * 300])
def test_an_unknown_period_on_the_page_falls_back_to_all_time_with_a_notice(
        client, article, period):
    """Issue 13, item 15: a stale or mistyped link still shows a leaderboard."""
    response = client.get("/leaderboard", query_string={"period": period})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    notice = page.split('id="period-notice">')[1].split("</p>")[0]
    assert "showing all time instead" in notice and "past 90 days" in notice
    assert 'class="tab is-current" aria-current="page"' in page
    current = page.split('class="tab is-current"')[1].split("</a>")[0]
    assert "All time" in current
    assert len(notice) < 300  # a long value is cut short


# The page

def test_page_explains_its_columns_and_links_the_rules(client, article):
    prediction = example_history(article)
    resolve(prediction, "yes", outcome_time=close_of(prediction))
    html = client.get("/leaderboard").get_data(as_text=True)
    assert "Brier score (lower is better)" in html
    assert "0–1" in html and "lower is better" in html
    assert 'href="/leaderboard/rules"' in html
    assert html.index(">alice<") < html.index(">carol<") < html.index(">bob<")
    assert "−0.166" in html and "+0.293" in html


def test_page_highlights_my_row_and_shows_it_off_the_page(auth, client, article):
    predictions = pool(article, 1)
    people = users(*(f"user{index}" for index in range(5)))
    for index, user in enumerate(people):
        add_score(user, predictions[0], relative=index / 8)
    db.session.commit()
    auth.login("user4")
    html = client.get("/leaderboard?per_page=2").get_data(as_text=True)
    mine = re.search(r'<tr class="is-me"[^>]*>(.*?)</tr>', html, re.DOTALL)
    assert mine and ">5<" in mine.group(1) and "user4" in mine.group(1)
    assert "number 5 of 5" in html
    html = client.get("/leaderboard?per_page=2&page=3").get_data(as_text=True)
    assert html.count('class="is-me"') == 1


def test_page_with_nobody_ranked_offers_the_next_step(client, article):
    html = client.get("/leaderboard?period=month").get_data(as_text=True)
    assert "Nobody is ranked here yet" in html


def test_page_beyond_the_end_says_so(client, article):
    predictions = pool(article, 1)
    amy, = users("amy")
    add_score(amy, predictions[0])
    db.session.commit()
    response = client.get("/leaderboard?page=5")
    assert response.status_code == 200
    assert "There is no page 5" in response.get_data(as_text=True)


def test_rules_page_works_example_1_in_words_and_tables(client, app):
    html = client.get("/leaderboard/rules").get_data(as_text=True)
    assert "How scoring works" in html
    for figure in ("0.085", "0.25075", "0.64", "0.2734375", "−0.16575", "+0.29325", "80 %",
                   "20 %"):
        assert figure in html, figure
    assert re.search(r"1\. alice.*2\. carol.*3\. bob", html, re.DOTALL)


def test_page_runs_a_fixed_number_of_queries(auth, client, article, count_queries):
    predictions = pool(article, 3)

    def grow(start, count):
        people = users(*(f"member{index}" for index in range(start, start + count)))
        for index, user in enumerate(people):
            for prediction in predictions:
                add_score(user, prediction, relative=index / 64)
        db.session.commit()

    grow(0, 3)
    auth.login("member2")
    with count_queries() as small:
        assert client.get("/leaderboard?per_page=2").status_code == 200
    grow(3, 40)
    with count_queries() as large:
        html = client.get("/leaderboard?per_page=2").get_data(as_text=True)
    assert 'class="is-me"' in html  # member2 ranks 3rd: shown below the page
    assert len(small) == len(large), (small, large)
    with count_queries() as api_queries:
        leaderboard(client, "?period=year&article=test-article")
    assert len(api_queries) <= 5
