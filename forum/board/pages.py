"""What the board's pages show, gathered in a fixed number of queries however much data there
is: the rows of a list with their sparklines and the viewer's votes, the article's board
section, and everything on a prediction's page."""

from dataclasses import dataclass, field
from datetime import datetime

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from forum import clock
from forum.auth.routes import safe_next
from forum.board import queries
from forum.board.citations import Citation, cite_id, group_citations, mark_citations
from forum.board.crowd_cache import PageForecasts, crowd_histories, page_forecasts, thin
from forum.board.forms import ForecastForm, PredictionForm, date_shortcuts
from forum.charts import Point, crowd_chart, describe_history, sparkline
from forum.comments.services import build_thread, comments_of, first_threads, thread_size
from forum.errors import NotFound
from forum.lifecycle import ANNULLED, CLOSED, OPEN, RESOLVED, status_of
from forum.models import Article, Prediction
from forum.page_cache import current_generation
from forum.params import read_id
from forum.permissions import can_change
from forum.scoring import crowd_history, scheduled_close
from forum.templating import human_date, percent
from forum.timezones import viewer_zone_name
from forum.worker_cache import worker_cache

TOP_ON_ARTICLE = 5
FORECASTS_SHOWN = 100
MARKED_ARTICLE_SECONDS = 3600
CHART_POINTS = 1000  # about two steps per pixel of the chart; the table keeps every change
COMMENTS_SHOWN = 50  # beyond this a discussion opens with its oldest threads and a link


@dataclass
class Row:
    """One prediction in a list, with what its row needs beyond the stored counters."""

    prediction: Prediction
    status: str
    sparkline: Markup
    my_vote: int = 0


def rows_for(predictions: list[Prediction], user) -> list[Row]:
    """Rows for a list of predictions: at most two queries (the forecasts of sparklines not
    yet kept, the viewer's votes) in all."""
    ids = [prediction.id for prediction in predictions]
    histories = crowd_histories(predictions)
    votes = queries.my_votes(user, prediction_ids=ids)
    now = clock.now()
    rows = []
    for prediction in predictions:
        status = status_of(prediction.status, prediction.resolution_date, now)
        history = histories[prediction.id]
        line = sparkline(history, start=prediction.created_at, end=_chart_end(prediction, status,
                                                                              now))
        rows.append(Row(prediction, status, line, votes.get(("prediction", prediction.id), 0)))
    return rows


def _chart_end(prediction: Prediction, status: str, now: datetime) -> datetime:
    if status in (RESOLVED, ANNULLED) and prediction.outcome_time:
        return min(prediction.outcome_time, now)
    if status == CLOSED:
        return min(scheduled_close(prediction.resolution_date), now)
    return now


def article_board(article: Article, user, *, form: PredictionForm | None = None,
                  posted: int | None = None, quote: str = "") -> dict:
    """The board section under an article: top open predictions, the form, the citations."""
    top = queries.list_predictions(article, status=OPEN, sort="hot", per_page=TOP_ON_ARTICLE)
    predictions = list(top.items)
    if posted and all(prediction.id != posted for prediction in predictions):
        try:
            extra = queries.get_prediction(posted, None)  # the public's board
        except NotFound:  # a stale ?posted= is simply ignored
            extra = None
        if extra is not None and extra.article_id == article.id:
            predictions.insert(0, extra)
    body, citations = _marked_article(article)
    board_url = url_for("board.index", slug=article.slug)
    if form is None and getattr(user, "is_authenticated", False):
        form = PredictionForm(formdata=None, source="article", quote=quote)
    return {
        "article_body": body, "citations": citations, "rows": rows_for(predictions, user),
        "open_total": top.total, "form": form, "posted": posted, "board_url": board_url,
        "shortcuts": date_shortcuts(), "quote": quote,
    }


def _marked_article(article: Article) -> tuple[Markup, list[Citation]]:
    """The article's body with its quoted passages marked, and the citations list.

    A popular article is quoted by thousands of predictions, and marking them costs more than
    the rest of the page, so the result is kept per worker under the cache generation that
    every write bumps: it is rebuilt after any change and never shown stale."""
    store = worker_cache("marked_articles", 16)
    key = (article.id, current_generation())
    found = store.get(key, ttl=MARKED_ARTICLE_SECONDS)
    if found is None:
        citations = group_citations(queries.quoting_predictions(article))
        body = mark_citations(article.body_html, citations,
                              lambda citation: f"#{citation.anchor}-list")
        found = (body, citations)
        store.put(key, found)
    return found


@dataclass
class ForecastView:
    """The prediction page's forecasts: the crowd's history for the chart, the viewer's own,
    and a capped list for reading."""

    mine: list
    shown: list
    total: int
    history: list = field(default_factory=list)
    table_rows: Markup = field(default_factory=Markup)


def prediction_page(prediction: Prediction, user, *, show_all: bool = False,
                    forecast_form: ForecastForm | None = None, comment_state=None,
                    reply_to: int | None = None, all_comments: bool = False) -> dict:
    """Everything the prediction page shows, in a fixed number of queries."""
    now = clock.now()
    status = status_of(prediction.status, prediction.resolution_date, now)
    user_id = user.id if getattr(user, "is_authenticated", False) else None
    if show_all:
        rows = queries.forecast_rows(prediction.id)
        kept = PageForecasts(history=crowd_history(row.point for row in rows),
                             newest=rows[::-1], total=len(rows))
    else:
        kept = page_forecasts(prediction, FORECASTS_SHOWN)
    mine = queries.forecast_rows(prediction.id, user_id) if user_id is not None else []
    forecasts = ForecastView(mine=mine[::-1], total=kept.total, shown=kept.newest,
                             history=kept.history,
                             table_rows=kept.table_rows(viewer_zone_name()))
    comments = comments_of(prediction.id)
    comment_state = dict(comment_state or {})
    open_for_reply = {str(comment.id): comment.id for comment in comments
                      if not comment.deleted and not comment.hidden}
    if comment_state.get("target", "").startswith("reply-"):
        replied = comment_state["target"].removeprefix("reply-")
        if replied in open_for_reply:
            reply_to = open_for_reply[replied]
        else:
            comment_state["target"] = "new"  # no such comment here: show the error up top
    if str(reply_to) not in open_for_reply:
        reply_to = None
    thread = build_thread(comments)
    shown = thread if all_comments else first_threads(thread, COMMENTS_SHOWN)
    shown_count = sum(thread_size(node) for node in shown)
    edited = comment_state.get("target", "").removeprefix("edit-")
    focus = reply_to or read_id(edited)
    if focus is not None and not _holds(shown, focus):  # a form to show lies further down
        shown, shown_count = thread, len(comments)
    votes = queries.my_votes(user, prediction_ids=[prediction.id],
                             comment_ids=_ids(shown) if shown is not thread else
                             [comment.id for comment in comments])
    if forecast_form is None and user_id is not None and status == OPEN:
        standing = mine[-1].probability if mine else None
        forecast_form = ForecastForm(
            formdata=None, probability=_percent_text(standing) if standing else "")
    return {
        "prediction": prediction, "status": status, "forecasts": forecasts,
        "chart": _chart(prediction, status, forecasts, now, user_id),
        "thread": shown, "comments_hidden": len(comments) - shown_count, "votes": votes,
        "revisions": queries.revisions_of(prediction.id),
        "editable": can_edit(prediction, user, status), "forecast_form": forecast_form,
        "comment_state": comment_state, "show_all": show_all, "reply_to": reply_to,
        "quote_anchor": cite_id(prediction.quote) if prediction.quote else None,
        "comment_total": sum(1 for comment in comments if not comment.deleted
                             and not comment.hidden),
    }


def _ids(nodes) -> list[int]:
    return [id_ for node in nodes for id_ in (node.comment.id, *_ids(node.replies))]


def _holds(nodes, comment_id: int) -> bool:
    return any(node.comment.id == comment_id or _holds(node.replies, comment_id)
               for node in nodes)


def can_edit(prediction: Prediction, user, status: str) -> bool:
    """The author may edit while it is open, not hidden, and nobody else has forecast."""
    return (can_change(user, prediction, "prediction") and status == OPEN
            and prediction.forecaster_count <= 1)


def _percent_text(probability: float) -> str:
    number = round(probability * 100, 1)
    return str(int(number)) if number == int(number) else str(number)


def _chart(prediction: Prediction, status: str, forecasts: ForecastView, now: datetime,
           user_id: int | None) -> Markup:
    end = _chart_end(prediction, status, now)
    rule = None
    if status in (RESOLVED, ANNULLED) and prediction.outcome_time:
        label = "annulled" if status == ANNULLED else f"resolved {prediction.outcome}"
        rule = Point(prediction.outcome_time, 0, label)
    elif status == CLOSED:
        rule = Point(end, 0, "closed")
    author = Point(prediction.created_at, prediction.author_probability,
                   f"{prediction.author.username}'s first forecast: "
                   f"{percent(prediction.author_probability)}")
    mine = [Point(row.created_at, row.probability,
                  f"Your forecast: {percent(row.probability)} on {human_date(row.created_at)}")
            for row in forecasts.mine]
    return crowd_chart(
        thin(forecasts.history, CHART_POINTS), start=prediction.created_at, end=end,
        chart_id=f"chart-{prediction.id}",
        title=f"Crowd median over time for “{prediction.title}”",
        description=describe_history(forecasts.history) + " The diamond marks the author's "
        f"first forecast ({percent(prediction.author_probability)})."
        + (" Dots mark your forecasts." if mine else ""),
        author=author, mine=mine, rule=rule,
        start_label=human_date(prediction.created_at),
        end_label="now" if end == now else human_date(end),
    )


__all__ = ["Citation", "Row", "article_board", "can_edit", "prediction_page", "rows_for"]


def render_prediction(prediction: Prediction, status_code: int = 200, **state):
    """The prediction page, also re-shown with a form's errors (422) by the write views."""
    context = prediction_page(prediction, current_user, **state)
    return render_template("board/show.html", **context), status_code


def login_first(back: str):
    """Send an anonymous writer to log in, then back to the page the form was on."""
    flash("Log in to do that.", "info")
    return redirect(url_for("auth.login", next=back), code=303)


def back_to(fallback: str) -> str:
    """Where a plain form's `next` field says to return, if it is a path on this site."""
    return safe_next(request.form.get("next")) or fallback
