"""What the board's pages show, gathered in a fixed number of queries however much data there
is: the rows of a list with their sparklines and the viewer's votes, the article's board
section, and everything on a prediction's page."""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import NamedTuple

from flask import g, render_template, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forum import cache_versions, clock, fragments
from forum.board import bp, queries
from forum.board.citations import Citation, cite_id, group_citations, mark_citations
from forum.board.crowd_cache import (
    PageForecasts,
    counted_until,
    crowd_histories,
    page_forecasts,
    thin,
)
from forum.board.forms import ForecastForm, PredictionForm, date_shortcuts
from forum.charts import (
    Point,
    crowd_chart,
    describe_history,
    distribution_bins,
    distribution_chart,
    sparkline,
)
from forum.comments.services import build_thread, comments_of, first_threads, thread_size
from forum.errors import NotFound
from forum.extensions import db
from forum.leaderboard.scorecards import prediction_scores
from forum.lifecycle import ANNULLED, CLOSED, OPEN, RESOLVED, status_of
from forum.models import Article, Comment, Prediction
from forum.moderation.panel import prediction_panel
from forum.pagination import Page
from forum.params import read_id
from forum.permissions import can_edit_prediction
from forum.scoring import median, scheduled_close
from forum.templating import Clean, human_date, percent
from forum.timezones import viewer_zone_name
from forum.worker_cache import worker_cache
from forum.xml_text import html_text

bp.add_app_template_global(fragments.shared_section, "shared_section")
bp.add_app_template_global(fragments.keep_card, "keep_card")

TOP_ON_ARTICLE = 5
FORECASTS_SHOWN = 50  # rows per page of the forecast log
REASONS_SHOWN = 50  # the newest reasons given with forecasts, in the discussion
MARKED_ARTICLE_SECONDS = 3600
CHART_POINTS = 1000  # about two steps per pixel of the chart; the table keeps every change
COMMENTS_SHOWN = 50  # beyond this a discussion opens with its oldest threads and a link


@dataclass
class Row:
    """One prediction in a list, with what its row needs beyond the stored counters: the
    author's current standing forecast, and the viewer's own when they have one."""

    prediction: Prediction
    status: str
    sparkline: Markup
    my_vote: int = 0
    author_standing: float | None = None
    my_standing: float | None = None


def rows_for(predictions: list[Prediction], user) -> list[Row]:
    """Rows for a list of predictions: at most three queries (the forecasts of rows not yet
    kept, the viewer's votes and forecasts) in all."""
    figures = crowd_histories(predictions)
    now = clock.now()
    rows = []
    for prediction in predictions:
        status = status_of(prediction.status, prediction.resolution_date, now)
        kept = figures[prediction.id]
        end, _ = _chart_span(prediction, status, now, kept.history)  # the line's end
        line = sparkline(kept.history, start=prediction.created_at, end=end)
        rows.append(Row(prediction, status, line, author_standing=kept.author_standing))
    return viewer_rows(rows, user)


def viewer_rows(rows: list[Row], user) -> list[Row]:
    """The same rows with the viewer's own vote and standing forecast on each (two queries;
    none for a visitor). A member's kept page (forum/member_pages.py) fills its rows here."""
    ids = [row.prediction.id for row in rows]
    votes = queries.my_votes(user, prediction_ids=ids)
    mine = queries.my_standing(user, ids)
    return [replace(row, my_vote=votes.get(("prediction", row.prediction.id), 0),
                    my_standing=mine.get(row.prediction.id)) for row in rows]


def _chart_span(prediction: Prediction, status: str, now: datetime, history,
                late=()) -> tuple[datetime, datetime]:
    """Where the crowd's line stops, and where the time axis ends.

    Resolved: the line stops at T_end (what counts, so its last point is the headline
    median) and the axis runs on to the outcome time and any forecast made after it.
    Annulled: nothing is scored, every forecast counts, up to the last one. Closed: the
    scheduled close. Open: now."""
    if status == RESOLVED and prediction.outcome_time:
        until = counted_until(prediction)
        last = max((row.created_at for row in late), default=until)
        return until, max(until, min(prediction.outcome_time, now), last)
    if status == ANNULLED and prediction.outcome_time:
        end = max(min(prediction.outcome_time, now), history[-1][0] if history else now)
        return end, end
    if status == CLOSED:
        end = min(scheduled_close(prediction.resolution_date), now)
        return end, end
    return now, now


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
    the rest of the page, so the result is kept per worker under the articles' version
    (forum/cache_versions.py): it is rebuilt after any change to a board and never shown
    stale."""
    store = worker_cache("marked_articles", 16)
    key = (article.id, cache_versions.pinned(cache_versions.SITE, cache_versions.ARTICLES))
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
    """The prediction page's forecasts: everyone's (kept per worker), one page of the log,
    the viewer's own, and the figures the header shows."""

    kept: PageForecasts
    mine: list  # the viewer's forecasts, newest first
    log: Page  # one page of every forecast, newest first
    author_id: int
    prediction_id: int

    @property
    def total(self) -> int:
        return self.kept.total

    @property
    def history(self) -> list:
        return self.kept.history

    @property
    def changes(self) -> list:
        return self.kept.changes

    @property
    def table_rows(self) -> Markup:
        """The chart's data table (hundreds of rows), times in the viewer's zone: a fragment
        every viewer in that zone shares, kept under the prediction's versions."""
        zone = viewer_zone_name()
        # the versions are counters that two predictions may share: the id tells them apart
        key = (self.prediction_id, cache_versions.pinned(
            cache_versions.SITE, cache_versions.prediction(self.prediction_id)), zone)
        return Clean(fragments.cached("history-rows", key, lambda: html_text(
            render_template("board/_history_rows.html", changes=self.kept.changes))))

    @property
    def standing(self) -> dict:
        """Each forecaster's standing forecast (on a resolved prediction: the last counted)."""
        return self.kept.standing

    @property
    def late(self) -> list:
        return self.kept.late

    def superseded(self, row) -> bool:
        return row.id not in self.kept.latest_ids

    def not_scored(self, row) -> bool:
        return self.kept.until is not None and row.created_at >= self.kept.until

    @property
    def author_standing(self):
        return self.kept.standing.get(self.author_id)

    @property
    def my_standing(self):
        return self.mine[0] if self.mine else None

    @property
    def reasons(self) -> list:
        return self.kept.reasons[:REASONS_SHOWN]

    @property
    def reason_total(self) -> int:
        return len(self.kept.reasons)

    @property
    def spread_values(self) -> list[float]:
        return [row.probability for row in self.kept.standing.values()]

    @property
    def spread(self) -> Markup:
        values = self.spread_values
        return distribution_chart(values, chart_id="spread",
                                  title="How the standing forecasts spread",
                                  description=describe_spread(values), median=median(values))

    @property
    def spread_text(self) -> str:
        return describe_spread(self.spread_values)

    @property
    def spread_bins(self) -> list[tuple[int, int, int]]:
        counts = distribution_bins(self.spread_values)
        return [(index * 10, index * 10 + 10, count) for index, count in enumerate(counts)]


def describe_spread(values) -> str:
    """A sentence for the distribution: how many, the median, the middle half, the range."""
    values = sorted(values)
    if not values:
        return "Nobody has a standing forecast."
    if len(values) == 1:
        return f"One standing forecast: {percent(values[0])}."
    low_half, high_half = values[:len(values) // 2], values[(len(values) + 1) // 2:]
    return (f"{len(values)} standing forecasts, from {percent(values[0])} to "
            f"{percent(values[-1])}; median {percent(median(values))}, the middle half from "
            f"{percent(median(low_half))} to {percent(median(high_half))}.")


@dataclass
class PageViewer:
    """What of a prediction's page is the viewer's own: their forecasts (the card, the chart's
    dots, the header's figure), their votes, their reports and the moderators' tools (the
    panel), their score, whether they may edit it, and the discussion with their own cards.

    Everything else on the page is the same for every member. The templates show these
    parts through `viewer_part` (forum/member_pages.py), and a member's kept page makes them
    again for each member with `for_viewer`, from what the page shares: the prediction, its
    forecasts and the shape of its discussion."""

    prediction: Prediction
    status: str
    kept: PageForecasts
    log: Page
    comments: list  # the discussion's comments, or their shapes when the thread is shared
    shown: list  # the discussion's nodes on the page
    thread_ids: list[int]  # the comments whose votes the page shows
    shown_ids: frozenset  # the ids of the comments in `shown`, reused by every viewer
    authored: dict  # author id: the ids of their comments, reused by every viewer
    key: tuple | None  # the shared fragments' key (None: a full render)
    shared_thread: bool  # whether the discussion comes from the shared fragment
    all_comments: bool
    user_id: int | None
    mine: list  # the viewer's forecasts, oldest first
    votes: dict
    moderation: object  # forum.moderation.panel.PredictionPanel
    forecast_form: ForecastForm | None
    editable: bool
    scores: object  # forum.leaderboard.scorecards.PredictionScores, or None

    @classmethod
    def build(cls, prediction: Prediction, status: str, user, *, kept: PageForecasts,
              log: Page, comments: list, shown: list, thread_ids: list[int], key: tuple | None,
              shared_thread: bool, all_comments: bool,
              forecast_form: ForecastForm | None = None,
              resolutions: list | None = None, shown_ids: frozenset | None = None,
              authored: dict | None = None) -> "PageViewer":
        """The viewer's parts (four queries for a member, five once it has resolved; the
        viewer's own reads are kept while the database is unchanged, and `resolutions`, the
        page's resolution log when it was read already, spares one)."""
        user_id = user.id if getattr(user, "is_authenticated", False) else None
        mine = queries.forecast_rows(prediction.id, user_id) if user_id is not None else []
        if forecast_form is None and user_id is not None and status == OPEN:
            standing = mine[-1].probability if mine else None
            forecast_form = ForecastForm(
                formdata=None, probability=_percent_text(standing) if standing else "")
        return cls(
            prediction=prediction, status=status, kept=kept, log=log, comments=comments,
            shown=shown, thread_ids=thread_ids,
            shown_ids=frozenset(_ids(shown)) if shown_ids is None else shown_ids,
            authored=_by_author(comments) if authored is None else authored,
            key=key, shared_thread=shared_thread, all_comments=all_comments,
            user_id=user_id, mine=mine,
            votes=queries.my_votes(user, prediction_ids=[prediction.id], comment_ids=thread_ids),
            # the sidebar's moderation panel, from its feature's query function; the
            # thread's report links read its state too
            moderation=prediction_panel(prediction, user, resolutions),
            forecast_form=forecast_form,
            editable=can_edit_prediction(user, prediction),
            scores=prediction_scores(prediction, user),  # from the scores feature (one query)
        )

    def for_viewer(self, user) -> "PageViewer":
        """The same page's parts for another member (a kept page's, forum/member_pages.py)."""
        return PageViewer.build(
            self.prediction, self.status, user, kept=self.kept, log=self.log,
            comments=self.comments, shown=self.shown, thread_ids=self.thread_ids,
            key=self.key, shared_thread=self.shared_thread, all_comments=self.all_comments,
            resolutions=self.moderation.log, shown_ids=self.shown_ids, authored=self.authored)

    @property
    def forecasts(self) -> "ForecastView":
        return ForecastView(kept=self.kept, mine=self.mine[::-1], log=self.log,
                            author_id=self.prediction.author_id,
                            prediction_id=self.prediction.id)

    @property
    def my_vote(self) -> int:
        return self.votes.get(("prediction", self.prediction.id), 0)

    @property
    def chart(self) -> Markup:
        """The crowd chart, with the viewer's own forecasts as dots."""
        if self.key is None:
            return _chart(self.prediction, self.status, self.forecasts, clock.now(),
                          self.user_id)
        return Clean(self._kept_chart[0])

    @property
    def chart_slots(self) -> tuple | None:
        """`chart` as UTF-8 slots (forum.fragments.printed_slots), for a kept page's fill."""
        return None if self.key is None else self._kept_chart[1]

    @property
    def _kept_chart(self) -> tuple[str, tuple]:
        """The chart kept with the page's shared fragments, as text and as slots (its dots
        are the viewer's own, so a member who forecast gets their own entry)."""
        forecasts = self.forecasts
        owner = self.user_id if forecasts.mine else None

        def made() -> tuple[str, tuple]:
            html = html_text(str(_chart(self.prediction, self.status, forecasts, clock.now(),
                                        self.user_id)))
            return html, tuple(fragments.printed_slots(Clean(html)))

        return fragments.cached("chart", (self.key, owner), made,
                                weight=lambda kept: 2 * len(kept[0]))

    @property
    def thread_html(self) -> Markup | None:
        """The shared discussion with the viewer's own cards (None: the page renders the
        thread itself, as for a moderator or a form's errors)."""
        thread = self.thread_slots
        return None if thread is None else fragments.with_token(fragments.joined(thread).decode())

    @property
    def thread_slots(self) -> list | None:
        """`thread_html` as UTF-8 slots (forum.fragments.token_slots), for a kept page's fill."""
        if self.key is None or not self.shared_thread or not self.shown:
            return None
        return _shared_thread(self.prediction, self.user_id, self.authored, self.shown,
                              self.shown_ids, self.votes, self.forecasts, self.moderation, key=self.key,
                              all_comments=self.all_comments)


def prediction_page(prediction: Prediction, user, *, forecasts_page: int = 1,
                    forecast_form: ForecastForm | None = None, comment_state=None,
                    reply_to: int | None = None, all_comments: bool = False) -> dict:
    """Everything the prediction page shows, in a fixed number of queries: what every viewer
    sees, and the viewer's own parts (`me`, a PageViewer)."""
    now = clock.now()
    status = status_of(prediction.status, prediction.resolution_date, now)
    kept = page_forecasts(prediction)
    pages = max(1, -(-kept.total // FORECASTS_SHOWN))
    forecasts_page = min(forecasts_page, pages)
    newest = len(kept.rows) - (forecasts_page - 1) * FORECASTS_SHOWN
    log = Page(items=kept.rows[max(newest - FORECASTS_SHOWN, 0):newest][::-1],
               page=forecasts_page, per_page=FORECASTS_SHOWN, total=kept.total)
    comment_state = dict(comment_state or {})
    key = fragments.page_key(cache_versions.SITE, cache_versions.prediction(prediction.id))
    # A page the shared thread serves needs no comment's text, only the thread's shape.
    shared = key is not None and not comment_state.get("target") and reply_to is None
    g.fragment_key = key  # the shared sections of the page (fragments.shared_section)
    comments = _comment_shapes(prediction.id) if shared else comments_of(prediction.id)
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
    me = PageViewer.build(
        prediction, status, user, kept=kept, log=log, comments=comments, shown=shown,
        thread_ids=_ids(shown) if shown is not thread else [comment.id for comment in comments],
        key=key, shared_thread=shared, all_comments=all_comments, forecast_form=forecast_form)
    return {
        "prediction": prediction, "status": status, "me": me, "forecasts": me.forecasts,
        "thread": shown, "comments_hidden": len(comments) - shown_count, "votes": me.votes,
        "revisions": queries.revisions_of(prediction.id),
        "comment_state": comment_state, "reply_to": reply_to,
        "quote_anchor": cite_id(prediction.quote) if prediction.quote else None,
        "comment_total": sum(1 for comment in comments if not comment.deleted
                             and not comment.hidden),
        "moderation": me.moderation,
    }


class CommentShape(NamedTuple):
    """What the page needs of a comment when the shared thread shows it: its place, author
    and state, not its text."""

    id: int
    parent_id: int | None
    author_id: int
    deleted: bool
    hidden: bool


def _comment_shapes(prediction_id: int) -> list[CommentShape]:
    """Every comment's shape on a prediction, oldest first (one light query, no objects)."""
    return [CommentShape(*row) for row in db.session.execute(
        select(Comment.id, Comment.parent_id, Comment.author_id, Comment.deleted,
               Comment.hidden)
        .where(Comment.prediction_id == prediction_id)
        .order_by(Comment.created_at, Comment.id))]


def _shared_thread(prediction: Prediction, user_id: int | None, authored: dict, shown,
                   shown_ids: frozenset, votes: dict, forecasts: "ForecastView", moderation,
                   *, key: tuple, all_comments: bool) -> list:
    """The discussion from the shared fragment (forum/fragments.py), with the cards of the
    viewer's own comments, and of those they voted on or reported, rendered for them (one
    query for those comments)."""
    personal = {comment_id for kind, comment_id in votes if kind == "comment"}
    if user_id is not None:
        personal |= authored.get(user_id, frozenset())
        # the cards they reported (a suspended member's show no report links: rendered
        # again, such a card is the shared one, so it is simply replaced by itself)
        personal |= {target_id for kind, target_id in moderation.state.my_flags
                     if kind == "comment"}
    personal &= shown_ids

    def own() -> list[Comment]:
        return list(db.session.scalars(
            select(Comment).options(joinedload(Comment.author))
            .where(Comment.id.in_(personal)).order_by(Comment.id))) if personal else []

    def full_thread():
        nodes = build_thread(comments_of(prediction.id))
        return nodes if all_comments else first_threads(nodes, COMMENTS_SHOWN)

    context = {"p": prediction, "votes": votes, "forecasts": forecasts, "comment_state": {},
               "reply_to": None, "moderation": moderation}
    flagged = moderation.state.my_flags
    cards_key = (user_id, tuple((comment_id, votes.get(("comment", comment_id), 0),
                                 ("comment", comment_id) in flagged)
                                for comment_id in sorted(personal)))
    return fragments.comment_thread(context, own, key, full_thread, cards_key)


def _by_author(comments) -> dict[int, frozenset]:
    """Each author's comment ids (the viewer's own cards are theirs)."""
    found: dict[int, set] = {}
    for comment in comments:
        found.setdefault(comment.author_id, set()).add(comment.id)
    return {author: frozenset(ids) for author, ids in found.items()}


def _ids(nodes) -> list[int]:
    return [id_ for node in nodes for id_ in (node.comment.id, *_ids(node.replies))]


def _holds(nodes, comment_id: int) -> bool:
    return any(node.comment.id == comment_id or _holds(node.replies, comment_id)
               for node in nodes)


def _percent_text(probability: float) -> str:
    number = round(probability * 100, 1)
    return str(int(number)) if number == int(number) else str(number)


def _chart(prediction: Prediction, status: str, forecasts: ForecastView, now: datetime,
           user_id: int | None) -> Markup:
    late = [Point(row.created_at, row.probability,
                  f"{row.username}: {percent(row.probability)} on {human_date(row.created_at)}, "
                  "after the outcome was known: not scored") for row in forecasts.late]
    line_end, end = _chart_span(prediction, status, now, forecasts.history, forecasts.late)
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
            for row in forecasts.mine if not forecasts.not_scored(row)]
    return crowd_chart(
        thin(forecasts.history, CHART_POINTS), start=prediction.created_at, end=end,
        line_end=line_end, late=late, chart_id=f"chart-{prediction.id}",
        title=f"Crowd median over time for “{prediction.title}”",
        description=describe_history(forecasts.history) + " The diamond marks the author's "
        f"first forecast ({percent(prediction.author_probability)})."
        + (" Dots mark your forecasts." if mine else "")
        + (f" Rings after the outcome mark {len(late)} forecast{'s' if len(late) != 1 else ''} "
           "made once it was known, not scored and not part of the crowd." if late else ""),
        author=author, mine=mine, rule=rule,
    )


__all__ = ["Citation", "PageViewer", "Row", "article_board", "prediction_page", "rows_for",
           "viewer_rows"]


def render_prediction(prediction: Prediction, status_code: int = 200, **state):
    """The prediction page, also re-shown with a form's errors (422) by the write views."""
    context = prediction_page(prediction, current_user, **state)
    return render_template("board/show.html", **context), status_code
