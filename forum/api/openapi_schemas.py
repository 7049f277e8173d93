"""The schemas of the OpenAPI document: the objects of SPEC.md §7 (responses, strict, so a
field that drifts fails the tests) and the request bodies (their limits come from the same
constants the validators use)."""

from forum.board.validation import (
    CRITERIA_LENGTH,
    PROBABILITY_RANGE,
    QUOTE_MAX,
    REASON_MAX,
    TITLE_LENGTH,
)
from forum.comments.services import BODY_LENGTH
from forum.errors import ERROR_CODES
from forum.lifecycle import STATUSES
from forum.params import MAX_ID


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def strict(properties: dict, optional: tuple[str, ...] = ()) -> dict:
    """An object with exactly these properties, all required but the optional ones."""
    return {"type": "object", "additionalProperties": False, "properties": properties,
            "required": [name for name in properties if name not in optional]}


def items_of(name: str) -> dict:
    return strict({"items": {"type": "array", "items": ref(name)}})


def page_of(name: str) -> dict:
    return strict({"items": {"type": "array", "items": ref(name)}, "page": ref("PageNumber"),
                   "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
                   "total": ref("Count")})


LOW, HIGH = PROBABILITY_RANGE
NOTE_MAX = URL_MAX = 2000  # as forum.moderation.resolutions checks them (a test compares)
NUMBER = {"type": "number"}
TEXT = {"type": "string"}

OBJECTS = {
    "Id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "Count": {"type": "integer", "minimum": 0},
    "PageNumber": {"type": "integer", "minimum": 1},
    "Timestamp": {"type": "string", "format": "date-time",
                  "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$",
                  "description": "ISO 8601 in UTC with a Z.", "examples": [
                      "2026-11-29T10:00:00.123456Z"]},
    "Date": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$",
             "examples": ["2027-06-30"]},
    "Probability": {"type": "number", "minimum": LOW, "maximum": HIGH},
    "Brier": {"type": "number", "minimum": 0, "maximum": 1,
              "description": "A Brier score on the 0–1 scale: 0 is perfect, 1 the worst."},
    "Reason": {"type": "string", "minLength": 1, "maxLength": REASON_MAX, "description":
               "Why the forecaster gave this probability; present only when they said."},
    "Username": {"type": "string", "minLength": 3, "maxLength": 30,
                 "pattern": "^[A-Za-z0-9_-]+$"},
    "Error": strict({"error": strict({
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "code": {"type": "string", "enum": sorted(set(ERROR_CODES.values()))},
        "message": TEXT,
        "fields": {"type": "object", "description": "Only for validation_error: the messages "
                   "for each field that was not valid.",
                   "additionalProperties": {"type": "array", "items": TEXT, "minItems": 1}},
    }, optional=("fields",))}),
    "ArticleSummary": strict({"slug": TEXT, "title": TEXT, "published_at": ref("Timestamp"),
                              "prediction_count": ref("Count")}),
    "Article": strict({"slug": TEXT, "title": TEXT, "body_html": TEXT, "prompt": TEXT,
                       "published_at": ref("Timestamp"), "prediction_count": ref("Count")}),
    "ArticleList": items_of("ArticleSummary"),
    "Votes": strict({"score": {"type": "integer"}, "up": ref("Count"), "down": ref("Count")}),
    "VoteTally": strict({"score": {"type": "integer"}, "up": ref("Count"),
                         "down": ref("Count"), "my_vote": {"type": "integer",
                                                           "enum": [-1, 0, 1]}}),
    "Resolution": strict({
        "outcome": {"type": "string", "enum": ["yes", "no", "annulled"]},
        "note": TEXT, "source_url": nullable({"type": "string", "format": "uri"}),
        "outcome_time": ref("Timestamp"), "resolved_at": ref("Timestamp"),
        "resolved_by": ref("Username"),
    }),
    "Prediction": strict({
        "id": ref("Id"),
        "url": {"type": "string", "format": "uri", "description": "Its page on the site."},
        "article": {"type": "string", "description": "The article's slug."},
        "title": TEXT, "criteria": {"type": "string", "description": "Markdown source."},
        "quote": nullable(TEXT), "author": ref("Username"), "created_at": ref("Timestamp"),
        "resolution_date": ref("Date"),
        "status": {"type": "string", "enum": list(STATUSES)},
        "outcome": {"type": ["string", "null"], "enum": ["yes", "no", None]},
        "author_probability": ref("Probability"),
        "crowd": strict({"median": nullable(ref("Probability")), "forecasters": ref("Count")}),
        "votes": ref("Votes"),
        "my_vote": {"type": "integer", "enum": [-1, 0, 1],
                    "description": "Present when the request is authenticated."},
        "comment_count": ref("Count"), "forecast_count": ref("Count"),
        "resolution": nullable(ref("Resolution")),
    }, optional=("my_vote",)),
    "PredictionPage": page_of("Prediction"),
    "Forecast": strict({"id": ref("Id"), "username": ref("Username"),
                        "probability": ref("Probability"), "created_at": ref("Timestamp"),
                        "reason": ref("Reason")}, optional=("reason",)),
    "ForecastList": items_of("Forecast"),
    "Comment": strict({
        "id": ref("Id"), "parent_id": nullable(ref("Id")), "author": ref("Username"),
        "body": {"type": "string", "description": "Markdown source; empty when hidden."},
        "body_html": {"type": "string", "description": "Sanitised HTML; empty when hidden."},
        "created_at": ref("Timestamp"), "edited_at": nullable(ref("Timestamp")),
        "hidden": {"type": "boolean",
                   "description": "Removed by a moderator or deleted by its author."},
        "votes": ref("Votes"),
    }),
    "CommentList": items_of("Comment"),
    "Token": strict({"token": TEXT, "username": ref("Username")}),
    "LeaderboardEntry": strict({
        "rank": {"type": "integer", "minimum": 1}, "username": ref("Username"),
        "predictions": {"type": "integer", "minimum": 1}, "mean_brier": ref("Brier"),
        "relative_brier": {**NUMBER, "description": "The sum of relative Brier scores; "
                           "negative is better than the crowd."},
    }),
    "Leaderboard": strict({
        "period": {"type": "string", "enum": ["all", "year", "quarter", "month"]},
        "items": {"type": "array", "items": ref("LeaderboardEntry")},
        "page": ref("PageNumber"), "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
        "total": ref("Count"),
    }),
    "CalibrationBin": strict({
        "bin_start": {"type": "number", "minimum": 0, "maximum": 1},
        "bin_end": {"type": "number", "minimum": 0, "maximum": 1},
        "count": ref("Count"),
        "mean_forecast": nullable({"type": "number", "minimum": 0, "maximum": 1}),
        "observed": nullable({"type": "number", "minimum": 0, "maximum": 1}),
    }),
    "UserProfile": strict({
        "username": ref("Username"),
        "role": {"type": "string", "enum": ["member", "moderator", "admin"]},
        "joined_at": ref("Timestamp"),
        "stats": strict({
            "predictions_scored": ref("Count"), "mean_brier": nullable(ref("Brier")),
            "relative_brier": nullable(NUMBER), "predictions": ref("Count"),
            "forecasts": ref("Count"), "comments": ref("Count"),
        }),
        "calibration": {"type": "array", "items": ref("CalibrationBin"), "minItems": 10,
                        "maxItems": 10},
    }),
    "Score": strict({
        "prediction_id": ref("Id"), "outcome": {"type": "string", "enum": ["yes", "no"]},
        "brier": ref("Brier"), "crowd_brier": ref("Brier"),
        "coverage": {"type": "number", "minimum": 0, "maximum": 1},
        "relative_brier": NUMBER,
    }),
    "ScoreList": items_of("Score"),
}

REQUESTS = {
    "TokenRequest": {"type": "object", "required": ["username", "password"], "properties": {
        "username": TEXT, "password": {"type": "string", "format": "password"}}},
    "NewPrediction": {"type": "object", "required": [
        "title", "criteria", "probability", "resolution_date"], "properties": {
        "title": {"type": "string", "minLength": TITLE_LENGTH[0], "maxLength": TITLE_LENGTH[1],
                  "description": "The claim."},
        "criteria": {"type": "string", "minLength": CRITERIA_LENGTH[0],
                     "maxLength": CRITERIA_LENGTH[1],
                     "description": "How it will be judged (Markdown)."},
        "probability": ref("Probability"),
        "resolution_date": {**OBJECTS["Date"], "description": "After today (UTC), at most "
                            "ten years ahead."},
        "quote": nullable({"type": "string", "maxLength": QUOTE_MAX, "description":
                           "A passage of the article (whitespace is collapsed)."}),
    }},
    "NewForecast": {"type": "object", "required": ["probability"],
                    "properties": {"probability": ref("Probability"), "reason": nullable({
                        "type": "string", "maxLength": REASON_MAX, "description":
                        "Optional: why, in a line; shown in the discussion."})}},
    "Vote": {"type": "object", "required": ["value"], "properties": {
        "value": {"type": "integer", "enum": [1, -1, 0], "description": "0 removes the vote."}}},
    "NewComment": {"type": "object", "required": ["body"], "properties": {
        "body": {"type": "string", "minLength": BODY_LENGTH[0], "maxLength": BODY_LENGTH[1],
                 "description": "Markdown."},
        "parent_id": nullable({**OBJECTS["Id"], "description": "The comment replied to."}),
    }},
    "NewResolution": {"type": "object", "required": ["outcome", "note"], "properties": {
        "outcome": {"type": "string", "enum": ["yes", "no", "annulled"]},
        "note": {"type": "string", "minLength": 1, "maxLength": NOTE_MAX},
        "source_url": nullable({"type": "string", "format": "uri", "maxLength": URL_MAX,
                                "description": "http or https."}),
        "outcome_time": {"type": "string", "format": "date-time",
                         "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?"
                                    r"(Z|[+-]\d{2}:\d{2})?$",
                         "description": "When the outcome became known, in ISO 8601's "
                         "extended form (no zone means UTC): not in the future, not before the "
                         "prediction was made. Default: now (a correction keeps the previous "
                         "one)."},
        "correction": {"type": "boolean", "default": False, "description": "Required to "
                       "change a prediction that is already resolved or annulled."},
    }},
}

SCHEMAS = {**OBJECTS, **REQUESTS}
