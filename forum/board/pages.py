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
from forum.board.forms import ForecastForm, PredictionForm, date_shortcuts
from forum.charts import Point, crowd_chart, describe_history, sparkline
from forum.comments.services import build_thread, comments_of
from forum.errors import NotFound
from forum.lifecycle import ANNULLED, CLOSED, OPEN, RESOLVED, status_of
from forum.models import Article, Prediction
from forum.scoring import crowd_history, scheduled_close
from forum.templating import human_date, percent

TOP_ON_ARTICLE = 5
FORECASTS_SHOWN = 100


@dataclass
class Row:
    """One prediction in a list, with what its row needs beyond the stored counters."""

    prediction: Prediction
    status: str
    sparkline: Markup
    my_vote: int = 0


def rows_for(predictions: list[Prediction], user) -> list[Row]:
    """Rows for a list of predictions: two queries (forecasts, the viewer's votes) in all."""
    ids = [prediction.id for prediction in predictions]
    points = queries.forecast_points_by_prediction(ids)
    votes = queries.my_votes(user, prediction_ids=ids)
    now = clock.now()
    rows = []
    for prediction in predictions:
        status = status_of(prediction.status, prediction.resolution_date, now)
        history = crowd_history(points.get(prediction.id, []))
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
            extra = queries.get_prediction(posted)
        except NotFound:  # a stale ?posted= is simply ignored
            extra = None
        if extra is not None and extra.article_id == article.id:
            predictions.insert(0, extra)
    citations = group_citations(queries.quoting_predictions(article))
    board_url = url_for("board.index", slug=article.slug)
    body = mark_citations(article.body_html, citations,
                          lambda citation: f"#{citation.anchor}-list")
    if form is None and getattr(user, "is_authenticated", False):
        form = PredictionForm(formdata=None, source="article", quote=quote)
    return {
        "article_body": body, "citations": citations, "rows": rows_for(predictions, user),
        "open_total": top.total, "form": form, "posted": posted, "board_url": board_url,
        "shortcuts": date_shortcuts(), "quote": quote,
    }


@dataclass
class ForecastView:
    """The prediction page's forecasts: all of them for the chart, a capped list for reading."""

    rows: list
    mine: list
    shown: list
    total: int
    history: list = field(default_factory=list)


def prediction_page(prediction: Prediction, user, *, show_all: bool = False,
                    forecast_form: ForecastForm | None = None, comment_state=None) -> dict:
    """Everything the prediction page shows, in a fixed number of queries."""
    now = clock.now()
    status = status_of(prediction.status, prediction.resolution_date, now)
    rows = queries.forecast_rows(prediction.id)
    user_id = user.id if getattr(user, "is_authenticated", False) else None
    mine = [row for row in rows if row.user_id == user_id]
    newest_first = rows[::-1]
    forecasts = ForecastView(rows=rows, mine=mine[::-1], total=len(rows),
                             shown=newest_first if show_all else newest_first[:FORECASTS_SHOWN],
                             history=crowd_history(row.point for row in rows))
    comments = comments_of(prediction.id)
    comment_state = dict(comment_state or {})
    if comment_state.get("target", "").startswith("reply-"):
        replied = comment_state["target"].removeprefix("reply-")
        if replied not in {str(comment.id) for comment in comments}:
            comment_state["target"] = "new"  # no such comment here: show the error up top
    votes = queries.my_votes(user, prediction_ids=[prediction.id],
                             comment_ids=[comment.id for comment in comments])
    if forecast_form is None and user_id is not None and status == OPEN:
        standing = mine[-1].probability if mine else None
        forecast_form = ForecastForm(
            formdata=None, probability=_percent_text(standing) if standing else "")
    return {
        "prediction": prediction, "status": status, "forecasts": forecasts,
        "chart": _chart(prediction, status, forecasts, now, user_id),
        "thread": build_thread(comments), "votes": votes,
        "revisions": queries.revisions_of(prediction.id),
        "editable": can_edit(prediction, user, status), "forecast_form": forecast_form,
        "comment_state": comment_state, "show_all": show_all,
        "quote_anchor": cite_id(prediction.quote) if prediction.quote else None,
        "comment_total": sum(1 for comment in comments if not comment.deleted
                             and not comment.hidden),
    }


def can_edit(prediction: Prediction, user, status: str) -> bool:
    """The author may edit while it is open and nobody else has forecast."""
    return (getattr(user, "is_authenticated", False) and user.id == prediction.author_id
            and status == OPEN and prediction.forecaster_count <= 1)


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
        forecasts.history, start=prediction.created_at, end=end,
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
