"""A page cache for anonymous readers.

Each server process keeps rendered pages in memory, keyed by the URL and the versions of the
scopes the page shows (forum/cache_versions.py): a vote raises its prediction's version and
the articles', so that prediction's page and the boards are rendered again while every other
prediction's page, the leaderboard and the rules stay cached; a login raises none. A reader
never sees a page older than the last write that changed it, on any server, and a hit costs
one small read instead of the page's queries and its rendering. Logged-in members, bearer
clients and every non-GET request bypass this cache; their pages reuse the shared fragments
(forum/fragments.py) keyed by the same versions.
"""

from flask import Flask, current_app, g, request, session

from forum import cache_versions, clock, compression
from forum.cache_versions import ARTICLES, SCORES, SITE
from forum.extensions import login_manager
from forum.worker_cache import WorkerCache

# What each cached page shows, by endpoint; a prediction's page adds its own scope.
_ARTICLE_PAGES = (SITE, ARTICLES)
PAGE_SCOPES = {
    "articles.home": _ARTICLE_PAGES, "articles.show": _ARTICLE_PAGES,
    "board.index": _ARTICLE_PAGES, "board.feed": _ARTICLE_PAGES,
    "moderation.resolutions_feed": (SITE, ARTICLES, SCORES),
    "leaderboard.index": (SITE, SCORES), "leaderboard.rules": (SITE, SCORES),
    "users.profile": (SITE, ARTICLES, SCORES),
    "api.list_articles": _ARTICLE_PAGES, "api.show_article": _ARTICLE_PAGES,
    "api.list_predictions": _ARTICLE_PAGES,
    "api.show_leaderboard": (SITE, SCORES),
    "api.show_user": (SITE, ARTICLES, SCORES), "api.list_user_scores": (SITE, ARTICLES, SCORES),
}
PAGE_CACHE_BYTES = 32 * 1024 * 1024  # per worker: the most-read pages, weighed by their size
PREDICTION_PAGES = {"board.show", "api.show_prediction", "api.list_forecasts",
                    "api.list_comments"}


def page_scopes(endpoint: str | None, view_args: dict | None) -> tuple[str, ...] | None:
    """The scopes a GET to this endpoint shows; None for a page that is never cached."""
    if endpoint in PREDICTION_PAGES and view_args and "prediction_id" in view_args:
        return SITE, cache_versions.prediction(view_args["prediction_id"])
    return PAGE_SCOPES.get(endpoint or "")


def _cacheable_request() -> bool:
    if request.method != "GET" or current_app.config.get("PAGE_CACHE_SECONDS", 0) <= 0:
        return False
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    # An empty session only: one holding anything (a member, a message to flash) may show
    # in the page, and a cached page must show nothing of one visitor to another.
    return ("Authorization" not in request.headers and remember not in request.cookies
            and not session)


def serve_cached():
    """before_request: pin the page's versions before any data is read (members' fragments
    use them too), and answer an anonymous GET from the cache when the page is current."""
    g.page_cache_key = None
    scopes = page_scopes(request.endpoint, request.view_args) if request.method == "GET" \
        else None
    if scopes is None:
        return None
    versions = cache_versions.pinned(*scopes)
    if not _cacheable_request():
        return None
    # The path and query are all a page varies on: absolute links come from SITE_URL, never
    # from Host or X-Forwarded-*, so no other request header may reach the key or the body.
    g.page_cache_key = (versions, clock.today(), request.full_path)
    hit = current_app.extensions["page_cache"].get(
        g.page_cache_key, ttl=current_app.config["PAGE_CACHE_SECONDS"]
    )
    if hit is None:
        return None
    body, status, headers, variants = hit
    # Anonymous by the test above (no session, no login cookie, no token): the after-request
    # steps that ask need not run Flask-Login's loaders to learn it.
    g._login_user = login_manager.anonymous_user()
    response = current_app.response_class(body, status=status, headers=headers)
    response.headers["X-Cache"] = "hit"
    compression.keep_variants(variants)  # the page's gzip bytes, made by its first such request
    g.page_cache_key = None
    return response


def store_page(response):
    """after_request: keep a fresh anonymous 200 response that sets no cookie and left the
    (empty) session alone."""
    key = getattr(g, "page_cache_key", None)
    if key is None or response.status_code != 200 or response.direct_passthrough:
        return response
    if "Set-Cookie" in response.headers or session.modified:  # the session cookie comes later
        return response
    headers = [(name, value) for name, value in response.headers
               if name.lower() not in ("content-length", "date", "x-cache")]
    body = response.get_data()
    variants: dict = {}  # the gzip bytes join it on first use, counted in its weight below
    current_app.extensions["page_cache"].put(key, (body, 200, headers, variants),
                                             weight=len(body) * 5 // 4)
    compression.keep_variants(variants)
    response.headers["X-Cache"] = "miss"
    return response


def register(app: Flask) -> None:
    """Install the cache on the app (a no-op for reads when PAGE_CACHE_SECONDS is 0)."""
    app.extensions["page_cache"] = WorkerCache(PAGE_CACHE_BYTES)
    cache_versions.install()
    app.before_request_funcs.setdefault(None, []).insert(0, serve_cached)
    app.after_request(store_page)
