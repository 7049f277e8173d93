"""What members do on the predictions: forecasts that drift towards the outcome, threaded
comments, and votes. Rows are generated per prediction, then numbered in time order across
the whole board (as autoincrement ids would be), so no prediction's rows sit together."""

import random
from array import array
from dataclasses import dataclass, field

from forum.demo_data.people import DAY, HOUR, MICROS, PlannedPrediction
from forum.demo_data.shape import WeightedUsers, front_loaded, probability

# Forecasts per forecaster (1 + extra updates), and votes per forecast on a prediction.
FORECASTS_PER_FORECASTER = 1.7
PREDICTION_VOTES_PER_FORECAST = 0.2


@dataclass
class Rows:
    """Parallel arrays, one entry per row; `order` lists entries by time (id order)."""

    owner: array = field(default_factory=lambda: array("l"))  # prediction index
    user: array = field(default_factory=lambda: array("l"))
    time: array = field(default_factory=lambda: array("q"))
    value: array = field(default_factory=lambda: array("d"))  # probability / vote value
    extra: array = field(default_factory=lambda: array("l"))  # parent, body or comment index
    order: list[int] = field(default_factory=list)
    ids: array = field(default_factory=lambda: array("l"))  # the id of each entry

    def add(self, owner: int, user: int, time: int, value: float = 0.0, extra: int = -1):
        self.owner.append(owner)
        self.user.append(user)
        self.time.append(time)
        self.value.append(value)
        self.extra.append(extra)

    def __len__(self) -> int:
        return len(self.owner)

    def number(self, first_id: int) -> None:
        """Give ids in time order (ties: generation order, so a parent precedes its reply)."""
        # A stable sort: entries made at the same instant keep their generation order.
        self.order = sorted(range(len(self)), key=self.time.__getitem__)
        self.ids = array("l", bytes(8 * len(self)))
        for position, index in enumerate(self.order):
            self.ids[index] = first_id + position


@dataclass
class Forecasts:
    rows: Rows
    spans: list[tuple[int, int]]  # each prediction's entries [lo, hi)
    forecasters: list[list[int]]  # each prediction's forecasters, the author first


def make_forecasts(rng: random.Random, predictions: list[PlannedPrediction], counts: list[int],
                   users: WeightedUsers, now: int) -> Forecasts:
    """`counts[i]` forecasts on prediction i: the author's at its creation, then other
    members' (front-loaded), each drifting from the author's prior towards the truth."""
    skill = {user: (rng.uniform(0.25, 0.9), rng.gauss(0, 0.3)) for user in users.ids}
    rows, spans, everyone = Rows(), [], []
    for prediction, count in zip(predictions, counts, strict=True):
        lo = len(rows)
        wanted = max(1, min(len(users.ids), round(count / FORECASTS_PER_FORECASTER)))
        others = users.distinct(rng, min(wanted, count) - 1, exclude={prediction.author})
        forecasters = [prediction.author, *others]
        updates = [0] * len(forecasters)
        activity = [users.weights[users.rank[user]] for user in forecasters]
        for slot in rng.choices(range(len(forecasters)), weights=activity,
                                k=count - len(forecasters)):
            updates[slot] += 1
        end = min(prediction.forecasts_end, now)
        start = prediction.created
        rows.add(prediction.index, prediction.author, start, prediction.prior)
        for slot, user in enumerate(forecasters):
            first = start if slot == 0 else front_loaded(rng, start, end)
            times = sorted(rng.randrange(first + 1, end + 1) if end > first + 1 else end
                           for _ in range(updates[slot]))
            for moment in ([] if slot == 0 else [first]) + times:
                rows.add(prediction.index, user, moment,
                         _forecast(rng, prediction, moment, skill[user]))
        spans.append((lo, len(rows)))
        everyone.append(forecasters)
    return Forecasts(rows, spans, everyone)


def _forecast(rng, prediction: PlannedPrediction, moment: int, skill) -> float:
    """Logit of the prior moving towards ±2.5 as the truth becomes known, plus the
    forecaster's own bias and noise."""
    life = max(prediction.signal_end - prediction.created, 1)
    progress = min(1.0, max(0.0, (moment - prediction.created) / life)) ** 1.5
    target = 2.5 if prediction.truth else -2.5
    signal = prediction.prior_logit * (1 - progress) + target * progress
    noise, bias = skill
    return probability(signal + bias + rng.gauss(0, noise))


@dataclass
class Comments:
    rows: Rows  # `extra` is the parent's entry, -1 for none
    body: array  # index into the body pool; -1: deleted by its author; -2 - index: hidden
    edited: array  # when it was edited (or deleted), 0 for never


def make_comments(rng: random.Random, predictions: list[PlannedPrediction], counts: list[int],
                  users: WeightedUsers, bodies: int, now: int) -> Comments:
    """Threaded comments: about half reply to an earlier comment (mostly a recent one); a
    few are edited, deleted by their author or hidden by a moderator."""
    rows, body, edited = Rows(), array("l"), array("q")
    for prediction, count in zip(predictions, counts, strict=True):
        if not count:
            continue
        latest = min(now, (prediction.latest.resolved_at + 14 * DAY) if prediction.log else now)
        start = prediction.created + 60 * MICROS
        times = sorted(rng.randrange(start, max(latest, start + 1)) for _ in range(count))
        entries: list[int] = []
        for position, moment in enumerate(times):
            parent = -1
            if position and rng.random() < 0.5:
                back = min(position - 1, int(rng.expovariate(0.4)))
                parent = entries[position - 1 - back]
            author = users.one(rng)
            if parent >= 0 and author == rows.user[parent]:
                author = users.one(rng)
            entries.append(len(rows))
            rows.add(prediction.index, author, moment, extra=parent)
            draw, chosen = rng.random(), rng.randrange(bodies)
            body.append(-1 if draw < 0.003 else (-2 - chosen if draw < 0.007 else chosen))
            changed = draw < 0.003 or draw > 0.97
            edited.append(min(now, moment + rng.randrange(60 * MICROS, HOUR)) if changed else 0)
    return Comments(rows, body, edited)


def make_votes(rng: random.Random, predictions: list[PlannedPrediction], forecasts: Forecasts,
               comments: Rows, users: WeightedUsers, now: int) -> Rows:
    """Votes on predictions (mostly by their forecasters, until resolved) and on comments
    (within days of posting). `owner` is the prediction entry or -1, `extra` the comment
    entry or -1, `value` +1 or -1; never on one's own, at most one per member and target."""
    rows = Rows()
    for prediction, forecasters in zip(predictions, forecasts.forecasters, strict=True):
        count = round(len(forecasters) * FORECASTS_PER_FORECASTER
                      * PREDICTION_VOTES_PER_FORECAST * rng.lognormvariate(0, 0.5))
        voters = list(forecasters[1:])
        rng.shuffle(voters)
        voters = voters[:count]
        if len(voters) < count:
            voters += users.distinct(rng, count - len(voters),
                                     exclude={prediction.author, *voters})
        liked = rng.uniform(0.55, 0.92)
        end = min(now, prediction.log[0].resolved_at if prediction.log else now)
        for user in voters:
            moment = front_loaded(rng, prediction.created, max(end, prediction.created + 2))
            rows.add(prediction.index, user, moment, 1.0 if rng.random() < liked else -1.0)
    for entry in range(len(comments)):
        count = 0
        while rng.random() < 0.45 and count < 40:
            count += 1
        if not count:
            continue
        posted = comments.time[entry]
        for user in users.distinct(rng, count, exclude={comments.user[entry]}):
            moment = min(now, front_loaded(rng, posted, max(min(posted + 5 * DAY, now), posted + 2)))
            rows.add(-1, user, moment, 1.0 if rng.random() < 0.8 else -1.0, extra=entry)
    return rows
