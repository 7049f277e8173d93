"""Leaderboards read from the stored score rows (SCORING.md, "Leaderboard").

One SQL statement aggregates the scores per user (GROUP BY), ranks the users with a window
function in exactly the order of `forum.scoring.aggregate` (relative Brier, then mean Brier,
then the username case-insensitively and then exactly, compared byte by byte) and returns one
page of rows plus the viewer's own row; a second one counts the users. So a leaderboard costs
two queries however many scores there are.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from forum import clock
from forum.articles.services import get_article
from forum.db_hints import leaderboard_article_key, leaderboard_group_key
from forum.errors import Invalid
from forum.extensions import db
from forum.models import Article, Score, User
from forum.pagination import Page, read_page_args

# period -> (label, days back; None for all time)
PERIODS = {
    "all": ("All time", None),
    "year": ("Past year", 365),
    "quarter": ("Past 90 days", 90),
    "month": ("Past 30 days", 30),
}
DEFAULT_PER_PAGE, MAX_PER_PAGE = 50, 100


@dataclass(frozen=True)
class Standing:
    """One leaderboard row."""

    rank: int
    user_id: int
    username: str
    predictions: int
    mean_brier: float
    relative_brier: float

    def as_dict(self) -> dict:
        """The row as SPEC.md §7 shows it."""
        return {"rank": self.rank, "username": self.username, "predictions": self.predictions,
                "mean_brier": self.mean_brier, "relative_brier": self.relative_brier}


@dataclass(frozen=True)
class Leaderboard:
    """A page of a leaderboard, with the viewer's row (None when they have no score in it)."""

    period: str
    article: Article | None
    since: datetime | None
    page: Page
    mine: Standing | None

    @property
    def mine_on_page(self) -> bool:
        return self.mine is not None and any(row.user_id == self.mine.user_id
                                             for row in self.page.items)


@dataclass(frozen=True)
class LeaderboardQuery:
    """What a request asks for: period, article slug (or None), page, per_page."""

    period: str
    article_slug: str | None
    page: int
    per_page: int


def read_leaderboard_args(args) -> LeaderboardQuery:
    """`period`, `article`, `page` and `per_page` from a query string; Invalid when bad."""
    errors: dict[str, list[str]] = {}
    period = args.get("period", "all")
    if period not in PERIODS:
        errors["period"] = [f"period is one of: {', '.join(PERIODS)}."]
    slug = (args.get("article") or "").strip() or None
    if slug is not None and len(slug) > 120:
        errors["article"] = ["article is an article's slug (at most 120 characters)."]
    try:
        page, per_page = read_page_args(args, DEFAULT_PER_PAGE, MAX_PER_PAGE)
    except Invalid as error:
        errors.update(error.fields or {})
    if errors:
        raise Invalid(errors, message=" ".join(m for ms in errors.values() for m in ms))
    return LeaderboardQuery(period, slug, page, per_page)


def find_article(slug: str | None) -> Article | None:
    """The article a leaderboard is filtered to; NotFound for an unknown slug."""
    if slug is None:
        return None
    return get_article(slug)


def period_start(period: str, now: datetime | None = None) -> datetime | None:
    """The earliest resolved_at a period counts (inclusive); None for all time.

    "Resolved in the last 30 days" includes a score resolved exactly 30 days ago to the
    microsecond, and leaves out one resolved a microsecond earlier.
    """
    days = PERIODS[period][1]
    if days is None:
        return None
    return (now or clock.now()) - timedelta(days=days)


def score_filter(*, since: datetime | None = None, article_id: int | None = None) -> list:
    """SQL conditions on Score for a period and an article."""
    conditions = []
    if since is not None:
        conditions.append(Score.resolved_at >= since)
    if article_id is not None:
        # off the article's calibration index: see db_hints
        conditions.append(leaderboard_article_key(Score.article_id) == article_id)
    return conditions


def bytewise(column):
    """Compare text byte by byte, as Python compares str (PostgreSQL's locale would not)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column.collate("C")
    return column  # SQLite's default collation is already BINARY


def standings(conditions: list, *, first: int = 0, limit: int | None = None,
              viewer_id: int | None = None) -> list[Standing]:
    """Ranked rows `first`+1 .. `first`+`limit` of the scores matching `conditions`, plus the
    viewer's row wherever it ranks; one query."""
    user = leaderboard_group_key(Score.user_id)  # kept off SQLite's indexes: see db_hints
    totals = (
        select(user.label("user_id"), func.count().label("predictions"),
               func.avg(Score.brier).label("mean_brier"),
               func.sum(Score.relative_brier).label("relative_brier"))
        .where(*conditions).group_by(user).subquery("totals")
    )
    rank = func.row_number().over(order_by=(
        totals.c.relative_brier, totals.c.mean_brier, bytewise(User.username_key),
        bytewise(User.username),
    ))
    ranked = (
        select(totals, User.username, rank.label("rank"))
        .join(User, User.id == totals.c.user_id).subquery("ranked")
    )
    wanted = ranked.c.rank > first
    if limit is not None:
        wanted = ranked.c.rank.between(first + 1, first + limit)
    if viewer_id is not None:
        wanted = or_(wanted, ranked.c.user_id == viewer_id)
    rows = db.session.execute(select(ranked).where(wanted).order_by(ranked.c.rank)).all()
    return [
        Standing(rank=row.rank, user_id=row.user_id, username=row.username,
                 predictions=row.predictions, mean_brier=float(row.mean_brier),
                 relative_brier=float(row.relative_brier))
        for row in rows
    ]


def ranked_users(conditions: list) -> int:
    """How many users have a score matching `conditions`."""
    return db.session.scalar(
        select(func.count(func.distinct(Score.user_id))).where(*conditions)
    ) or 0


def leaderboard(query: LeaderboardQuery, viewer_id: int | None = None,
                now: datetime | None = None) -> Leaderboard:
    """A page of the leaderboard a request asks for (NotFound for an unknown article)."""
    article = find_article(query.article_slug)
    since = period_start(query.period, now)
    conditions = score_filter(since=since, article_id=article.id if article else None)
    first = (query.page - 1) * query.per_page
    rows = standings(conditions, first=first, limit=query.per_page, viewer_id=viewer_id)
    mine = next((row for row in rows if row.user_id == viewer_id), None)
    items = [row for row in rows if first < row.rank <= first + query.per_page]
    page = Page(items=items, page=query.page, per_page=query.per_page,
                total=ranked_users(conditions))
    return Leaderboard(period=query.period, article=article, since=since, page=page, mine=mine)
