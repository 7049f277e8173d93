"""The contract's `hot` rank written out from SPEC.md §7, independently of the code's
`hot_rank()`, and a board whose order only that formula gives."""

import math
from datetime import UTC, datetime, timedelta

from forum import clock
from forum.board.services import vote_on_prediction
from forum.extensions import db
from tests.factories import make_forecast, make_prediction, make_user

HOT_DIVISOR = 45000  # seconds


def contracted_hot(score: int, forecasters: int, created_at: datetime) -> float:
    """SPEC.md §7: log10(max(score + forecasters, 1)) + created_at in Unix seconds / 45000."""
    return math.log10(max(score + forecasters, 1)) + created_at.timestamp() / HOT_DIVISOR


# 2026-01-01T00:00:00Z is 1,767,225,600 s: 39,271.68 units of 45,000 s. Each row: how long
# before it the prediction was posted, its vote score, its forecasters, and its rank worked by
# hand. Each plausible wrong formula orders the rows differently: votes left out gives
# F A B E C; forecasters left out B A E F C; ln for log10 B F C A E; 4,500 s for 45,000
# A E F B C; 450,000 s B C F A E; no max(…, 1) fails on E's log10(-2).
HOT_T0 = datetime(2026, 1, 1, tzinfo=UTC)
HOT_ROWS = {  # name: (seconds before T0, score, forecasters, hot)
    "B": (31_500, 6, 4, 39_271.98),           # log10(10) = 1, 0.7 units older
    "F": (22_500, 0, 5, 39_271.878970004),    # log10(5) = 0.69897, 0.5 units older
    "A": (0, 0, 1, 39_271.68),                # log10(1) = 0, posted at T0
    "E": (9_000, -3, 1, 39_271.48),           # max(-2, 1) = 1: 0, 0.2 units older
    "C": (67_500, 9, 1, 39_271.18),           # log10(10) = 1, 1.5 units older
}
HOT_ORDER = ["B", "F", "A", "E", "C"]


def hot_board(article, author, monkeypatch) -> dict[str, int]:
    """Post HOT_ROWS on the article through the services (each at its own time), then vote
    and forecast on them now; {name: prediction id}."""
    voters = [make_user(f"voter{index}") for index in range(9)]
    ids = {}
    for name, (before, score, forecasters, _) in HOT_ROWS.items():
        monkeypatch.setattr(clock, "now", lambda at=HOT_T0 - timedelta(seconds=before): at)
        prediction = make_prediction(article, author, title=f"Claim {name} for the hot rank",
                                     days_ahead=3650)
        monkeypatch.undo()
        for voter in voters[:abs(score)]:
            vote_on_prediction(voter, prediction, 1 if score > 0 else -1)
        db.session.commit()
        for voter in voters[:forecasters - 1]:
            make_forecast(prediction, voter, 0.5)
        ids[name] = prediction.id
    return ids
