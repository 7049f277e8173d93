"""GET /openapi.json: the OpenAPI 3.1 document of the whole API of SPEC.md §7. The schemas
are in openapi_schemas; this module lays out the operations."""

from flask import jsonify

from forum.api import bp
from forum.api.openapi_schemas import SCHEMAS, ref
from forum.board.queries import RELEVANCE, SEARCH_MAX, SORTS, STATUS_FILTERS

ERRORS = {
    400: "The body is not JSON or not a JSON object, or a cookie-authenticated write came "
         "without its X-CSRFToken header (code `bad_request`).",
    401: "Not authenticated, or the bearer token is malformed, revoked or unknown "
         "(code `unauthorized`).",
    403: "Authenticated but not allowed: a suspended member, your own content, or a role "
         "that is too low (code `forbidden`).",
    404: "No such resource, or one hidden by a moderator (code `not_found`).",
    405: "The path does not accept this method; `Allow` lists those it does "
         "(code `method_not_allowed`).",
    409: "The resource's state does not allow it now (code `conflict`).",
    413: "The request body is too large (code `payload_too_large`).",
    422: "A field or query parameter is not valid; `fields` says which and why "
         "(code `validation_error`).",
    429: "Rate limited; retry after `Retry-After` seconds (code `rate_limited`).",
    503: "The database is unavailable for a moment; retry after `Retry-After` seconds "
         "(code `server_error`).",
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again.",
                               "schema": {"type": "integer", "minimum": 1}}}
ALLOW = {"Allow": {"description": "The methods this path accepts.", "schema": {"type": "string"}}}
READ_ERRORS = (401, 503)  # any request may carry a bad bearer token
WRITE_ERRORS = (400, 401, 403, 404, 413, 422, 429, 503)
PUBLIC = [{}, {"bearerAuth": []}, {"sessionCookie": []}]
MEMBERS = [{"bearerAuth": []}, {"sessionCookie": []}]


def json_content(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def error_response(status: int) -> dict:
    response = {"description": ERRORS[status], "content": json_content(ref("Error"))}
    headers = {429: RETRY_AFTER, 503: RETRY_AFTER, 405: ALLOW}.get(status)
    if headers:
        response["headers"] = headers
    return response


def operation(operation_id: str, tag: str, summary: str, success: tuple[int, str | None, str],
              errors=READ_ERRORS, security=PUBLIC, parameters=(), body: str | None = None,
              description: str | None = None) -> dict:
    """One operation: its success response (status, schema name, description) and errors."""
    status, schema, text = success
    ok = {"description": text}
    if schema:
        ok["content"] = json_content(ref(schema))
    spec = {"operationId": operation_id, "tags": [tag], "summary": summary,
            "security": security, "responses": {
                str(status): ok, **{str(code): {"$ref": f"#/components/responses/E{code}"}
                                    for code in sorted(errors)}}}
    if description:
        spec["description"] = description
    if parameters:
        spec["parameters"] = [{"$ref": f"#/components/parameters/{name}"}
                              for name in parameters]
    if body:
        spec["requestBody"] = {"required": True, "content": json_content(ref(body))}
    return spec


def query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


def path(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema,
            "description": description}


PARAMETERS = {
    "slug": path("slug", {"type": "string", "minLength": 1, "maxLength": 120},
                 "The article's slug."),
    "prediction_id": path("id", ref("Id"), "The prediction's id."),
    "comment_id": path("id", ref("Id"), "The comment's id."),
    "username": path("username", {"type": "string", "minLength": 1, "maxLength": 30},
                     "The member's username (any case)."),
    "status": query("status", {"type": "string", "enum": list(STATUS_FILTERS),
                               "default": "all"}, "Only predictions with this status."),
    "sort": query("sort", {"type": "string", "enum": [*SORTS, RELEVANCE], "default": "hot"},
                  "hot: busiest and newest first; top: by vote score; new; resolving: soonest "
                  "resolution date first; forecasts: most forecast first; relevance (with `q` "
                  "only): the best matches first, a word in the claim counting most. The "
                  "default is hot, with `q` too."),
    "q": query("q", {"type": "string", "maxLength": SEARCH_MAX},
               "Words to find, in any order and case, in the claim, the criteria or the "
               "comments (each word must be found; very common words are ignored). A `q` "
               "with no letters or digits, or of more than 12 words, is a 422."),
    "page": query("page", {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1},
                  "The page, from 1."),
    "per_page": query("per_page", {"type": "integer", "minimum": 1, "maximum": 100,
                                   "default": 20}, "Items per page."),
    "period": query("period", {"type": "string", "enum": ["all", "year", "quarter", "month"],
                               "default": "all"},
                    "Scores of predictions resolved in the last 365, 90 or 30 days, or all."),
    "article": query("article", {"type": "string", "maxLength": 120},
                     "Only this article's predictions (its slug)."),
    "leaderboard_per_page": query("per_page", {"type": "integer", "minimum": 1,
                                               "maximum": 100, "default": 50},
                                  "Items per page."),
}

PATHS = {
    "/tokens": {"post": operation(
        "createToken", "tokens", "Exchange a username and password for a bearer token",
        (201, "Token", "The token: keep it, it is shown once."), security=[{}],
        errors=(400, 401, 403, 413, 422, 429, 503), body="TokenRequest",
        description="403 for a suspended member (said only after the right password), and for an "
                    "account whose activation link has not been followed yet.")},
    "/tokens/current": {"delete": operation(
        "revokeCurrentToken", "tokens", "Revoke the bearer token sent with this request",
        (204, None, "Revoked: the token no longer works."), errors=(401, 429, 503),
        security=[{"bearerAuth": []}])},
    "/articles": {"get": operation(
        "listArticles", "articles", "List the articles, newest first",
        (200, "ArticleList", "The articles."))},
    "/articles/{slug}": {"get": operation(
        "getArticle", "articles", "Read an article", (200, "Article", "The article."),
        errors=(*READ_ERRORS, 404), parameters=("slug",))},
    "/articles/{slug}/predictions": {
        "get": operation(
            "listPredictions", "predictions", "List an article's predictions",
            (200, "PredictionPage", "A page of predictions."), errors=(*READ_ERRORS, 404, 422),
            parameters=("slug", "status", "sort", "q", "page", "per_page"),
            description="Predictions hidden by a moderator are left out."),
        "post": operation(
            "createPrediction", "predictions", "Post a prediction on an article",
            (201, "Prediction",
             "The new prediction; the probability is the author's first forecast."),
            errors=WRITE_ERRORS, security=MEMBERS, parameters=("slug",), body="NewPrediction",
            description="Fields a client may not set (author, status, counters, …) are "
                        "ignored. Probabilities are JSON numbers, never strings."),
    },
    "/predictions/{id}": {"get": operation(
        "getPrediction", "predictions", "Read a prediction", (200, "Prediction", "It."),
        errors=(*READ_ERRORS, 404), parameters=("prediction_id",),
        description="A prediction hidden by a moderator is 404 to everyone but moderators.")},
    "/predictions/{id}/forecasts": {
        "get": operation(
            "listForecasts", "forecasts", "Every forecast ever made on a prediction",
            (200, "ForecastList", "Oldest first."), errors=(*READ_ERRORS, 404),
            parameters=("prediction_id",)),
        "post": operation(
            "createForecast", "forecasts", "Add your newest forecast (your history is kept)",
            (201, "Forecast", "The forecast."), errors=(*WRITE_ERRORS, 409), security=MEMBERS,
            parameters=("prediction_id",), body="NewForecast",
            description="409 unless the prediction is open."),
    },
    "/predictions/{id}/vote": {"put": operation(
        "votePrediction", "votes", "Vote on a prediction (0 removes your vote)",
        (200, "VoteTally", "The prediction's votes now."), errors=(*WRITE_ERRORS, 409),
        security=MEMBERS, parameters=("prediction_id",), body="Vote",
        description="403 on your own prediction; 409 once it is resolved or annulled.")},
    "/predictions/{id}/comments": {
        "get": operation(
            "listComments", "comments", "A prediction's comments",
            (200, "CommentList", "Oldest first; replies name their parent."),
            errors=(*READ_ERRORS, 404), parameters=("prediction_id",)),
        "post": operation(
            "createComment", "comments", "Comment on a prediction, or reply to a comment",
            (201, "Comment", "The comment."), errors=(*WRITE_ERRORS, 409), security=MEMBERS,
            parameters=("prediction_id",), body="NewComment",
            description="409 when replying to a comment that was removed."),
    },
    "/comments/{id}/vote": {"put": operation(
        "voteComment", "votes", "Vote on a comment (0 removes your vote)",
        (200, "VoteTally", "The comment's votes now."), errors=(*WRITE_ERRORS, 409),
        security=MEMBERS, parameters=("comment_id",), body="Vote",
        description="403 on your own comment; 409 on a removed one.")},
    "/predictions/{id}/resolution": {"post": operation(
        "resolvePrediction", "resolution", "Resolve, correct or annul a prediction",
        (200, "Prediction", "The prediction as resolved."),
        errors=(400, 401, 403, 404, 409, 413, 422, 429, 503), security=MEMBERS,
        parameters=("prediction_id",), body="NewResolution",
        description="Moderators only (403 for members), and not the author: a moderator's "
                    "own prediction is resolved by another moderator or an admin (403 says "
                    "so). 409 when it is already resolved or "
                    "annulled and `correction` is not true, or when a correction names a "
                    "prediction that has no resolution yet.")},
    "/leaderboard": {"get": operation(
        "getLeaderboard", "leaderboard", "Forecasters ranked by relative Brier score",
        (200, "Leaderboard", "A page of the ranking."), errors=(*READ_ERRORS, 404, 422),
        parameters=("period", "article", "page", "leaderboard_per_page"),
        description="Ordered by relative Brier (sum) ascending, then mean Brier, then "
                    "username; users with no score in the period are not listed.")},
    "/users/{username}": {"get": operation(
        "getUser", "users", "A member's public profile, stats and calibration",
        (200, "UserProfile", "The profile."), errors=(*READ_ERRORS, 404),
        parameters=("username",))},
    "/users/{username}/scores": {"get": operation(
        "getUserScores", "users", "A member's score on each resolved prediction",
        (200, "ScoreList", "The scores."), errors=(*READ_ERRORS, 404),
        parameters=("username",))},
    "/openapi.json": {"get": operation(
        "getOpenApi", "meta", "This document",
        (200, None, "The OpenAPI 3.1 document."))},
}
PATHS["/openapi.json"]["get"]["responses"]["200"]["content"] = json_content({"type": "object"})

DESCRIPTION = """\
The JSON API of Forecast Forum. JSON in and out, UTF-8. Times are ISO 8601 in UTC with a `Z`;
dates are `YYYY-MM-DD`; probabilities are numbers in [0.01, 0.99].

**Authentication.** `POST /tokens` with a username and password returns a bearer token; send
it as `Authorization: Bearer <token>`. Browser pages may use their session cookie instead, and
must then send the CSRF token in `X-CSRFToken` with every write. A malformed, revoked or
unknown bearer token is 401 on every path, reads included.

**Errors.** Every error is `{"error": {"status", "code", "message", "fields"?}}`; `fields` only
for `validation_error`. A path called with a method it does not accept is 405 with `Allow`.
Bad input is never a 500. Suspended members get 403 on every write."""

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "Forecast Forum API", "version": "1.0.0", "description": DESCRIPTION},
    "servers": [{"url": "/api/v1"}],
    "tags": [{"name": name} for name in ("tokens", "articles", "predictions", "forecasts",
                                         "votes", "comments", "resolution", "leaderboard",
                                         "users", "meta")],
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "parameters": PARAMETERS,
        "responses": {f"E{status}": error_response(status) for status in ERRORS},
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer",
                           "description": "A token from POST /tokens."},
            "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session",
                              "description": "The browser's login session; writes must also "
                                             "send the page's CSRF token in X-CSRFToken."},
        },
    },
}


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(DOCUMENT)
