"""Reading the board: lists with sorts, filters, search and pages; one prediction; votes."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, case, func, literal, select, union_all
from sqlalchemy.orm import joinedload

from forum import cache_versions, clock, search
from forum.database import prebuilt
from forum.errors import Invalid
from forum.extensions import db
from forum.lifecycle import CLOSED, OPEN, STATUSES, open_clause, status_clause
from forum.models import Article, Forecast, Prediction, PredictionRevision, User, Vote
from forum.pagination import Page
from forum.scoring import ForecastPoint
from forum.text import line_problem
from forum.visibility import load_prediction, shown_to

SORTS = {
    "hot": "Hot",
    "top": "Top",
    "new": "New",
    "resolving": "Resolving soon",
    "forecasts": "Most forecast",
}
STATUS_FILTERS = ("all", *STATUSES)
SEARCH_MAX = 200
# A search's results by how well they match: the board's order for a search with no `sort`;
# in the API a `sort` value beside SPEC.md §7's, whose default stays `hot`.
RELEVANCE = "relevance"


def _order(sort: str):
    if sort == "top":
        return (Prediction.vote_score.desc(), Prediction.created_at.desc(), Prediction.id.desc())
    if sort == "new":
        return (Prediction.created_at.desc(), Prediction.id.desc())
    if sort == "resolving":  # open ones first: those are the ones still to come
        still_open = case((open_clause(Prediction, clock.today()), 0), else_=1)
        return (still_open, Prediction.resolution_date.asc(), Prediction.id.asc())
    if sort == "forecasts":
        return (Prediction.forecast_count.desc(), Prediction.id.desc())
    return (Prediction.hot_rank.desc(), Prediction.id.desc())  # within a group: see _hot_page


def sorts_for(query: str) -> dict[str, str]:
    """The sorts a list offers: "best match" first when it is a search."""
    return {RELEVANCE: "Best match", **SORTS} if query else SORTS


def read_list_args(args, *, search_sort: str = RELEVANCE) -> tuple[str, str, str]:
    """`status`, `sort` and `q` from a query string; Invalid when a value is unknown or the
    search has no words to look for. `sort` may be RELEVANCE (the best matches first) with a
    search; with `q` and no `sort`, the order is `search_sort`: the best matches on the board,
    `hot` in the API (SPEC.md §7's default for `sort`, which a client may rely on)."""
    raw_query = args.get("q") or ""
    query = " ".join(raw_query.split())  # split() would turn U+0085 into a space: check first
    status, sort = args.get("status", "all"), args.get("sort", search_sort if query else "hot")
    errors = {}
    if problem := line_problem(raw_query):
        errors["q"] = [problem]
    elif len(query) > SEARCH_MAX:
        errors["q"] = [f"Search for at most {SEARCH_MAX} characters."]
    elif query:
        try:
            search.parse(query)
        except Invalid as error:
            errors.update(error.fields)
    if status not in STATUS_FILTERS:
        errors["status"] = [f"status is one of: {', '.join(STATUS_FILTERS)}."]
    if sort == RELEVANCE and not query:
        errors["sort"] = [f"sort={RELEVANCE} orders a search: it needs q."]
    elif sort not in SORTS and sort != RELEVANCE:
        errors["sort"] = [f"sort is one of: {', '.join(SORTS)} (and {RELEVANCE} with q)."]
    if errors:  # the message too: a page shows it, where the API names the fields
        raise Invalid(errors, message=" ".join(m for ms in errors.values() for m in ms))
    return status, sort, query


def list_predictions(article: Article, *, status="all", sort="hot", query="", page=1,
                     per_page=20, viewer=None) -> Page:
    """A page of the article's predictions visible to the viewer (the public's by default),
    with authors loaded (two queries in all). With a search `query` (forum.search): only those
    holding every word, ranked by relevance unless `sort` says otherwise; the page's `extra`
    then has the parsed `search` and the `snippets` that show where words were found."""
    conditions = [Prediction.article_id == article.id, shown_to(viewer)]
    if (clause := status_clause(Prediction, status, clock.today())) is not None:
        conditions.append(clause)
    sort = sort if query or sort in SORTS else "hot"
    # Hot on the whole board: open predictions first, then those awaiting resolution, then
    # the resolved and annulled (issue 13); within each, the contracted hot rank.
    by_group = sort == "hot" and status == "all"
    if not query:
        if by_group:
            return _hot_page(conditions, page, per_page)
        total = db.session.scalar(select(func.count(Prediction.id)).where(*conditions))
        items = _sorted_page(conditions, sort, page, per_page)
        return Page(items=items, page=page, per_page=per_page, total=total)
    words = search.parse(query)
    found = search.match(words)
    conditions += found.conditions
    if sort == RELEVANCE:
        items, total = _ranked_page(found.score, conditions, page, per_page)
    elif by_group:
        grouped = _hot_page(conditions, page, per_page)
        items, total = grouped.items, grouped.total
    else:
        total = db.session.scalar(select(func.count(Prediction.id)).where(*conditions))
        items = _sorted_page(conditions, sort, page, per_page)
    return Page(items=items, page=page, per_page=per_page, total=total,
                extra={"search": words, "snippets": search.snippets(words, items)})


def _ranked_page(score, conditions: list, page: int, per_page: int):
    """The page's predictions by relevance and the number of matches: one statement reads
    the matches once (with their score) and both counts them and cuts the page from them,
    keeping only the page's rows while it sorts; then one load."""
    matches = select(Prediction.id, score.label("score"), Prediction.hot_rank).where(
        *conditions).cte("matches").prefix_with("MATERIALIZED")
    total = select(func.count()).select_from(matches).scalar_subquery()
    rows = db.session.execute(
        select(matches.c.id, total)
        # Ties (words found only in comments) go to the busier and newer: the hot rank.
        .order_by(matches.c.score.desc(), matches.c.hot_rank.desc(), matches.c.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).all()
    if rows:
        total = rows[0][1]
    else:  # past the last page (or nothing matched): count on its own
        total = db.session.scalar(select(func.count(Prediction.id)).where(*conditions))
    loaded = {prediction.id: prediction
              for prediction in _rows(Prediction.id.in_([row[0] for row in rows]))}
    return [loaded[row[0]] for row in rows], total


def _rows(*criteria, order_by=()) -> list[Prediction]:
    """A page's predictions with their authors, in one query. Their article is the list's
    own, already in the session, so each row's `article` comes from the identity map instead
    of being joined in: its body (the whole article) made up most of the bytes a page read."""
    return list(db.session.scalars(select(Prediction).options(joinedload(Prediction.author))
                                   .where(*criteria).order_by(*order_by)))


def _sorted_page(conditions: list, sort: str, page: int, per_page: int):
    # A deferred join: the page's ids come from the board index alone (skipping `offset`
    # index entries, not joined table rows), then only those rows are loaded; page 500
    # drops from 16-550 ms to under 1 ms on 20,000 predictions. Not correlated: a search's
    # conditions join another table, and auto-correlation would make the ids' `predictions`
    # the outer query's row (a subquery run per row, which SQLite refuses).
    page_ids = (
        select(Prediction.id).where(*conditions).order_by(*_order(sort))
        .limit(per_page).offset((page - 1) * per_page).correlate(None)
    ).scalar_subquery()
    return _rows(Prediction.id.in_(page_ids), order_by=_order(sort))


def _hot_page(conditions: list, page: int, per_page: int) -> Page:
    """Hot over every status: the open predictions first, then those awaiting resolution, then
    the resolved and annulled, each group by the stored rank (SPEC.md §7).

    One ORDER BY over a group expression would sort every row of the article (290 ms on
    20,000 predictions against 28 ms); instead the groups are counted in one statement, and
    the page's ids read from each group it overlaps through the board's indexes, in one
    more (three queries in all, however large the board)."""
    today = clock.today()
    groups = (open_clause(Prediction, today), status_clause(Prediction, CLOSED, today),
              Prediction.status != OPEN)
    counts = db.session.execute(
        select(*(func.coalesce(func.sum(case((group, 1), else_=0)), 0) for group in groups))
        .where(*conditions)
    ).one()
    start, arms = (page - 1) * per_page, []
    for index, (group, count) in enumerate(zip(groups, counts, strict=True)):
        skip, take = max(start, 0), min(count - max(start, 0), per_page - sum(
            arm[2] for arm in arms))
        start -= count
        arms.append((index, group, max(take, 0), skip))
    ranked = union_all(*(
        select(inner.c.id, inner.c.hot_rank, literal(index).label("grp")).select_from(inner)
        for index, inner in (
            (index, select(Prediction.id, Prediction.hot_rank).where(*conditions, group)
             .order_by(*_order("hot")).limit(take).offset(skip).subquery())
            for index, group, take, skip in arms)
    ))
    rows = sorted(db.session.execute(ranked).all(),
                  key=lambda row: (row.grp, -row.hot_rank, -row.id))
    order = {row.id: position for position, row in enumerate(rows)}
    items = _rows(Prediction.id.in_(list(order) or [-1]))
    return Page(items=sorted(items, key=lambda item: order[item.id]), page=page,
                per_page=per_page, total=sum(counts))


def get_prediction(prediction_id: int, viewer) -> Prediction:
    """One prediction with its author and article; NotFound when missing or hidden from the
    viewer (forum.visibility decides)."""
    return load_prediction(prediction_id, viewer)


def forecasts_of(prediction_id: int) -> list[Forecast]:
    """Every forecast on a prediction, oldest first, with its user."""
    return list(db.session.scalars(
        select(Forecast).options(joinedload(Forecast.user))
        .where(Forecast.prediction_id == prediction_id)
        .order_by(Forecast.created_at, Forecast.id)
    ))


def revisions_of(prediction_id: int) -> list[PredictionRevision]:
    """The texts a prediction had before each edit, newest first."""
    return list(db.session.scalars(
        select(PredictionRevision).options(joinedload(PredictionRevision.editor))
        .where(PredictionRevision.prediction_id == prediction_id)
        .order_by(PredictionRevision.created_at.desc(), PredictionRevision.id.desc())
    ))


def my_votes(user, *, prediction_ids=(), comment_ids=()) -> dict[tuple[str, int], int]:
    """The viewer's votes on the given targets: {("prediction", id): 1, ("comment", id): -1}."""
    if not getattr(user, "is_authenticated", False) or not (prediction_ids or comment_ids):
        return {}
    prediction_ids, comment_ids = tuple(prediction_ids) or (-1,), tuple(comment_ids) or (-1,)
    rows = cache_versions.while_unchanged(  # a member's page asks on every request
        ("votes", user.id, prediction_ids, comment_ids),
        lambda: tuple(tuple(row) for row in db.session.execute(_votes_statement(), {
            "user_id": user.id, "prediction_ids": list(prediction_ids),
            "comment_ids": list(comment_ids)})))
    votes = {}
    for prediction_id, comment_id, value in rows:
        key = ("prediction", prediction_id) if prediction_id else ("comment", comment_id)
        votes[key] = value
    return votes


@prebuilt
def _votes_statement():
    # One arm per target kind, each answered by its (user_id, target) unique index; with an
    # OR the planners scan all of the member's votes instead (29 ms for a busy member).
    columns = (Vote.prediction_id, Vote.comment_id, Vote.value)
    return union_all(
        select(*columns).where(Vote.user_id == bindparam("user_id"), Vote.prediction_id.in_(
            bindparam("prediction_ids", expanding=True))),
        select(*columns).where(Vote.user_id == bindparam("user_id"), Vote.comment_id.in_(
            bindparam("comment_ids", expanding=True))),
    )


@dataclass(frozen=True)
class ForecastRow:
    """A forecast as the prediction page lists it."""

    id: int
    user_id: int
    username: str
    probability: float
    created_at: datetime
    reason: str | None = None

    @property
    def point(self) -> ForecastPoint:
        return ForecastPoint(self.id, self.user_id, self.probability, self.created_at)


def forecast_rows(prediction_id: int, user_id: int | None = None) -> list[ForecastRow]:
    """Every forecast on a prediction (or one user's) with the forecaster's name, oldest
    first (one query; one user's is kept while the database is unchanged: a member's page
    asks for theirs on every request, as the rows themselves: they are frozen)."""
    if user_id is None:
        return [ForecastRow(*row) for row in _forecast_rows(prediction_id, None)]
    return list(cache_versions.while_unchanged(
        ("forecast-rows", prediction_id, user_id),
        lambda: tuple(ForecastRow(*row) for row in _forecast_rows(prediction_id, user_id))))


def _forecast_rows(prediction_id: int, user_id: int | None):
    mine = () if user_id is None else (Forecast.user_id == user_id,)
    return db.session.execute(
        select(Forecast.id, Forecast.user_id, User.username, Forecast.probability,
               Forecast.created_at, Forecast.reason)
        .join(User, User.id == Forecast.user_id)
        .where(Forecast.prediction_id == prediction_id, *mine)
        .order_by(Forecast.created_at, Forecast.id))


def my_standing(user, prediction_ids) -> dict[int, float]:
    """The viewer's standing (latest) forecast on each of the given predictions (one query)."""
    ids = list(prediction_ids)
    if not getattr(user, "is_authenticated", False) or not ids:
        return {}
    rows = db.session.execute(_standing_statement(), {"user_id": user.id, "ids": ids}).all()
    return {prediction_id: probability for prediction_id, probability in rows}  # latest wins


@prebuilt
def _standing_statement():
    return (
        select(Forecast.prediction_id, Forecast.probability)
        .where(Forecast.user_id == bindparam("user_id"),
               Forecast.prediction_id.in_(bindparam("ids", expanding=True)))
        # In the order of the (user, prediction, time) index: ordered by time alone, SQLite
        # reads every forecast of the member's by time instead once the page has 20 rows
        # (41 ms for the demo's busiest member at full size, against 0.3 ms).
        .order_by(Forecast.prediction_id, Forecast.created_at, Forecast.id)
    )


def forecast_points_by_prediction(prediction_ids) -> dict[int, list[ForecastPoint]]:
    """The forecasts of several predictions at once, for their sparklines (one query)."""
    ids = list(prediction_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Forecast.prediction_id, Forecast.id, Forecast.user_id, Forecast.probability,
               Forecast.created_at)
        .where(Forecast.prediction_id.in_(ids))
    ).all()
    points: dict[int, list[ForecastPoint]] = defaultdict(list)
    for prediction_id, *values in rows:
        points[prediction_id].append(ForecastPoint(*values))
    return points


def quoting_predictions(article: Article) -> list[tuple[int, str, str]]:
    """(id, title, quote) of the article's visible predictions that quote it, hottest first."""
    return [tuple(row) for row in db.session.execute(
        select(Prediction.id, Prediction.title, Prediction.quote)
        .where(Prediction.article_id == article.id, Prediction.hidden.is_(False),
               Prediction.quote.is_not(None))
        .order_by(Prediction.hot_rank.desc(), Prediction.id.desc())
    )]
