"""Unit tests for forum.scoring: the worked examples of SCORING.md, then properties."""

import itertools
import statistics
import time
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forum.scoring import (
    CalibrationBin,
    ForecastPoint,
    RunningTotals,
    Standing,
    aggregate,
    calibration,
    crowd_history,
    crowd_median,
    median,
    run_all,
    run_forecast,
    running_moment,
    scheduled_close,
    score_prediction,
    score_running,
    standing_forecasts,
)

T0 = datetime(2026, 3, 1, tzinfo=UTC)
ALICE, BOB, CAROL = 1, 2, 3
NAMES = {ALICE: "alice", BOB: "bob", CAROL: "carol"}

# No example database: the tests must leave no files behind. The number of examples is the
# profile's (tests/conftest.py): 25, 100 in CI, 10 under mutmut.
PROPERTY = settings(deadline=None, database=None)


def day(number: float) -> datetime:
    """The instant `number` days after T0."""
    return T0 + timedelta(days=number)


def forecast(id_: int, user: int, probability: float, when: datetime) -> ForecastPoint:
    return ForecastPoint(id=id_, user=user, probability=probability, created_at=when)


def example_forecasts() -> list[ForecastPoint]:
    """The forecasts of SCORING.md's worked examples."""
    return [
        forecast(1, ALICE, 0.60, day(0)),
        forecast(2, BOB, 0.20, day(2)),
        forecast(3, ALICE, 0.90, day(5)),
        forecast(4, CAROL, 0.50, day(8)),
        forecast(5, CAROL, 0.95, day(11)),
    ]


def score_example(*, outcome: bool, close_day: int, outcome_day: int):
    scores = score_prediction(
        example_forecasts(),
        outcome=outcome,
        created_at=T0,
        resolution_date=(day(close_day) - timedelta(days=1)).date(),
        outcome_time=day(outcome_day),
    )
    return {score.user: score for score in scores}


def leaderboard(scores) -> list[str]:
    rows = aggregate((s.user, NAMES[s.user], s.brier, s.relative_brier) for s in scores.values())
    return [row.username for row in rows]


def assert_figures(score, brier, crowd_brier, coverage, relative_brier):
    assert score.brier == pytest.approx(brier, rel=1e-9)
    assert score.crowd_brier == pytest.approx(crowd_brier, rel=1e-9)
    assert score.coverage == pytest.approx(coverage, rel=1e-9)
    assert score.relative_brier == pytest.approx(relative_brier, rel=1e-9)


# --- Worked example 1 ------------------------------------------------------------------


def test_example_1_resolved_yes_matches_the_table():
    scores = score_example(outcome=True, close_day=10, outcome_day=10)
    assert list(scores) == [ALICE, BOB, CAROL]
    assert_figures(scores[ALICE], 0.085, 0.25075, 1.0, -0.16575)
    assert_figures(scores[BOB], 0.64, 0.2734375, 0.8, 0.29325)
    assert_figures(scores[CAROL], 0.25, 0.25, 0.2, 0.0)


def test_example_1_leaderboard_is_alice_carol_bob():
    scores = score_example(outcome=True, close_day=10, outcome_day=10)
    assert leaderboard(scores) == ["alice", "carol", "bob"]


def test_example_1_calibration_points_are_the_standing_forecasts_before_t_end():
    scores = score_example(outcome=True, close_day=10, outcome_day=10)
    assert {user: s.final_probability for user, s in scores.items()} == {
        ALICE: 0.90,
        BOB: 0.20,
        CAROL: 0.50,
    }
    bins = calibration((s.final_probability, True) for s in scores.values())
    assert [b.count for b in bins] == [0, 0, 1, 0, 0, 1, 0, 0, 0, 1]
    assert bins[9] == CalibrationBin(0.9, 1.0, 1, 0.9, 1.0)
    assert bins[2] == CalibrationBin(0.2, 0.3, 1, 0.2, 1.0)
    assert bins[5] == CalibrationBin(0.5, 0.6, 1, 0.5, 1.0)


def test_example_1_resolved_no_matches_the_table():
    scores = score_example(outcome=False, close_day=10, outcome_day=10)
    assert_figures(scores[ALICE], 0.585, 0.26075, 1.0, 0.32425)
    assert_figures(scores[BOB], 0.04, 0.2359375, 0.8, -0.15675)
    assert_figures(scores[CAROL], 0.25, 0.25, 0.2, 0.0)


def test_example_1_resolved_no_leaderboard_is_bob_carol_alice():
    scores = score_example(outcome=False, close_day=10, outcome_day=10)
    assert leaderboard(scores) == ["bob", "carol", "alice"]


# --- Worked example 2 ------------------------------------------------------------------


def test_example_2_early_resolution_halves_coverage_and_relative_brier():
    scores = score_example(outcome=True, close_day=20, outcome_day=10)
    assert_figures(scores[ALICE], 0.085, 0.25075, 0.5, -0.082875)
    assert_figures(scores[BOB], 0.64, 0.2734375, 0.4, 0.146625)
    assert_figures(scores[CAROL], 0.25, 0.25, 0.1, 0.0)
    assert leaderboard(scores) == ["alice", "carol", "bob"]


def test_example_2_ignores_forecasts_after_the_outcome_time():
    scores = score_example(outcome=True, close_day=20, outcome_day=10)
    assert scores[CAROL].final_probability == 0.50


# --- Times -------------------------------------------------------------------------------


def test_scheduled_close_is_midnight_utc_after_the_resolution_date():
    assert scheduled_close(date(2026, 12, 31)) == datetime(2027, 1, 1, tzinfo=UTC)
    assert scheduled_close(date(2026, 12, 31)).tzinfo is UTC


def test_forecast_at_t_end_is_not_counted_and_its_user_is_omitted():
    forecasts = [forecast(1, ALICE, 0.6, day(0)), forecast(2, BOB, 0.3, day(10))]
    scores = score_prediction(
        forecasts,
        outcome=True,
        created_at=T0,
        resolution_date=date(2026, 3, 10),
        outcome_time=day(12),
    )
    assert [s.user for s in scores] == [ALICE]
    assert scores[0].brier == pytest.approx(0.16, rel=1e-9)


@pytest.fixture
def machine_in_seoul(monkeypatch):
    """The process's local time zone set to UTC+9, so that a time read as local time instead
    of UTC is nine hours off."""
    monkeypatch.setenv("TZ", "Asia/Seoul")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_times_are_utc_whatever_the_machine_time_zone(machine_in_seoul):
    """A naive time is UTC, not the machine's local time; an aware one is converted to UTC."""
    naive = ForecastPoint(id=1, user=ALICE, probability=0.5, created_at=datetime(2026, 3, 1, 12))
    assert naive.created_at == datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert naive.created_at.utcoffset() == timedelta(0)
    seoul = timezone(timedelta(hours=9))
    aware = ForecastPoint(id=2, user=BOB, probability=0.5,
                          created_at=datetime(2026, 3, 1, 21, tzinfo=seoul))
    assert aware.created_at == datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert aware.created_at.utcoffset() == timedelta(0)


def test_naive_datetimes_are_taken_as_utc():
    naive = [
        forecast(f.id, f.user, f.probability, f.created_at.replace(tzinfo=None))
        for f in example_forecasts()
    ]
    scores = score_prediction(
        naive,
        outcome=True,
        created_at=T0.replace(tzinfo=None),
        resolution_date=date(2026, 3, 10),
        outcome_time=day(10).replace(tzinfo=None),
    )
    assert scores == list(score_example(outcome=True, close_day=10, outcome_day=10).values())


def test_scheduled_close_at_creation_gives_coverage_one_instead_of_dividing_by_zero():
    close = scheduled_close(date(2026, 3, 1))
    scores = score_prediction(
        [forecast(1, ALICE, 0.7, close - timedelta(hours=1))],
        outcome=False,
        created_at=close,
        resolution_date=date(2026, 3, 1),
        outcome_time=close,
    )
    assert scores[0].coverage == 1.0
    assert scores[0].relative_brier == 0.0


def test_with_no_scheduled_life_relative_brier_is_brier_minus_crowd_brier():
    """T_close <= T0 (coverage taken as 1): relative_brier = 1 × (brier − crowd_brier), the
    window's difference divided by its length, for a forecaster away from the crowd too."""
    close = scheduled_close(date(2026, 3, 1))
    scores = score_prediction(
        [forecast(1, ALICE, 0.9, close - timedelta(hours=4)),
         forecast(2, BOB, 0.1, close - timedelta(hours=3)),
         forecast(3, CAROL, 0.2, close - timedelta(hours=2))],
        outcome=False,
        created_at=close,
        resolution_date=date(2026, 3, 1),
        outcome_time=close,
    )
    assert len(scores) == 3
    for score in scores:
        assert score.coverage == 1.0
        assert score.relative_brier == pytest.approx(score.brier - score.crowd_brier)
    assert any(abs(score.relative_brier) > 0.01 for score in scores)


def test_no_forecasts_gives_no_scores():
    assert (
        score_prediction(
            [],
            outcome=True,
            created_at=T0,
            resolution_date=date(2026, 3, 10),
            outcome_time=day(10),
        )
        == []
    )


# --- Crowd median ------------------------------------------------------------------------


def test_median_of_odd_count_is_the_middle_value():
    assert median([0.9, 0.2, 0.5]) == 0.5


def test_median_of_even_count_is_the_mean_of_the_two_middle_values():
    assert median([0.9, 0.2, 0.5, 0.3]) == pytest.approx(0.4, rel=1e-12)


def test_median_of_nothing_is_none():
    assert median([]) is None


def test_crowd_median_counts_each_users_latest_forecast_once():
    assert crowd_median(example_forecasts()) == (0.9, 3)


def test_crowd_median_with_even_number_of_forecasters():
    forecasts = [forecast(1, ALICE, 0.6, day(0)), forecast(2, BOB, 0.2, day(1))]
    assert crowd_median(forecasts) == (pytest.approx(0.4, rel=1e-12), 2)


def test_crowd_median_of_no_forecasts_is_none():
    assert crowd_median([]) == (None, 0)


def test_crowd_median_at_the_same_instant_the_later_id_wins():
    forecasts = [forecast(8, ALICE, 0.7, day(1)), forecast(3, ALICE, 0.1, day(1))]
    assert crowd_median(forecasts) == (0.7, 1)
    assert crowd_median(list(reversed(forecasts))) == (0.7, 1)
    assert standing_forecasts(forecasts)[ALICE].id == 8


def test_crowd_median_before_a_cutoff_counts_only_earlier_forecasts():
    assert crowd_median(example_forecasts(), before=day(10)) == (0.5, 3)
    assert crowd_median(example_forecasts(), before=day(5)) == (pytest.approx(0.4), 2)
    assert crowd_median(example_forecasts(), before=day(2)) == (0.6, 1)
    assert crowd_median(example_forecasts(), before=day(0)) == (None, 0)


def test_crowd_history_steps_through_example_1():
    history = crowd_history(reversed(example_forecasts()))
    assert [when for when, _ in history] == [day(0), day(2), day(5), day(8), day(11)]
    assert [crowd for _, crowd in history] == pytest.approx(
        [0.60, 0.40, 0.55, 0.50, 0.90], rel=1e-12
    )


def test_crowd_history_applies_every_forecast_of_an_instant_before_the_step():
    forecasts = [
        forecast(1, ALICE, 0.2, day(0)),
        forecast(2, BOB, 0.4, day(1)),
        forecast(3, CAROL, 0.9, day(1)),
        forecast(4, ALICE, 0.8, day(1)),
    ]
    assert crowd_history(forecasts) == [(day(0), 0.2), (day(1), 0.8)]


def test_crowd_history_of_no_forecasts_is_empty():
    assert crowd_history([]) == []


def test_crowd_history_of_the_example_as_each_forecaster_arrives():
    """SCORING.md's example 1 crowd, one instant at a time: 0.60 (alice alone), 0.40 (the mean
    of bob's 0.20 and alice's 0.60), 0.55 (alice moves to 0.90), 0.50 (carol's 0.50 is the
    middle of three), 0.90 (carol moves to 0.95: 0.20, 0.90, 0.95)."""
    forecasts = example_forecasts()
    for count, expected in enumerate([0.60, 0.40, 0.55, 0.50, 0.90], start=1):
        assert crowd_history(forecasts[:count])[-1][1] == pytest.approx(expected, rel=1e-12)


def standing_medians(moves):
    """The median of the standing forecasts after each (user, probability), by brute force."""
    standing, medians = {}, []
    for user, probability in moves:
        standing[user] = probability
        medians.append(statistics.median(standing.values()))
    return medians


@pytest.mark.parametrize("users", range(1, 10))
def test_crowd_history_is_the_median_at_every_crowd_size(users):
    """Crowds of 1 to 9 forecasters (across the powers of two the median's tree is sized by),
    joining from the top down, then each moving: to the bottom, onto another's value, back to
    their own value, and to a value nobody has held. One forecast an hour, so every move is
    its own step."""
    moves = [(user, (10 - user) / 10) for user in range(1, users + 1)]
    for user in range(1, users + 1):
        moves += [(user, 0.05), (user, 0.5), (user, 0.5), (user, 0.99 - user / 100)]
    forecasts = [forecast(id_, user, p, T0 + timedelta(hours=id_))
                 for id_, (user, p) in enumerate(moves, start=1)]
    history = crowd_history(forecasts)
    assert [when for when, _ in history] == [f.created_at for f in forecasts]
    assert [crowd for _, crowd in history] == pytest.approx(standing_medians(moves), abs=1e-12)


# --- Calibration -------------------------------------------------------------------------


def test_calibration_always_lists_ten_bins_with_empty_ones_null():
    bins = calibration([])
    assert len(bins) == 10
    edges = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    assert [(b.bin_start, b.bin_end) for b in bins] == list(itertools.pairwise(edges))
    assert all(b.count == 0 and b.mean_forecast is None and b.observed is None for b in bins)


@pytest.mark.parametrize(
    ("probability", "index"),
    [
        (0.0, 0),
        (0.01, 0),
        (0.0999, 0),
        (0.09999999999, 1),  # within the rule's 1e-9 of 0.1
        (0.1, 1),
        (0.3, 3),
        (0.5, 5),
        (0.7, 7),
        (0.9, 9),
        (0.99, 9),
        (1.0, 9),
    ],
)
def test_calibration_bin_of_a_probability(probability, index):
    bins = calibration([(probability, True)])
    assert [b.count for b in bins] == [1 if i == index else 0 for i in range(10)]


def test_calibration_every_two_decimal_probability_lands_in_its_tenth():
    for hundredths in range(1, 100):
        bins = calibration([(hundredths / 100, False)])
        assert bins[hundredths // 10].count == 1


def test_calibration_reports_mean_forecast_and_share_of_yes():
    bins = calibration([(0.3, True), (0.35, False), (0.32, False), (0.95, True)])
    assert bins[3].count == 3
    assert bins[3].mean_forecast == pytest.approx(0.32333333333333333, rel=1e-12)
    assert bins[3].observed == pytest.approx(1 / 3, rel=1e-12)
    assert bins[9] == CalibrationBin(0.9, 1.0, 1, 0.95, 1.0)


# --- Leaderboard -------------------------------------------------------------------------


def test_aggregate_sums_relative_brier_and_averages_brier():
    rows = aggregate([(1, "ann", 0.2, -0.1), (1, "ann", 0.4, -0.05), (2, "ben", 0.1, 0.0)])
    assert rows == [
        Standing(1, "ann", 2, pytest.approx(0.3), pytest.approx(-0.15)),
        Standing(2, "ben", 1, 0.1, 0.0),
    ]


def test_aggregate_breaks_relative_brier_ties_by_mean_brier_then_username():
    rows = aggregate(
        [
            (1, "zoe", 0.30, 0.0),
            (2, "amy", 0.30, 0.0),
            (3, "Bea", 0.30, 0.0),
            (4, "max", 0.10, 0.0),
            (5, "kim", 0.90, -0.2),
        ]
    )
    assert [row.username for row in rows] == ["kim", "max", "amy", "Bea", "zoe"]


def test_aggregate_of_nothing_is_empty():
    assert aggregate([]) == []


# --- Properties over random histories ----------------------------------------------------

PROBABILITIES = st.one_of(
    st.sampled_from([0.01, 0.1, 0.2, 0.3, 0.5, 0.7, 0.75, 0.9, 0.99]),
    st.floats(min_value=0.01, max_value=0.99),
)
DAY_US = 86_400_000_000
# Whole days or whole hours make ties at the same instant common.
OFFSETS = st.one_of(
    st.integers(0, 12).map(lambda days: days * DAY_US),
    st.integers(0, 12 * 24).map(lambda hours: hours * 3_600_000_000),
    st.integers(0, 12 * DAY_US),
)
START = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


@st.composite
def histories(draw, max_forecasts=25):
    """Forecasts at or after START by up to six users, with distinct ids in any order."""
    count = draw(st.integers(1, max_forecasts))
    ids = draw(st.permutations(range(1, count + 1)))
    return [
        forecast(
            id_,
            draw(st.integers(1, 6)),
            draw(PROBABILITIES),
            START + timedelta(microseconds=draw(OFFSETS)),
        )
        for id_ in ids
    ]


@st.composite
def resolutions(draw):
    """Keyword arguments for score_prediction, with an outcome time anywhere around T_close."""
    return {
        "outcome": draw(st.booleans()),
        "created_at": START,
        "resolution_date": START.date() + timedelta(days=draw(st.integers(1, 10))),
        "outcome_time": START + timedelta(microseconds=draw(st.integers(1, 13 * DAY_US))),
    }


def reference_scores(forecasts, *, outcome, created_at, resolution_date, outcome_time):
    """SCORING.md by brute force: recompute every standing forecast on every piece, O(n²)."""
    close = datetime.combine(resolution_date + timedelta(days=1), datetime.min.time(), UTC)
    end = min(outcome_time, close)
    target = 1.0 if outcome else 0.0
    counted = [f for f in forecasts if f.created_at < end]
    cuts = sorted({f.created_at for f in counted} | {end})
    own, crowd, first = {}, {}, {}
    for left, right in itertools.pairwise(cuts):
        standing = {}
        for f in counted:
            best = standing.get(f.user)
            if f.created_at <= left and (
                best is None or (f.created_at, f.id) > (best.created_at, best.id)
            ):
                standing[f.user] = f
        middle = statistics.median(f.probability for f in standing.values())
        seconds = (right - left).total_seconds()
        for user, f in standing.items():
            first.setdefault(user, left)
            own[user] = own.get(user, 0.0) + (f.probability - target) ** 2 * seconds
            crowd[user] = crowd.get(user, 0.0) + (middle - target) ** 2 * seconds
    life = (close - created_at).total_seconds()
    result = {}
    for user in sorted(own):
        covered = (end - first[user]).total_seconds()
        result[user] = (
            own[user] / covered,
            crowd[user] / covered,
            covered / life,
            (own[user] - crowd[user]) / life,
        )
    return result


@PROPERTY
@given(histories(), resolutions())
def test_scores_equal_the_brute_force_reference(forecasts, resolution):
    expected = reference_scores(forecasts, **resolution)
    scores = score_prediction(forecasts, **resolution)
    assert [s.user for s in scores] == list(expected)
    for score in scores:
        figures = (score.brier, score.crowd_brier, score.coverage, score.relative_brier)
        assert figures == pytest.approx(expected[score.user], abs=1e-9)


@PROPERTY
@given(histories(), resolutions(), st.randoms(use_true_random=False))
def test_scores_do_not_depend_on_input_order(forecasts, resolution, random):
    shuffled = list(forecasts)
    random.shuffle(shuffled)
    assert score_prediction(shuffled, **resolution) == score_prediction(forecasts, **resolution)


@PROPERTY
@given(histories(), resolutions())
def test_figures_stay_in_their_ranges(forecasts, resolution):
    for score in score_prediction(forecasts, **resolution):
        assert 0.0 < score.coverage <= 1.0
        assert 0.0 <= score.brier <= 1.0
        assert 0.0 <= score.crowd_brier <= 1.0
        assert -1.0 <= score.relative_brier <= 1.0


@PROPERTY
@given(histories(), resolutions(), st.integers(0, 13 * DAY_US))
def test_an_earlier_outcome_time_never_raises_coverage(forecasts, resolution, earlier_by):
    later = {s.user: s.coverage for s in score_prediction(forecasts, **resolution)}
    resolution["outcome_time"] = max(
        START, resolution["outcome_time"] - timedelta(microseconds=earlier_by)
    )
    for score in score_prediction(forecasts, **resolution):
        assert score.coverage <= later[score.user]


@PROPERTY
@given(st.lists(st.tuples(OFFSETS, PROBABILITIES), min_size=1, max_size=20), resolutions())
def test_the_only_forecaster_is_the_crowd_and_scores_relative_brier_zero(points, resolution):
    forecasts = [
        forecast(i, ALICE, p, START + timedelta(microseconds=offset))
        for i, (offset, p) in enumerate(points)
    ]
    for score in score_prediction(forecasts, **resolution):
        assert score.brier == pytest.approx(score.crowd_brier, abs=1e-12)
        assert abs(score.relative_brier) <= 1e-12


@PROPERTY
@given(
    st.lists(st.tuples(OFFSETS, st.integers(1, 4), PROBABILITIES), max_size=20),
    st.integers(0, 12 * DAY_US),
    resolutions(),
)
def test_a_user_always_holding_the_crowd_median_scores_relative_brier_zero(
    moves, joined, resolution
):
    # Pairs of users (2k, 2k + 1) always move together to p and 1 - p, so with the holder's
    # 0.5 the standing forecasts are symmetric around 0.5 and their median is exactly 0.5.
    holder = 0
    forecasts = [forecast(0, holder, 0.5, START + timedelta(microseconds=joined))]
    for i, (offset, pair, p) in enumerate(moves, start=1):
        when = START + timedelta(microseconds=offset)
        forecasts.append(forecast(2 * i, 2 * pair, p, when))
        forecasts.append(forecast(2 * i + 1, 2 * pair + 1, 1 - p, when))
    scores = {s.user: s for s in score_prediction(forecasts, **resolution)}
    if holder in scores:
        assert scores[holder].brier == pytest.approx(0.25, abs=1e-12)
        assert abs(scores[holder].relative_brier) <= 1e-12


@PROPERTY
@given(histories(), st.integers(0, 13 * DAY_US))
def test_crowd_history_equals_the_crowd_median_just_after_each_instant(forecasts, offset):
    for when, crowd in crowd_history(forecasts):
        assert crowd == pytest.approx(
            crowd_median(forecasts, before=when + timedelta(microseconds=1))[0], abs=1e-12
        )
    instants = [when for when, _ in crowd_history(forecasts)]
    assert instants == sorted({f.created_at for f in forecasts})


# --- Running totals: the sweep kept as forecasts arrive (forum.running) --------------------

def run_as_they_arrive(forecasts):
    """The totals as the forecasting service keeps them: one forecast at a time in (time,
    id) order, each with the crowd median of every forecast so far (crowd_median)."""
    totals, windows, arrived = RunningTotals(), {}, []
    for point in sorted(forecasts, key=lambda f: (f.created_at, f.id)):
        arrived.append(point)
        window = run_forecast(totals, windows.get(point.user),
                              running_moment(START, point.created_at), point.id,
                              point.probability, crowd_median(arrived)[0])
        assert window is not None
        windows[point.user] = window
    return totals, windows


@PROPERTY
@given(histories(), st.booleans(), st.integers(1, 13 * DAY_US), st.integers(0, 3))
def test_running_totals_score_exactly_as_the_sweep_when_every_forecast_counts(
        forecasts, outcome, after, spare_days):
    last = max(f.created_at for f in forecasts)
    resolution = {"outcome": outcome, "created_at": START,
                  "resolution_date": last.date() + timedelta(days=spare_days),
                  "outcome_time": last + timedelta(microseconds=after)}
    totals, windows = run_all(forecasts, START)
    assert (totals, windows) == run_as_they_arrive(forecasts)
    # The same floats, bit for bit: `forum scores recompute` changes nothing after a resolve.
    assert score_running(totals, windows, **resolution) == score_prediction(forecasts,
                                                                            **resolution)


@PROPERTY
@given(histories(), resolutions())
def test_running_totals_give_way_to_the_sweep_when_a_forecast_does_not_count(forecasts,
                                                                              resolution):
    totals, windows = run_all(forecasts, START)
    kept = score_running(totals, windows, **resolution)
    end = min(resolution["outcome_time"], scheduled_close(resolution["resolution_date"]))
    if max(f.created_at for f in forecasts) < end:
        assert kept == score_prediction(forecasts, **resolution)
    else:
        assert kept is None  # a forecast at or after T_end: the caller sweeps


def test_running_totals_of_the_worked_example_give_its_table():
    counted = [f for f in example_forecasts() if f.created_at < day(10)]
    totals, windows = run_all(counted, T0)
    scores = score_running(totals, windows, outcome=True, created_at=T0,
                           resolution_date=(day(10) - timedelta(days=1)).date(),
                           outcome_time=day(10))
    figures = {s.user: (s.brier, s.crowd_brier, s.coverage, s.relative_brier) for s in scores}
    assert figures[ALICE] == pytest.approx((0.085, 0.25075, 1.0, -0.16575))
    assert figures[BOB] == pytest.approx((0.64, 0.2734375, 0.8, 0.29325))
    assert figures[CAROL] == pytest.approx((0.25, 0.25, 0.2, 0.0))


def test_running_totals_refuse_a_forecast_older_than_their_last_one():
    totals, _ = run_all([forecast(1, ALICE, 0.6, day(0)), forecast(3, BOB, 0.2, day(2))], T0)
    before = RunningTotals(**{name: getattr(totals, name) for name in totals.__slots__})
    late = run_forecast(totals, None, running_moment(T0, day(1)), 4, 0.5, 0.5)
    same_instant_lower_id = run_forecast(totals, None, running_moment(T0, day(2)), 2, 0.5, 0.5)
    assert late is None and same_instant_lower_id is None
    assert totals == before  # nothing changed: the caller builds them again


def test_running_totals_with_no_forecast_score_nothing():
    totals, windows = run_all([], T0)
    assert totals.forecasts == 0 and windows == {}
    assert score_running(totals, windows, outcome=True, created_at=T0,
                         resolution_date=date(2026, 3, 10), outcome_time=day(5)) is None


def test_running_totals_give_way_when_the_last_forecast_is_at_t_end():
    counted = [f for f in example_forecasts() if f.created_at < day(10)]  # the last: day 8
    totals, windows = run_all(counted, T0)
    terms = {"outcome": False, "created_at": T0, "resolution_date": date(2026, 3, 20)}
    assert score_running(totals, windows, outcome_time=day(8), **terms) is None
    later = day(8) + timedelta(microseconds=1)
    assert score_running(totals, windows, outcome_time=later, **terms) == score_prediction(
        counted, outcome_time=later, **terms)
