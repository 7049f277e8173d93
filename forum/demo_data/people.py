"""Demo members and the predictions they post: who, when, about what, and how each ends."""

import hashlib
import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from forum.demo_data import phrases
from forum.demo_data.shape import DAY, MICROS, from_micros, logit, to_micros
from forum.scoring import scheduled_close

DEMO_PASSWORD = "demo-password"  # every demo member's; shown by the command, never for real use
ADMIN, MEMBER = "demo_admin", "demo_member"  # the admin, and the most active member
HOUR = 3600 * MICROS

# How far ahead people set resolution dates (days), and how often.
HORIZONS = (14, 30, 45, 60, 90, 120, 180, 270, 365, 540, 730, 1095)
HORIZON_WEIGHTS = (4, 10, 6, 12, 14, 10, 14, 8, 10, 4, 5, 3)

OPEN, AWAITING, RESOLVED, ANNULLED = "open", "awaiting", "resolved", "annulled"


@dataclass
class ResolutionEntry:
    outcome: str
    outcome_time: int
    resolved_at: int
    is_correction: bool = False


@dataclass
class PlannedPrediction:
    """A prediction with its fate decided up front; times in microseconds since 1970."""

    index: int
    author: int
    created: int
    resolution_date: date
    fate: str
    truth: bool  # the eventual outcome, hidden until resolved
    prior: float  # the author's probability
    title: str
    criteria: int  # index into the criteria pool
    quote: str | None
    log: list[ResolutionEntry] = field(default_factory=list)

    @property
    def close(self) -> int:
        """T_close in microseconds."""
        return to_micros(scheduled_close(self.resolution_date))

    @property
    def latest(self) -> ResolutionEntry | None:
        return self.log[-1] if self.log else None

    @property
    def forecasts_end(self) -> int:
        """The last moment forecasts were accepted (before the data's "now" for open ones)."""
        if self.fate == RESOLVED and self.latest.outcome_time >= self.close:
            return self.close
        if self.fate in (RESOLVED, ANNULLED):
            return min(self.log[0].resolved_at, self.close)
        return self.close

    @property
    def signal_end(self) -> int:
        """When the truth is fully known: the outcome time, else the scheduled close."""
        return self.latest.outcome_time if self.log else self.close

    @property
    def prior_logit(self) -> float:
        return logit(self.prior)


def password_hash(seed: int) -> str:
    """A scrypt hash of DEMO_PASSWORD in Werkzeug's format, with a salt fixed by the seed
    (so the rows are the same every run; one hash serves every demo member)."""
    salt = hashlib.sha256(f"forecast-forum-demo-{seed}".encode()).hexdigest()[:16]
    digest = hashlib.scrypt(DEMO_PASSWORD.encode(), salt=salt.encode(), n=2**15, r=8, p=1,
                            maxmem=132 * 2**15 * 8).hex()
    return f"scrypt:32768:8:1${salt}${digest}"


def plan_users(rng: random.Random, count: int, start: int, seed: int, first_id: int):
    """Rows for `count` users, ids in order of joining, and their ids by activity rank
    (index 0 is the most active: demo_member)."""
    moderators = max(1, count // 100)
    names = [ADMIN, MEMBER, *phrases.usernames(rng, count - 2)]
    roles = ["admin", "member", *(["moderator"] * moderators),
             *(["member"] * (count - 2 - moderators))]
    joined = [start - rng.randrange(DAY, 500 * DAY) for _ in range(count)]
    order = sorted(range(count), key=lambda i: (joined[i], i))
    hashed = password_hash(seed)
    rows, id_of = [], {}
    for position, index in enumerate(order):
        user_id = first_id + position
        id_of[index] = user_id
        suspended = roles[index] == "member" and index > 1 and rng.random() < 0.005
        rows.append({
            "id": user_id, "username": names[index], "username_key": names[index].lower(),
            "email": f"{names[index].lower()}@example.com", "password_hash": hashed,
            "role": roles[index], "bio": rng.choice(phrases.BIOS) if rng.random() < 0.3 else "",
            "suspended": suspended, "joined_at": from_micros(joined[index]),
            "email_verified_at": from_micros(joined[index]),  # demo members can log in
        })
    by_activity = [id_of[i] for i in range(2, count)]
    rng.shuffle(by_activity)
    return rows, [id_of[1], *by_activity, id_of[0]][:count]


def quotable_sentences(body_text: str) -> list[str]:
    """Sentences of the article's plain text that make sensible quotes."""
    sentences = re.split(r"(?<=[.!?])\s+", body_text)
    return [sentence for sentence in sentences if 40 <= len(sentence) <= 300]


def plan_predictions(rng: random.Random, count: int, authors, start: int, now: int,
                     quotes: list[str]) -> list[PlannedPrediction]:
    """`count` predictions created between `start` and `now`, denser lately, each with its
    resolution date and fate: open, awaiting resolution, resolved (a few corrected), annulled."""
    created = sorted(start + int((now - HOUR - start) * rng.random() ** 0.85)
                     for _ in range(count))
    horizon_cumulative = _cumulative(HORIZON_WEIGHTS)
    predictions = []
    for index, moment in enumerate(created):
        horizon = rng.choices(HORIZONS, cum_weights=horizon_cumulative)[0]
        resolution_date = (from_micros(moment) + timedelta(days=horizon)).date()
        predictions.append(_planned(rng, index, authors.one(rng), moment, resolution_date,
                                    now, quotes))
    return predictions


def _planned(rng, index, author, created, resolution_date, now, quotes) -> PlannedPrediction:
    prior = round(min(0.97, max(0.03, rng.betavariate(1.4, 1.6))), 2)
    prediction = PlannedPrediction(
        index=index, author=author, created=created, resolution_date=resolution_date,
        fate=OPEN, truth=rng.random() < 0.4, prior=prior, title="", criteria=0,
        quote=rng.choice(quotes) if quotes and rng.random() < 0.3 else None,
    )
    _decide_fate(rng, prediction, now)
    prediction.title = phrases.title(rng, _spoken(prediction.resolution_date))
    prediction.criteria = rng.randrange(len(phrases.CRITERIA) * len(phrases.SOURCES))
    return prediction


def _decide_fate(rng: random.Random, prediction: PlannedPrediction, now: int) -> None:
    close, created = prediction.close, prediction.created
    draw = rng.random()
    if close + 3 * DAY <= now:  # past its date: almost always resolved by now
        if close > now - 45 * DAY and draw < 0.25:
            prediction.fate = AWAITING
        elif draw < 0.06:
            _resolve(rng, prediction, ANNULLED, close, close + rng.randrange(HOUR, 3 * DAY), now)
        else:
            resolved_at = close + rng.randrange(HOUR, 3 * DAY)
            _resolve(rng, prediction, RESOLVED, close, resolved_at, now)
    elif draw < 0.115 and now - created > 3 * DAY:  # the outcome became known early
        known = created + int((now - created) * rng.uniform(0.2, 0.9))
        resolved_at = min(known + rng.randrange(10 * 60 * MICROS, 2 * DAY), now - HOUR)
        if draw < 0.10:
            prediction.truth = rng.random() < 0.8  # events that happen early are mostly yeses
            _resolve(rng, prediction, RESOLVED, known, max(resolved_at, known), now)
        else:
            _resolve(rng, prediction, ANNULLED, known, max(resolved_at, known), now)
    else:  # open: keep its date clear of the real clock for a whole step (shape.STEP)
        earliest = (from_micros(now) + timedelta(days=92)).date()
        if prediction.resolution_date < earliest:
            prediction.resolution_date = earliest + timedelta(days=rng.randrange(60))


def _resolve(rng, prediction, fate, outcome_time, resolved_at, now) -> None:
    prediction.fate = fate
    if fate == ANNULLED:
        prediction.log.append(ResolutionEntry("annulled", outcome_time, resolved_at))
        return
    truth = "yes" if prediction.truth else "no"
    if rng.random() < 0.03 and resolved_at + HOUR < now:  # first resolved wrongly, corrected
        wrong = "no" if prediction.truth else "yes"
        prediction.log.append(ResolutionEntry(wrong, outcome_time, resolved_at))
        resolved_at = min(resolved_at + rng.randrange(HOUR, 4 * DAY), now)
        prediction.log.append(ResolutionEntry(truth, outcome_time, resolved_at, True))
    else:
        prediction.log.append(ResolutionEntry(truth, outcome_time, resolved_at))


def _spoken(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _cumulative(weights) -> list[float]:
    total, running = [], 0.0
    for weight in weights:
        running += weight
        total.append(running)
    return total
