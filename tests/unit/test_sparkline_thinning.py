"""Thinning a crowd history for a sparkline keeps its shape and its last step."""

from datetime import datetime, timedelta

from forum.board.crowd_cache import thin


def test_a_short_history_is_kept_whole():
    history = [(datetime(2026, 1, 1) + timedelta(hours=hour), 0.5) for hour in range(10)]
    assert thin(history, keep=20) is history


def test_a_long_history_keeps_evenly_spaced_steps_and_the_last():
    start = datetime(2026, 1, 1)
    history = [(start + timedelta(minutes=index), index / 30_000) for index in range(30_000)]
    kept = thin(history, keep=192)
    assert 192 <= len(kept) <= 193
    assert kept[0] == history[0] and kept[-1] == history[-1]
    assert [moment for moment, _ in kept] == sorted(moment for moment, _ in kept)
