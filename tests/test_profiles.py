"""Profiles: GET /api/v1/users/{username} and /scores, the profile page, and an outside
client's check that every number the API shows is what forum.scoring computes from the API's
own forecast history."""

import random
import re
from datetime import datetime, timedelta

import pytest

from forum.extensions import db
from forum.scoring import ForecastPoint, aggregate, score_prediction
from tests.api_support import Api
from tests.factories import make_comment, make_forecast, make_prediction
from tests.test_scores import (  # noqa: F401  (fast_passwords is an autouse fixture)
    START,
    close_of,
    example_history,
    fast_passwords,
    history,
    resolve,
    users,
)


def get_json(client, path: str, status: int = 200) -> dict:
    response = Api(client).get(path)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


# The JSON API

def test_user_api_shows_role_stats_and_ten_calibration_bins(client, article):
    prediction = example_history(article)
    resolve(prediction, "yes", outcome_time=close_of(prediction))
    alice, = users("alice")
    make_comment(prediction, alice, "I expect this to happen soon.")
    body = get_json(client, "/users/alice")
    assert body["username"] == "alice" and body["role"] == "member"
    assert body["joined_at"].endswith("Z")
    stats = body["stats"]
    assert (stats["predictions_scored"], stats["predictions"], stats["forecasts"],
            stats["comments"]) == (1, 1, 2, 1)
    assert stats["mean_brier"] == pytest.approx(0.085, abs=1e-12)
    assert stats["relative_brier"] == pytest.approx(-0.16575, abs=1e-12)
    assert len(body["calibration"]) == 10
    assert body["calibration"][9]["count"] == 1


def test_user_api_lookup_ignores_case(client, article):
    users("Alice")
    assert get_json(client, "/users/ALICE")["username"] == "Alice"
    assert get_json(client, "/users/%EF%BD%81lice")["username"] == "Alice"  # full-width a
    assert get_json(client, "/users/alice/scores") == {"items": []}


def test_user_api_stats_are_null_before_any_score(client, article):
    alice, = users("alice")
    make_prediction(article, alice)
    stats = get_json(client, "/users/alice")["stats"]
    assert stats == {"predictions_scored": 0, "mean_brier": None, "relative_brier": None,
                     "predictions": 1, "forecasts": 1, "comments": 0}


@pytest.mark.parametrize("name", ["nobody", "x" * 300, "ali%20ce", "%C3%A9l%C3%A8ve", "a.b",
                                  "%0A", "alice%C2%A0x"])
def test_unknown_users_are_404_never_500(client, article, name):
    users("alice")
    body = get_json(client, f"/users/{name}", status=404)
    assert body["error"]["code"] == "not_found"
    assert Api(client).get(f"/users/{name}/scores").status_code == 404
    assert client.get(f"/users/{name}").status_code == 404


def test_scores_api_lists_each_resolved_prediction(client, article):
    first = example_history(article)
    second = example_history(article, title="The summit will take place before the end of 2027")
    resolve(first, "yes", outcome_time=close_of(first))
    resolve(second, "no", outcome_time=close_of(second))
    items = get_json(client, "/users/bob/scores")["items"]
    assert {(item["prediction_id"], item["outcome"]) for item in items} == {
        (first.id, "yes"), (second.id, "no")}
    by_id = {item["prediction_id"]: item for item in items}
    assert by_id[first.id]["brier"] == pytest.approx(0.64, abs=1e-12)
    assert by_id[second.id]["relative_brier"] == pytest.approx(-0.15675, abs=1e-12)
    assert set(by_id[first.id]) == {"prediction_id", "outcome", "brier", "crowd_brier",
                                    "coverage", "relative_brier"}


def _parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment)


def test_api_numbers_equal_a_recomputation_from_the_apis_own_forecasts(client, article):
    """What the hidden outside check does: read every forecast through the API, score it with
    forum.scoring, and compare with every score, stat and leaderboard row the API shows."""
    rng = random.Random(5)
    people = users("alice", "bob", "carol", "dave", "erin")
    predictions = []
    for index in range(5):
        author = people[index]
        close_day = rng.randint(5, 20)
        forecasts = []
        for _ in range(rng.randint(2, 12)):
            day = rng.uniform(0, close_day + 3) + rng.randint(0, 999_999) / 86_400e6
            forecasts.append((rng.choice(people), rng.randint(1, 99) / 100, day))
        forecasts.append((people[0], 0.33, 1.5))
        forecasts.append((people[0], 0.66, 1.5))  # the same instant: the later id wins
        predictions.append(history(
            article, author, forecasts, first=rng.randint(1, 99) / 100, close_day=close_day,
            title=f"Prediction {index}: something will happen"))
    resolve(predictions[0], "yes", outcome_time=close_of(predictions[0]))
    resolve(predictions[1], "no", outcome_time=START + timedelta(days=3, seconds=7))
    resolve(predictions[2], "yes", outcome_time=START + timedelta(days=2))
    resolve(predictions[2], "no", correction=True)
    resolve(predictions[3], "annulled")
    resolve(predictions[4], "no", outcome_time=close_of(predictions[4]))

    expected: dict[str, dict[int, object]] = {}
    for prediction in predictions:
        shown = get_json(client, f"/predictions/{prediction.id}")
        if shown["status"] != "resolved":
            continue
        forecasts = get_json(client, f"/predictions/{prediction.id}/forecasts")["items"]
        points = [ForecastPoint(f["id"], f["username"], f["probability"],
                                _parse(f["created_at"])) for f in forecasts]
        scores = score_prediction(
            points, outcome=shown["outcome"] == "yes", created_at=_parse(shown["created_at"]),
            resolution_date=datetime.fromisoformat(shown["resolution_date"]).date(),
            outcome_time=_parse(shown["resolution"]["outcome_time"]))
        for score in scores:
            expected.setdefault(score.user, {})[prediction.id] = score
    assert expected, "something should have been scored"

    for person in people:
        items = get_json(client, f"/users/{person.username}/scores")["items"]
        mine = expected.get(person.username, {})
        assert {item["prediction_id"] for item in items} == set(mine)
        for item in items:
            score = mine[item["prediction_id"]]
            for field in ("brier", "crowd_brier", "coverage", "relative_brier"):
                assert item[field] == pytest.approx(getattr(score, field), abs=1e-9), field
        stats = get_json(client, f"/users/{person.username}")["stats"]
        assert stats["predictions_scored"] == len(mine)
        if mine:
            assert stats["mean_brier"] == pytest.approx(
                sum(s.brier for s in mine.values()) / len(mine), abs=1e-9)
            assert stats["relative_brier"] == pytest.approx(
                sum(s.relative_brier for s in mine.values()), abs=1e-9)

    standings = aggregate((name, name, score.brier, score.relative_brier)
                          for name, scores in expected.items() for score in scores.values())
    board = get_json(client, "/leaderboard")["items"]
    assert [row["username"] for row in board] == [row.username for row in standings]
    for row, standing in zip(board, standings, strict=True):
        assert row["mean_brier"] == pytest.approx(standing.mean_brier, abs=1e-9)
        assert row["relative_brier"] == pytest.approx(standing.relative_brier, abs=1e-9)


# The page

def section(html: str, name: str) -> str:
    """The profile's section with this id."""
    return re.search(rf'<section class="profile-section" id="{name}".*?</section>', html,
                     re.DOTALL).group(0)


def test_profile_page_explains_the_numbers(client, article):
    prediction = example_history(article)
    resolve(prediction, "yes", outcome_time=close_of(prediction))
    response = client.get("/users/Bob")  # any case
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>bob" in html
    assert "Relative Brier score" in html and "+0.293" in html
    assert "Mean Brier score" in html and "0.640" in html
    assert "Lower is better" in html and "0–1" in html and "0.25" in html
    assert "negative when they beat the crowd" in html
    assert f'href="/predictions/{prediction.id}"' in html
    assert 'href="/leaderboard/rules"' in html
    assert "<svg" in html and "<title" in html and "<desc" in html
    assert " style=" not in html  # the Content-Security-Policy forbids inline styles


def test_own_profile_speaks_to_you(auth, client, article):
    prediction = example_history(article)
    resolve(prediction, "yes", outcome_time=close_of(prediction))
    auth.login()
    html = client.get("/users/alice").get_data(as_text=True)
    assert "Do your 70 % forecasts come true" in html
    assert 'href="/users/alice"' in html  # the navigation's own link


def test_profile_without_scores_says_how_to_get_one(client, article):
    users("alice")
    html = client.get("/users/alice").get_data(as_text=True)
    assert "No scores yet" in html
    assert "<svg class=\"calibration-chart\"" not in html


def test_profile_lists_predictions_forecasts_and_comments_paged(client, article):
    alice, bob = users("alice", "bob")
    predictions = [make_prediction(article, alice, title=f"Claim number {index:02d} about it")
                   for index in range(12)]
    for prediction in predictions[:3]:
        make_forecast(prediction, bob, 0.4)
        make_comment(prediction, bob, f"Comment on {prediction.id}")
    listed = section(client.get("/users/alice").get_data(as_text=True), "predictions")
    assert "Claim number 11" in listed and "Claim number 01" not in listed  # 10 a page
    listed = section(client.get("/users/alice?predictions_page=2").get_data(as_text=True),
                     "predictions")
    assert "Claim number 01" in listed and "Claim number 11" not in listed
    assert 'rel="prev"' in listed and "Page 2 of 2" in listed
    html = client.get("/users/bob").get_data(as_text=True)
    assert html.count("40 %") >= 3
    assert f"Comment on {predictions[0].id}" in html
    assert f'href="/predictions/{predictions[0].id}#comment-' in html


@pytest.mark.parametrize("query", ["scores_page=0", "predictions_page=abc", "comments_page=-1",
                                   "forecasts_page=1e3", "scores_page=999999999999"])
def test_bad_section_pages_are_422_not_500(client, article, query):
    users("alice")
    response = client.get(f"/users/alice?{query}")
    assert response.status_code == 422
    assert query.split("=")[0] in response.get_data(as_text=True)


def test_hidden_prediction_keeps_its_score_without_a_link(client, article):
    prediction = example_history(article)
    resolve(prediction, "yes", outcome_time=close_of(prediction))
    prediction.hidden = True
    db.session.commit()
    html = client.get("/users/bob").get_data(as_text=True)
    assert "[removed by a moderator]" in html
    assert f'href="/predictions/{prediction.id}"' not in html
    assert get_json(client, "/users/bob")["stats"]["predictions_scored"] == 1


def test_profile_page_runs_a_fixed_number_of_queries(auth, client, article, count_queries):
    alice, = users("alice")

    def grow(start, count):
        others = users(*(f"reader{index}" for index in range(start, start + count)))
        for index in range(count):
            prediction = history(article, alice, [(others[index], 0.3, 1)],
                                 title=f"Claim {start + index} will happen soon")
            make_comment(prediction, alice, "A comment.")
            resolve(prediction, "yes", outcome_time=close_of(prediction))

    grow(0, 1)
    auth.login("reader0")
    with count_queries() as small:
        assert client.get("/users/alice").status_code == 200
    grow(1, 12)
    with count_queries() as large:
        html = client.get("/users/alice").get_data(as_text=True)
    assert re.search(r"Scores <span class=\"count\">13</span>", html)
    assert len(small) == len(large), (small, large)
    with count_queries() as api_queries:
        get_json(client, "/users/alice")
    assert len(api_queries) <= 4
