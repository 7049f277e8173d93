"""The shape of demo data: its timeline, skewed popularity and drifting probabilities."""

import math
import random
from bisect import bisect_left
from datetime import UTC, datetime, timedelta

# The data's "now" is EPOCH moved forward in whole STEPs to the latest one not in the future:
# rows are identical for a seed within each 13-week step (not just within a day), while open
# predictions always resolve in the future and the leaderboard's periods keep recent data.
EPOCH = datetime(2026, 11, 22, tzinfo=UTC)
STEP = timedelta(weeks=13)
WINDOW = timedelta(days=270)  # predictions are spread over the ~9 months before the anchor
TOP_SHARE = 0.03  # the most forecast prediction holds about 3 % of all forecasts
MICROS = 1_000_000
DAY = 86_400 * MICROS


def anchor(now: datetime) -> datetime:
    """The demo data's "now": the latest EPOCH + k × STEP that is not after `now`."""
    return EPOCH + STEP * ((now - EPOCH) // STEP)


_UNIX = datetime(1970, 1, 1, tzinfo=UTC)


def to_micros(moment: datetime) -> int:
    """Microseconds since the Unix epoch (exact integers keep the data deterministic)."""
    return (moment - _UNIX) // timedelta(microseconds=1)


def from_micros(micros: int) -> datetime:
    return _UNIX + timedelta(0, 0, micros)


def zipf_counts(items: int, total: int, top_share: float = TOP_SHARE) -> list[int]:
    """`total` split over `items` (each at least 1), the largest holding about `top_share`.

    Counts follow 1/rank^s; s is found by bisection so the top item gets its share, and the
    remainder is handed out by largest remainder so the counts add up exactly. Index 0 is the
    most popular.
    """
    extra = total - items
    if items == 0 or extra <= 0:
        return [1] * items if total >= items else []
    wanted = (top_share * total - 1) / extra  # the top item's share of the extra forecasts
    low, high = 0.0, 4.0
    for _ in range(60):
        middle = (low + high) / 2
        if 1 / _harmonic(items, middle) < wanted:
            low = middle
        else:
            high = middle
    weights = [(rank + 1) ** -low for rank in range(items)]
    scale = extra / math.fsum(weights)
    exact = [weight * scale for weight in weights]
    counts = [int(value) for value in exact]
    short = extra - sum(counts)
    by_remainder = sorted(range(items), key=lambda i: (counts[i] - exact[i], i))
    for index in by_remainder[:short]:
        counts[index] += 1
    return [count + 1 for count in counts]


def _harmonic(items: int, exponent: float) -> float:
    return math.fsum((rank + 1) ** -exponent for rank in range(items))


class WeightedUsers:
    """Draw users by activity (a few very active, a long tail), distinct within one draw."""

    def __init__(self, user_ids: list[int], exponent: float = 0.6) -> None:
        self.ids = user_ids
        self.rank = {user: rank for rank, user in enumerate(user_ids)}
        self.weights = [(rank + 1) ** -exponent for rank in range(len(user_ids))]
        self.cumulative = []
        running = 0.0
        for weight in self.weights:
            running += weight
            self.cumulative.append(running)

    def one(self, rng: random.Random) -> int:
        return self.ids[bisect_left(self.cumulative, rng.random() * self.cumulative[-1])]

    def distinct(self, rng: random.Random, count: int, exclude: set[int]) -> list[int]:
        """`count` different users, none in `exclude`, favouring the active ones."""
        available = len(self.ids) - len(exclude)
        count = min(count, available)
        chosen: dict[int, None] = {}
        for _ in range(8):
            if len(chosen) >= count or count > available // 3:
                break
            for user in rng.choices(self.ids, cum_weights=self.cumulative,
                                    k=2 * (count - len(chosen))):
                if user not in exclude and user not in chosen:
                    chosen[user] = None
                    if len(chosen) == count:
                        break
        if len(chosen) < count:  # busy predictions reach deep into the long tail
            rest = [user for user in self.ids if user not in exclude and user not in chosen]
            for user in rng.sample(rest, count - len(chosen)):
                chosen[user] = None
        return list(chosen)


def logit(probability: float) -> float:
    return math.log(probability / (1 - probability))


def probability(signal: float) -> float:
    """A forecast as people give them: a whole percentage between 1 % and 99 %."""
    value = 1 / (1 + math.exp(-max(-30.0, min(30.0, signal))))
    return min(0.99, max(0.01, round(value, 2)))


def front_loaded(rng: random.Random, start: int, end: int, power: float = 1.6) -> int:
    """A moment in (start, end], more likely early on (attention fades after posting)."""
    return start + 1 + int((end - start - 1) * rng.random() ** power)
