"""Reading the board: lists with sorts, filters, search and pages; one prediction; votes."""

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from forum import clock
from forum.errors import Invalid, NotFound
from forum.extensions import db
from forum.lifecycle import STATUSES, status_clause
from forum.models import Article, Forecast, Prediction, PredictionRevision, Vote
from forum.pagination import Page

SORTS = {
    "hot": "Hot",
    "top": "Top",
    "new": "New",
    "resolving": "Resolving soon",
    "forecasts": "Most forecast",
}
STATUS_FILTERS = ("all", *STATUSES)
SEARCH_MAX = 200


def _order(sort: str):
    if sort == "top":
        return (Prediction.vote_score.desc(), Prediction.created_at.desc(), Prediction.id.desc())
    if sort == "new":
        return (Prediction.created_at.desc(), Prediction.id.desc())
    if sort == "resolving":
        return (Prediction.resolution_date.asc(), Prediction.id.asc())
    if sort == "forecasts":
        return (Prediction.forecast_count.desc(), Prediction.id.desc())
    return (Prediction.hot_rank.desc(), Prediction.id.desc())


def read_list_args(args) -> tuple[str, str, str]:
    """`status`, `sort` and `q` from a query string; Invalid when a value is unknown."""
    status, sort = args.get("status", "all"), args.get("sort", "hot")
    query = (args.get("q") or "").strip()
    errors = {}
    if status not in STATUS_FILTERS:
        errors["status"] = [f"status is one of: {', '.join(STATUS_FILTERS)}."]
    if sort not in SORTS:
        errors["sort"] = [f"sort is one of: {', '.join(SORTS)}."]
    if len(query) > SEARCH_MAX:
        errors["q"] = [f"Search for at most {SEARCH_MAX} characters."]
    if errors:
        raise Invalid(errors)
    return status, sort, query


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_predictions(article: Article, *, status="all", sort="hot", query="", page=1,
                     per_page=20, include_hidden=False) -> Page:
    """A page of the article's predictions, with authors loaded (two queries in all)."""
    conditions = [Prediction.article_id == article.id]
    if not include_hidden:
        conditions.append(Prediction.hidden.is_(False))
    if (clause := status_clause(Prediction, status, clock.today())) is not None:
        conditions.append(clause)
    if query:
        pattern = f"%{_escape_like(query)}%"
        conditions.append(or_(Prediction.title.ilike(pattern, escape="\\"),
                              Prediction.criteria.ilike(pattern, escape="\\")))
    total = db.session.scalar(select(func.count(Prediction.id)).where(*conditions))
    items = db.session.scalars(
        select(Prediction).options(joinedload(Prediction.author), joinedload(Prediction.article))
        .where(*conditions).order_by(*_order(sort))
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total)


def get_prediction(prediction_id: int, *, include_hidden=False) -> Prediction:
    """One prediction with its author and article; NotFound when missing or hidden."""
    prediction = db.session.scalar(
        select(Prediction).options(joinedload(Prediction.author), joinedload(Prediction.article))
        .where(Prediction.id == prediction_id)
    )
    if prediction is None or (prediction.hidden and not include_hidden):
        raise NotFound("No such prediction.")
    return prediction


def get_article(slug: str) -> Article:
    article = db.session.scalar(select(Article).where(Article.slug == slug))
    if article is None:
        raise NotFound(f"No article with slug {slug!r}.")
    return article


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
    rows = db.session.execute(
        select(Vote.prediction_id, Vote.comment_id, Vote.value).where(
            Vote.user_id == user.id,
            or_(Vote.prediction_id.in_(list(prediction_ids) or [-1]),
                Vote.comment_id.in_(list(comment_ids) or [-1])),
        )
    ).all()
    votes = {}
    for prediction_id, comment_id, value in rows:
        key = ("prediction", prediction_id) if prediction_id else ("comment", comment_id)
        votes[key] = value
    return votes
