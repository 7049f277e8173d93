"""Turning the generated plan into table rows, with every counter equal to the rows it counts
and every derived figure (crowd median, scores) computed by the functions the app uses."""

import random
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime

from forum.board.services import hot_rank
from forum.demo_data import phrases
from forum.demo_data.activity import Comments, Forecasts, Rows
from forum.demo_data.people import ANNULLED, DAY, HOUR, RESOLVED, PlannedPrediction
from forum.demo_data.shape import from_micros, to_micros
from forum.scoring import (
    ForecastPoint,
    crowd_median,
    run_all,
    scheduled_close,
    score_prediction,
)


@dataclass
class Board:
    """Everything generated, with the ids it will be stored under."""

    article_id: int
    first_prediction_id: int
    predictions: list[PlannedPrediction]
    forecasts: Forecasts
    comments: Comments
    votes: Rows
    names: dict[int, str]  # user id -> username
    criteria: list[tuple[str, str]]  # (Markdown, HTML)
    bodies: list[tuple[str, str]]
    crowd: list[tuple[float | None, int]] = field(default_factory=list)

    def prediction_id(self, index: int) -> int:
        return self.first_prediction_id + index


def fill_crowd(board: Board) -> None:
    """Fill `board.crowd` (median, forecasters) as the app keeps them: on a resolved
    prediction only forecasts before T_end count."""
    for planned in board.predictions:
        before = _t_end(planned) if planned.fate == RESOLVED else None
        board.crowd.append(crowd_median(_points(board, planned), before=before))


def score_rows(board: Board, first_id: int) -> Iterator[dict]:
    """The resolved predictions' score rows, as forum.scores computes them (SCORING.md)."""
    next_id = first_id
    for planned in board.predictions:
        if planned.fate != RESOLVED:
            continue
        latest = planned.latest
        results = score_prediction(
            _points(board, planned), outcome=latest.outcome == "yes",
            created_at=from_micros(planned.created), resolution_date=planned.resolution_date,
            outcome_time=from_micros(latest.outcome_time),
        )
        resolved_at = from_micros(latest.resolved_at)
        for result in results:
            yield {"id": next_id, "user_id": result.user,
                   "prediction_id": board.prediction_id(planned.index),
                   "article_id": board.article_id, "outcome": latest.outcome == "yes",
                   "brier": result.brier, "crowd_brier": result.crowd_brier,
                   "coverage": result.coverage, "relative_brier": result.relative_brier,
                   "final_probability": result.final_probability, "resolved_at": resolved_at}
            next_id += 1


def running_rows(board: Board) -> tuple[list[dict], list[dict]]:
    """The running totals (forum.running) of every prediction still open (awaiting
    resolution included), and their forecasters' windows, as the forecasts would have left
    them: `make bench` resolves the busiest open prediction from them."""
    totals, windows = [], []
    for planned in board.predictions:
        if planned.fate in (RESOLVED, ANNULLED):
            continue
        prediction_id = board.prediction_id(planned.index)
        kept, forecasters = run_all(_points(board, planned), from_micros(planned.created))
        totals.append({"prediction_id": prediction_id, **asdict(kept)})
        windows.extend({"prediction_id": prediction_id, "user_id": user, **asdict(window)}
                       for user, window in forecasters.items())
    return totals, windows


def _points(board: Board, planned: PlannedPrediction) -> list[ForecastPoint]:
    rows = board.forecasts.rows
    lo, hi = board.forecasts.spans[planned.index]
    return [ForecastPoint(rows.ids[i], rows.user[i], rows.value[i], from_micros(rows.time[i]))
            for i in range(lo, hi)]


def _t_end(planned: PlannedPrediction) -> datetime:
    return min(from_micros(planned.latest.outcome_time), scheduled_close(planned.resolution_date))


def tallies(votes: Rows, column: str, size: int) -> list[list[int]]:
    """[up, down] per prediction (column "owner") or per comment entry (column "extra")."""
    counts = [[0, 0] for _ in range(size)]
    targets = getattr(votes, column)
    for target, value in zip(targets, votes.value, strict=True):
        if target >= 0:
            counts[target][0 if value > 0 else 1] += 1
    return counts


def prediction_rows(board: Board) -> Iterator[dict]:
    votes = tallies(board.votes, "owner", len(board.predictions))
    visible = [0] * len(board.predictions)
    for owner, body in zip(board.comments.rows.owner, board.comments.body, strict=True):
        visible[owner] += body >= 0
    for planned, (lo, hi), (median, forecasters), (up, down) in zip(
            board.predictions, board.forecasts.spans, board.crowd, votes, strict=True):
        latest, created = planned.latest, from_micros(planned.created)
        criteria, criteria_html = board.criteria[planned.criteria]
        yield {
            "id": board.prediction_id(planned.index), "article_id": board.article_id,
            "author_id": planned.author, "title": planned.title, "criteria": criteria,
            "criteria_html": criteria_html, "quote": planned.quote,
            "resolution_date": planned.resolution_date, "created_at": created,
            "status": planned.fate if planned.fate in ("resolved", "annulled") else "open",
            "outcome": latest.outcome if planned.fate == RESOLVED else None,
            "outcome_time": from_micros(latest.outcome_time) if latest else None,
            "resolved_at": from_micros(latest.resolved_at) if latest else None,
            "hidden": False, "author_probability": planned.prior, "vote_score": up - down,
            "votes_up": up, "votes_down": down, "comment_count": visible[planned.index],
            "forecast_count": hi - lo, "forecaster_count": forecasters, "crowd_median": median,
            "hot_rank": hot_rank(up - down, forecasters, created),
        }


def forecast_rows(board: Board) -> Iterator[dict]:
    rows = board.forecasts.rows
    for index in rows.order:
        yield {"id": rows.ids[index], "prediction_id": board.prediction_id(rows.owner[index]),
               "user_id": rows.user[index], "probability": rows.value[index],
               "created_at": from_micros(rows.time[index]),
               "reason": phrases.forecast_reason(rows.ids[index])}


def comment_rows(board: Board) -> Iterator[dict]:
    comments = board.comments
    rows, votes = comments.rows, tallies(board.votes, "extra", len(comments.rows))
    for index in rows.order:
        body_index, parent = comments.body[index], rows.extra[index]
        body, body_html = board.bodies[max(body_index, -2 - body_index)] \
            if body_index != -1 else ("", "")
        up, down = votes[index]
        yield {
            "id": rows.ids[index], "prediction_id": board.prediction_id(rows.owner[index]),
            "author_id": rows.user[index], "parent_id": rows.ids[parent] if parent >= 0 else None,
            "body": body, "body_html": body_html, "created_at": from_micros(rows.time[index]),
            "edited_at": from_micros(comments.edited[index]) if comments.edited[index] else None,
            "hidden": body_index <= -2, "deleted": body_index == -1,
            "vote_score": up - down, "votes_up": up, "votes_down": down,
        }


def vote_rows(board: Board) -> Iterator[dict]:
    votes, comment_ids = board.votes, board.comments.rows.ids
    for index in votes.order:
        owner, comment = votes.owner[index], votes.extra[index]
        yield {"id": votes.ids[index], "user_id": votes.user[index],
               "prediction_id": board.prediction_id(owner) if owner >= 0 else None,
               "comment_id": comment_ids[comment] if comment >= 0 else None,
               "value": int(votes.value[index]), "created_at": from_micros(votes.time[index])}


@dataclass
class Moderation:
    """The resolution log and the audit log, as the moderators' work left them."""

    resolutions: list[dict] = field(default_factory=list)
    audit: list[dict] = field(default_factory=list)


def moderation_rows(rng: random.Random, board: Board, moderators: list[int], first: dict,
                    now: int) -> Moderation:
    done = Moderation()
    for planned in board.predictions:
        for entry in planned.log:
            _resolution(rng, done, board, planned, entry, moderators, first, now)
    comments = board.comments
    for index in comments.rows.order:
        if comments.body[index] <= -2:
            done.audit.append(_audit(
                first, done, rng.choice(moderators), "hide", "comment",
                comments.rows.ids[index], rng.choice(phrases.HIDE_REASONS),
                comments.rows.time[index] + rng.randrange(HOUR, DAY),
                {"prediction_id": board.prediction_id(comments.rows.owner[index])}, now))
    return done


def _resolution(rng, done, board, planned, entry, moderators, first, now):
    resolution_id = first["resolutions"] + len(done.resolutions)
    prediction_id, moderator = board.prediction_id(planned.index), rng.choice(moderators)
    note = phrases.CORRECTION_NOTE if entry.is_correction else \
        rng.choice(phrases.RESOLUTION_NOTES[entry.outcome])
    source = f"https://news.example.org/korea/{prediction_id}" \
        if entry.outcome != "annulled" and rng.random() < 0.6 else None
    done.resolutions.append({
        "id": resolution_id, "prediction_id": prediction_id, "outcome": entry.outcome,
        "note": note, "source_url": source, "outcome_time": from_micros(entry.outcome_time),
        "resolved_by_id": moderator, "resolved_at": from_micros(entry.resolved_at),
        "is_correction": entry.is_correction,
    })
    action = "correct" if entry.is_correction else (
        "annul" if entry.outcome == "annulled" else "resolve")
    done.audit.append(_audit(first, done, moderator, action, "prediction", prediction_id, note,
                             entry.resolved_at, {
                                 "outcome": entry.outcome, "source_url": source,
                                 "resolution_id": resolution_id, "prediction_id": prediction_id,
                             }, now))


class Notices:
    """Notification rows, generated while they are inserted (there are many): every
    forecaster hears of each resolution, authors of replies and comments on their posts."""

    def __init__(self, rng: random.Random, board: Board, resolutions: list[dict],
                 first_id: int, now: int) -> None:
        self.rng, self.board, self.resolutions = rng, board, resolutions
        self.next_id, self.now = first_id, now

    def __iter__(self) -> Iterator[dict]:
        forecasts, by_prediction = self.board.forecasts, {}
        for resolution in self.resolutions:
            by_prediction.setdefault(resolution["prediction_id"], []).append(resolution)
        for planned in self.board.predictions:
            lo, hi = forecasts.spans[planned.index]
            forecasters = sorted(set(forecasts.rows.user[lo:hi]))
            for resolution in by_prediction.get(self.board.prediction_id(planned.index), []):
                yield from self._resolved(planned, resolution, forecasters)
        for index in self.board.comments.rows.order:
            yield from self._commented(index)

    def _resolved(self, planned, resolution, forecasters):
        title, outcome = _short(planned.title), resolution["outcome"]
        verdict = "was annulled (not scored)" if outcome == "annulled" \
            else f"resolved {outcome.upper()}"
        corrected = resolution["is_correction"]
        message = f"The resolution of “{title}” was corrected: it now {verdict}." \
            if corrected else f"“{title}” {verdict}."
        moderator = resolution["resolved_by_id"]
        for user in forecasters:
            if user != moderator:
                yield self._row(user, "corrected" if corrected else "resolved",
                                f"resolution:{resolution['id']}", message, moderator,
                                resolution["prediction_id"], None,
                                to_micros(resolution["resolved_at"]))

    def _commented(self, index):
        rows = self.board.comments.rows
        planned = self.board.predictions[rows.owner[index]]
        author, parent, comment_id = rows.user[index], rows.extra[index], rows.ids[index]
        name, title = self.board.names[author], _short(planned.title)
        prediction_id, moment = self.board.prediction_id(planned.index), rows.time[index]
        if parent >= 0 and rows.user[parent] != author:
            yield self._row(rows.user[parent], "reply", f"reply:{comment_id}",
                            f"{name} replied to your comment on “{title}”.", author,
                            prediction_id, comment_id, moment)
        if (parent < 0 or rows.user[parent] != planned.author) and planned.author != author:
            yield self._row(planned.author, "comment", f"comment:{comment_id}",
                            f"{name} commented on your prediction “{title}”.", author,
                            prediction_id, comment_id, moment)

    def _row(self, user, kind, key, message, actor, prediction_id, comment_id, moment):
        read = moment < self.now - 7 * DAY and self.rng.random() < 0.9
        read_at = min(self.now, moment + self.rng.randrange(HOUR, 5 * DAY)) if read else None
        self.next_id += 1
        return {
            "id": self.next_id - 1, "user_id": user, "kind": kind, "event_key": key,
            "actor_id": actor, "prediction_id": prediction_id, "comment_id": comment_id,
            "message": message[:400], "created_at": from_micros(moment),
            "read_at": from_micros(read_at) if read_at else None,
        }


def _audit(first, done, actor, action, target_type, target_id, reason, moment, details, now):
    return {"id": first["audit_log"] + len(done.audit), "actor_id": actor, "action": action,
            "target_type": target_type, "target_id": target_id, "reason": reason,
            "details": details, "created_at": from_micros(min(moment, now))}


def _short(title: str) -> str:
    return title if len(title) <= 80 else title[:77] + "…"
