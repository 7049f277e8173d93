"""Scores shown inside other features' pages: a resolved prediction's scores
(`prediction_scores`, shown by templates/scores/_prediction_scores.html) and an article's
scorecard (`article_scorecard`, templates/scores/_article_scorecard.html). Each costs a fixed
number of queries; the page functions that own those pages call them
(forum/board/pages.py `prediction_page`, forum/articles/pages.py `render_article_page`), so
the templates only read plain data. The chart and the filter below are pure formatting."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from forum import cache_versions
from forum.extensions import db
from forum.leaderboard import bp
from forum.leaderboard.standings import Standing, bytewise, score_filter, standings
from forum.models import Article, Prediction, Score, User
from forum.moderation.resolutions import t_end
from forum.scoring import CalibrationBin, scheduled_close
from forum.users.charts import calibration_svg
from forum.users.profiles import calibration_of
from forum.worker_cache import worker_cache

SHOWN_FORECASTERS = 20
TOP_FORECASTERS = 5


@dataclass(frozen=True)
class ScoreLine:
    """One forecaster's score on one prediction, ranked among its forecasters."""

    rank: int
    user_id: int
    username: str
    final_probability: float
    brier: float
    crowd_brier: float
    coverage: float
    relative_brier: float


@dataclass(frozen=True)
class PredictionScores:
    """A resolved prediction's scores: the best forecasters, the viewer's line, the crowd."""

    outcome: str
    total: int
    shown: list[ScoreLine]
    mine: ScoreLine | None
    crowd_final: float | None  # the crowd median when forecasts closed
    crowd_brier: float | None  # the crowd median's Brier over the whole time it existed
    lasted: timedelta = timedelta(0)  # T_end − T0: how long forecasts counted
    planned: timedelta = timedelta(0)  # T_close − T0: its scheduled life

    @property
    def weight(self) -> float:
        """(T_end − T0) / (T_close − T0): the most coverage anyone can have on it, so the
        share its relative scores carry (SCORING.md); 1 unless it resolved early."""
        if self.planned <= timedelta(0):
            return 1.0
        return min(self.lasted / self.planned, 1.0)

    @property
    def early(self) -> bool:
        return self.weight < 1

    @property
    def mine_hidden(self) -> bool:
        return self.mine is not None and self.mine not in self.shown


def prediction_scores(prediction: Prediction, viewer=None) -> PredictionScores | None:
    """The scores of a resolved prediction (None before it resolves or when annulled): the
    best SHOWN_FORECASTERS by relative Brier (ties as on the leaderboard), the viewer's line
    wherever it ranks, and the author's line for the crowd's figure."""
    if prediction.status != "resolved" or prediction.outcome not in ("yes", "no"):
        return None
    viewer_id = getattr(viewer, "id", None) if getattr(viewer, "is_authenticated", False) else None
    lines, by_user = _ranking(prediction.id)
    mine = by_user.get(viewer_id) if viewer_id is not None else None
    # The author's first forecast opens the crowd at T0, so the author's window is the crowd's
    # whole life and their crowd_brier is the crowd's Brier on this prediction.
    author = by_user.get(prediction.author_id)
    return PredictionScores(
        outcome=prediction.outcome, total=len(lines), shown=lines[:SHOWN_FORECASTERS],
        mine=mine,
        crowd_final=prediction.crowd_median,  # counted before T_end once resolved (SPEC §7)
        crowd_brier=author.crowd_brier if author else None,
        lasted=t_end(prediction) - prediction.created_at,
        planned=scheduled_close(prediction.resolution_date) - prediction.created_at,
    )


RANKED_LINES_KEPT = 50_000  # per worker: the busiest prediction has 5,000 forecasters


def _ranking(prediction_id: int) -> tuple[list[ScoreLine], dict[int, ScoreLine]]:
    """Every forecaster's line on a resolved prediction, best first, and by user (one query
    when not kept). Each member sees their own line wherever it ranks, so the whole ranking is
    kept per worker under the scores' and names' versions, which every resolution, correction,
    annulment, recomputation and rename raises; ranking 5,000 scores for each member's visit
    cost 3 ms."""
    cache = worker_cache("prediction_rankings", RANKED_LINES_KEPT)
    key = (prediction_id, cache_versions.pinned(cache_versions.SITE, cache_versions.SCORES))
    found = cache.get(key)
    if found is None:
        rank = func.row_number().over(order_by=(
            Score.relative_brier, Score.brier, bytewise(User.username_key),
            bytewise(User.username)))
        rows = db.session.execute(
            select(rank.label("rank"), Score.user_id, User.username, Score.final_probability,
                   Score.brier, Score.crowd_brier, Score.coverage, Score.relative_brier)
            .join(User, User.id == Score.user_id).where(Score.prediction_id == prediction_id)
            .order_by(rank)
        ).all()
        lines = [ScoreLine(*row) for row in rows]
        found = (lines, {line.user_id: line for line in lines})
        cache.put(key, found, weight=max(1, len(lines)))
    return found


@dataclass(frozen=True)
class ArticleScorecard:
    """How an article's readers did on its resolved predictions."""

    predictions: int
    forecasters: int
    crowd_brier: float | None  # mean over the predictions of the crowd median's Brier
    forecaster_brier: float  # mean Brier of every scored forecast
    top: list[Standing]
    calibration: list[CalibrationBin]

    @property
    def calibrated_points(self) -> int:
        return sum(item.count for item in self.calibration)


def article_scorecard(article: Article) -> ArticleScorecard | None:
    """The scorecard of an article (None until a prediction on it has resolved).

    It sums every score on the article, so it is kept per process under the scores' version
    (forum/cache_versions.py), which every resolution, correction, annulment and recomputation
    raises: a rebuild costs five queries, a kept card none.
    """
    cache = worker_cache("article_scorecards", 32)
    key = (article.id, cache_versions.pinned(cache_versions.SITE, cache_versions.SCORES))
    card = cache.get(key)
    if card is None:
        card = _build_scorecard(article.id)
        cache.put(key, card)
    return card or None


def _build_scorecard(article_id: int) -> ArticleScorecard | bool:
    """The card, or False while no prediction on the article has a score."""
    if db.session.scalar(select(Score.id).where(Score.article_id == article_id).limit(1)) is None:
        return False
    # The author's first forecast opens the crowd at T0, so the author's window is the
    # crowd's whole life and their crowd_brier is the crowd's Brier on that prediction.
    crowd = select(func.count(), func.avg(Score.crowd_brier)).select_from(Prediction).join(
        Score, (Score.prediction_id == Prediction.id) & (Score.user_id == Prediction.author_id),
    ).where(Prediction.article_id == article_id, Prediction.status == "resolved")
    predictions, crowd_brier = db.session.execute(crowd).one()
    forecasters, forecaster_brier = db.session.execute(
        select(func.count(func.distinct(Score.user_id)), func.avg(Score.brier))
        .where(*score_filter(article_id=article_id))
    ).one()
    return ArticleScorecard(
        predictions=predictions, forecasters=forecasters,
        crowd_brier=float(crowd_brier) if crowd_brier is not None else None,
        forecaster_brier=float(forecaster_brier),
        top=standings(score_filter(article_id=article_id), limit=TOP_FORECASTERS),
        calibration=calibration_of(article_id=article_id),
    )


@bp.app_template_global()
def calibration_chart(bins, title: str, chart_id: str = "calibration", description: str = ""):
    """The calibration SVG for templates."""
    return calibration_svg(bins, title=title, chart_id=chart_id, description=description)


@bp.app_template_filter("signed_brier")
def signed_brier(value: float | None) -> str:
    """A relative Brier score with its sign, to three decimals: '−0.166', '+0.293', '0.000'."""
    if value is None:
        return "–"
    if abs(value) < 0.0005:
        return "0.000"
    return f"{value:+.3f}".replace("-", "−")
