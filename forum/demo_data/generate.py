"""Generate the whole demo board and write it in one transaction (the caller commits)."""

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update

from forum import cache_versions, clock
from forum.database import roomy_sqlite_cache
from forum.demo_data import phrases, rows, store
from forum.demo_data.activity import make_comments, make_forecasts, make_votes
from forum.demo_data.people import (
    ADMIN,
    OPEN,
    PlannedPrediction,
    plan_predictions,
    plan_users,
    quotable_sentences,
)
from forum.demo_data.shape import WINDOW, WeightedUsers, anchor, to_micros, zipf_counts
from forum.extensions import db
from forum.markdown import render_user_markdown
from forum.models import (
    Article,
    AuditEntry,
    Comment,
    Forecast,
    Notification,
    Prediction,
    Resolution,
    RunningTotals,
    RunningWindow,
    Score,
    User,
    Vote,
)

TABLES = [model.__table__ for model in (User, Prediction, Forecast, Comment, Vote, Resolution,
                                        Score, Notification, AuditEntry)]
BODY_POOL = 1500  # distinct comment bodies, each rendered once


class DemoDataError(ValueError):
    """Sizes that can't be generated, or a database that already holds demo data."""


@dataclass(frozen=True)
class DemoSizes:
    users: int = 200
    predictions: int = 300
    forecasts: int = 10_000
    comments: int = 2_000
    seed: int = 1

    def check(self) -> None:
        """DemoDataError naming every size that can't work."""
        problems = []
        if self.users < 3:
            problems.append("--users must be at least 3 (an admin, a moderator and a member).")
        if self.predictions < 1:
            problems.append("--predictions must be at least 1.")
        if self.forecasts < self.predictions:
            problems.append("--forecasts must be at least --predictions (each prediction "
                            "starts with its author's forecast).")
        if self.comments < 0:
            problems.append("--comments can't be negative.")
        if problems:
            raise DemoDataError(" ".join(problems))


@dataclass
class DemoSummary:
    """What was made, for the command's report."""

    anchor: datetime
    counts: dict[str, int]
    statuses: Counter
    busiest_share: float
    generate_seconds: float = 0.0
    insert_seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


def generate(sizes: DemoSizes, now: datetime | None = None) -> DemoSummary:
    """Plan and insert demo data; the caller commits. Raises DemoDataError."""
    sizes.check()
    began = time.perf_counter()
    data_now = anchor(now or clock.now())
    article = _demo_article(data_now - WINDOW - timedelta(days=2))
    if db.session.scalar(select(User.id).where(User.username_key == ADMIN)) is not None:
        raise DemoDataError(f"this database already has demo data (user {ADMIN}); "
                            "run demo-data on a fresh database.")
    connection = db.session.connection()
    first = store.next_ids(connection, TABLES)
    plan = _plan(sizes, article, first, to_micros(data_now - WINDOW), to_micros(data_now))
    generated = time.perf_counter()
    counts, timings = _insert(connection, plan, first)
    cache_versions.touch(cache_versions.SITE)  # everything is new
    db.session.execute(
        update(Article).where(Article.id == article.id)
        .values(prediction_count=Article.prediction_count + sizes.predictions)
    )
    store.move_sequences(connection, TABLES)
    store.analyze(connection)
    db.session.expire_all()
    return DemoSummary(
        anchor=data_now, counts=counts,
        statuses=Counter(planned.fate for planned in plan.board.predictions),
        busiest_share=max(plan.board.forecasts.spans[i][1] - plan.board.forecasts.spans[i][0]
                          for i in range(sizes.predictions)) / sizes.forecasts,
        generate_seconds=generated - began, insert_seconds=time.perf_counter() - generated,
        timings=timings,
    )


@dataclass
class _Plan:
    users: list[dict]
    board: rows.Board
    moderation: rows.Moderation
    notices: rows.Notices


def _plan(sizes: DemoSizes, article: Article, first: dict[str, int], start_us: int,
          now_us: int) -> _Plan:
    """Everything to insert, decided in one fixed order of draws from the seeded generator."""
    rng = random.Random(sizes.seed)
    users, by_activity = plan_users(rng, sizes.users, start_us, sizes.seed, first["users"])
    active = WeightedUsers(by_activity)
    planned = plan_predictions(rng, sizes.predictions, active, start_us, now_us,
                               quotable_sentences(article.body_text))
    popularity = zipf_counts(sizes.predictions, sizes.forecasts)
    rng.shuffle(popularity)
    busiest_open(planned, popularity)
    forecasts = make_forecasts(rng, planned, popularity, active, now_us)
    forecasts.rows.number(first["forecasts"])
    pool = phrases.comment_pool(rng, max(1, min(sizes.comments, BODY_POOL)))
    comments = make_comments(rng, planned, _spread(rng, popularity, sizes.comments), active,
                             len(pool), now_us)
    comments.rows.number(first["comments"])
    votes = make_votes(rng, planned, forecasts, comments.rows, active, now_us)
    votes.number(first["votes"])
    board = rows.Board(
        article_id=article.id, first_prediction_id=first["predictions"], predictions=planned,
        forecasts=forecasts, comments=comments, votes=votes,
        names={row["id"]: row["username"] for row in users},
        criteria=_rendered(phrases.criteria_pool()), bodies=_rendered(pool),
    )
    rows.fill_crowd(board)
    moderators = [row["id"] for row in users if row["role"] != "member"]
    moderation = rows.moderation_rows(rng, board, moderators, first, now_us)
    notices = rows.Notices(random.Random(f"notices-{sizes.seed}"), board,
                           moderation.resolutions, first["notifications"], now_us)
    return _Plan(users, board, moderation, notices)


def _insert(connection, plan: _Plan, first: dict[str, int]):
    """Insert table by table, parents first; returns (rows, seconds) per table."""
    board = plan.board
    counts, timings = {}, {}
    totals, windows = rows.running_rows(board)
    with roomy_sqlite_cache(connection, megabytes=256):
        for name, table, source in (
            ("users", User, plan.users), ("predictions", Prediction, rows.prediction_rows(board)),
            ("forecasts", Forecast, rows.forecast_rows(board)),
            ("running totals", RunningTotals, totals), ("running windows", RunningWindow, windows),
            ("comments", Comment, rows.comment_rows(board)),
            ("votes", Vote, rows.vote_rows(board)),
            ("resolutions", Resolution, plan.moderation.resolutions),
            ("scores", Score, rows.score_rows(board, first["scores"])),
            ("notifications", Notification, plan.notices),
            ("audit entries", AuditEntry, plan.moderation.audit),
        ):
            started = time.perf_counter()
            counts[name] = store.insert_all(connection, table.__table__, source)
            timings[name] = time.perf_counter() - started
    return counts, timings


def busiest_open(predictions: list[PlannedPrediction], popularity: list[int]) -> None:
    """Give the largest forecast count to an open prediction (the busiest open one swaps
    its count with it), so the demo data always has one open prediction at the top of the
    popularity curve: what `make bench` resolves, and the heaviest prediction page a reader
    can still forecast on. Draws nothing from the generator: other rows keep their shape."""
    open_ones = [planned.index for planned in predictions if planned.fate == OPEN]
    if not open_ones:
        return
    top = max(range(len(popularity)), key=lambda index: (popularity[index], -index))
    chosen = max(open_ones, key=lambda index: (popularity[index], -index))
    popularity[top], popularity[chosen] = popularity[chosen], popularity[top]


def _demo_article(published_by: datetime) -> Article:
    """The bundled article (imported if missing), published before the first prediction."""
    from forum.articles.services import bundled_articles, import_article, parse_article

    files = bundled_articles()
    if not files:
        raise DemoDataError("the content folder has no article to put predictions on.")
    slug = parse_article(files[0].read_text(encoding="utf-8"), str(files[0])).slug
    article = db.session.scalar(select(Article).where(Article.slug == slug))
    if article is None:
        article, _ = import_article(files[0])
    if article.published_at is None or article.published_at > published_by:
        article.published_at = published_by
    db.session.flush()
    return article


def _spread(rng: random.Random, popularity: list[int], total: int) -> list[int]:
    """Comments per prediction: busier predictions draw more discussion, with some luck."""
    if total == 0:
        return [0] * len(popularity)
    weights = [count ** 0.8 * rng.lognormvariate(0, 0.6) for count in popularity]
    drawn = Counter(rng.choices(range(len(popularity)), weights=weights, k=total))
    return [drawn[index] for index in range(len(popularity))]


def _rendered(sources: list[str]) -> list[tuple[str, str]]:
    """(Markdown, sanitised HTML) for each text, rendering each distinct one once."""
    cache: dict[str, str] = {}
    for source in sources:
        if source not in cache:
            cache[source] = render_user_markdown(source)
    return [(source, cache[source]) for source in sources]
