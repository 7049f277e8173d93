"""Score rows: written in the same transaction as the resolution that changes them, and
rebuilt from scratch by `forum scores recompute`. The arithmetic is in forum.scoring."""

from sqlalchemy import delete, select

from forum.board.services import forecast_points
from forum.extensions import db
from forum.models import Prediction, Score
from forum.scoring import score_prediction


def compute_scores(prediction: Prediction, points=None) -> list[Score]:
    """The score rows a resolved (yes/no) prediction should have; none otherwise."""
    if prediction.status != "resolved" or prediction.outcome not in ("yes", "no"):
        return []
    points = forecast_points(prediction.id) if points is None else points
    results = score_prediction(
        points, outcome=prediction.outcome == "yes", created_at=prediction.created_at,
        resolution_date=prediction.resolution_date, outcome_time=prediction.outcome_time,
    )
    return [
        Score(user_id=result.user, prediction_id=prediction.id, article_id=prediction.article_id,
              outcome=prediction.outcome == "yes", brier=result.brier,
              crowd_brier=result.crowd_brier, coverage=result.coverage,
              relative_brier=result.relative_brier, final_probability=result.final_probability,
              resolved_at=prediction.resolved_at)
        for result in results
    ]


def rescore_prediction(prediction: Prediction) -> list[Score]:
    """Replace the prediction's score rows with freshly computed ones (annulled: none)."""
    db.session.execute(delete(Score).where(Score.prediction_id == prediction.id))
    scores = compute_scores(prediction)
    db.session.add_all(scores)
    db.session.flush()
    return scores


def recompute_all(batch_size: int = 500) -> int:
    """Rebuild every score row from the forecasts and resolutions; returns how many rows."""
    db.session.execute(delete(Score))
    total = 0
    ids = db.session.scalars(
        select(Prediction.id).where(Prediction.status == "resolved").order_by(Prediction.id)
    ).all()
    for start in range(0, len(ids), batch_size):
        batch = db.session.scalars(
            select(Prediction).where(Prediction.id.in_(ids[start:start + batch_size]))
        ).all()
        for prediction in batch:
            scores = compute_scores(prediction)
            db.session.add_all(scores)
            total += len(scores)
        db.session.flush()
    return total
