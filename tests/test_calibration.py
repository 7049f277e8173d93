"""Calibration: the bins through the API (0.1, 0.5 and 0.99 land where SCORING.md says), the
calibration point is the last counted forecast, and the SVG chart."""

import random
import re
from datetime import timedelta

import pytest

from forum.extensions import db
from forum.scoring import CalibrationBin, calibration
from forum.users.charts import MAX_RADIUS, MIN_RADIUS, calibration_svg, dots, radius
from forum.users.profiles import calibration_of
from tests.api_support import Api
from tests.test_scores import (  # noqa: F401  (fast_passwords is an autouse fixture)
    START,
    close_of,
    example_history,
    fast_passwords,
    history,
    resolve,
    users,
)


def bins_of(client, username: str) -> list[dict]:
    response = Api(client).get(f"/users/{username}")
    assert response.status_code == 200
    return response.get_json()["calibration"]


def test_api_bins_hold_010_050_and_099_where_the_rules_say(client, article):
    alice, = users("alice")
    for probability, outcome in ((0.1, "yes"), (0.5, "no"), (0.99, "yes")):
        prediction = history(article, alice, first=probability,
                             title=f"Something at {probability} will happen")
        resolve(prediction, outcome, outcome_time=close_of(prediction))
    bins = bins_of(client, "alice")
    assert [(b["bin_start"], b["bin_end"]) for b in bins] == [
        (index / 10, (index + 1) / 10) for index in range(10)]
    assert bins[1] == {"bin_start": 0.1, "bin_end": 0.2, "count": 1, "mean_forecast": 0.1,
                       "observed": 1.0}  # 0.1 is the start of [0.1, 0.2), not the end of [0, 0.1)
    assert bins[5] == {"bin_start": 0.5, "bin_end": 0.6, "count": 1, "mean_forecast": 0.5,
                       "observed": 0.0}
    assert bins[9] == {"bin_start": 0.9, "bin_end": 1.0, "count": 1, "mean_forecast": 0.99,
                       "observed": 1.0}
    for index in (0, 2, 3, 4, 6, 7, 8):
        assert (bins[index]["count"], bins[index]["mean_forecast"],
                bins[index]["observed"]) == (0, None, None)


def test_bins_average_their_forecasts_and_outcomes(client, article):
    alice, = users("alice")
    for probability, outcome in ((0.3, "yes"), (0.35, "no"), (0.39, "no"), (0.31, "yes")):
        prediction = history(article, alice, first=probability,
                             title=f"Something at {probability} will happen")
        resolve(prediction, outcome, outcome_time=close_of(prediction))
    third = bins_of(client, "alice")[3]
    assert third["count"] == 4
    assert third["mean_forecast"] == pytest.approx((0.3 + 0.35 + 0.39 + 0.31) / 4, abs=1e-12)
    assert third["observed"] == 0.5


def test_the_point_is_the_last_forecast_counted_before_t_end(client, article):
    prediction = example_history(article)  # carol: 0.50 on day 8, 0.95 on day 11
    resolve(prediction, "yes", outcome_time=close_of(prediction))
    bins = bins_of(client, "carol")
    assert bins[5]["count"] == 1 and bins[9]["count"] == 0
    early = example_history(article, title="The summit will take place before the end of 2027")
    resolve(early, "no", outcome_time=START + timedelta(days=3))  # alice's 0.9 came later
    assert bins_of(client, "alice")[6] == {"bin_start": 0.6, "bin_end": 0.7, "count": 1,
                                           "mean_forecast": 0.6, "observed": 0.0}


def test_the_profile_page_draws_the_chart_with_a_table_fallback(client, article):
    prediction = example_history(article)
    resolve(prediction, "yes", outcome_time=close_of(prediction))
    html = client.get("/users/alice").get_data(as_text=True)
    svg = re.search(r"<svg class=\"calibration-chart\".*?</svg>", html, re.DOTALL).group(0)
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert svg.count("<circle") == 1 and 'class="cal-diagonal"' in svg
    assert "stroke-dasharray" in svg
    table = re.search(r'<table class="data-table calibration-table">.*?</table>', html, re.DOTALL)
    assert table and table.group(0).count("<tr") == 11  # a header and ten bins
    assert "90–100 %" in table.group(0)


def test_stored_bins_equal_scoring_calibration_of_the_same_points(app, article):
    from tests.test_leaderboard import add_score, pool

    rng = random.Random(11)
    predictions = pool(article, 60)
    alice, = users("alice")
    points = []
    for prediction in predictions:
        probability = rng.choice([0.1, 0.3, 0.5, 0.55, 0.9, 0.99, rng.uniform(0.01, 0.99)])
        outcome = rng.random() < 0.5
        add_score(alice, prediction, final=probability, outcome=outcome)
        points.append((probability, outcome))
    db.session.commit()
    stored, expected = calibration_of(user_id=alice.id), calibration(points)
    for mine, theirs in zip(stored, expected, strict=True):
        assert (mine.bin_start, mine.bin_end, mine.count, mine.observed) == (
            theirs.bin_start, theirs.bin_end, theirs.count, theirs.observed)
        if theirs.count:
            assert mine.mean_forecast == pytest.approx(theirs.mean_forecast, abs=1e-12)
        else:
            assert mine.mean_forecast is None


# The chart, as a pure function

def example_bins() -> list[CalibrationBin]:
    points = [(0.05, False)] * 9 + [(0.15, True)] + [(0.72, True)] * 3 + [(0.75, False)] \
        + [(0.95, True)] * 36
    return calibration(points)


def test_one_circle_per_non_empty_bin_sized_by_its_count_and_labelled():
    bins = example_bins()
    placed = dots(bins)
    assert [dot.count for dot in placed] == [9, 1, 4, 36]
    radii = {dot.count: dot.r for dot in placed}
    assert radii[36] == MAX_RADIUS and radii[1] < radii[4] < radii[9] < radii[36]
    assert radius(36, 36) / radius(9, 36) < 36 / 9  # area, not radius, follows the count
    assert radius(0, 0) == MIN_RADIUS
    svg = str(calibration_svg(bins, title="Calibration of <alice>"))
    assert svg.count("<circle") == 4
    assert all(f">{dot.count}</text>" in svg for dot in placed)
    assert "Calibration of &lt;alice&gt;" in svg  # escaped


def test_circles_sit_at_mean_forecast_across_and_observed_up():
    placed = dots(example_bins())
    low, high = placed[0], placed[-1]
    assert low.cx < high.cx  # 5 % left of 95 %
    assert low.cy > high.cy  # observed 0 below observed 1 (SVG y grows downwards)
    svg = str(calibration_svg(example_bins(), title="t"))
    diagonal = re.search(r'<line class="cal-diagonal" x1="([\d.]+)" y1="([\d.]+)" '
                         r'x2="([\d.]+)" y2="([\d.]+)"', svg)
    x1, y1, x2, y2 = map(float, diagonal.groups())
    assert x1 < x2 and y1 > y2 and x2 - x1 == y1 - y2  # from (0, 0) up to (1, 1), at 45°
    assert x1 < low.cx and y1 >= low.cy


def test_chart_has_no_inline_style_and_describes_every_bin():
    svg = str(calibration_svg(example_bins(), title="t", chart_id="c"))
    assert "style=" not in svg
    assert 'aria-labelledby="c-title c-desc"' in svg
    assert "90–100 %: 36 forecasts, mean 95 %, 36 came true (100 %)" in svg


def test_an_empty_chart_still_draws_axes_and_diagonal():
    svg = str(calibration_svg(calibration([]), title="t"))
    assert "<circle" not in svg and "cal-diagonal" in svg
