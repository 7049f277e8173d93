"""A page cache for anonymous readers.

Each server process keeps rendered pages in memory, keyed by the URL and the database's cache
generation: a counter that every committing write transaction bumps (see `track_writes`). A
reader therefore never sees a page older than the last write, on any server, while a hit costs
one primary-key read instead of the page's queries and its rendering. Logged-in members, bearer
clients and every non-GET request bypass the cache entirely.
"""

from flask import Flask, current_app, g, request, session
from sqlalchemy import event, insert, update
from sqlalchemy.orm import Session

from forum import clock, compression
from forum.extensions import db
from forum.models import CacheGeneration
from forum.worker_cache import WorkerCache

PAGE_ENDPOINTS = {
    "articles.home", "articles.show", "board.index", "board.show", "board.feed",
    "leaderboard.index", "leaderboard.rules", "users.profile", "moderation.resolutions_feed",
}
_INTERNAL = "page_cache_internal"
# For a write no cached page shows (a token's "last used" stamp): it leaves the cache alone.
UNSEEN_WRITE = {_INTERNAL: True}
_READ_GENERATION = f"SELECT value FROM {CacheGeneration.__tablename__} WHERE id = 1"


def current_generation() -> int:
    """The shared write counter (0 before the first write). Every cache hit reads it, so it
    skips the ORM's statement machinery: plain SQL on the session's connection."""
    value = db.session.connection().exec_driver_sql(_READ_GENERATION).scalar()
    return value or 0


def _cacheable_request() -> bool:
    if request.method != "GET" or current_app.config.get("PAGE_CACHE_SECONDS", 0) <= 0:
        return False
    endpoint = request.endpoint or ""
    if endpoint not in PAGE_ENDPOINTS and not (endpoint.startswith("api.") and
                                               endpoint != "api.openapi"):
        return False
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    # An empty session only: one holding anything (a member, a message to flash) may show
    # in the page, and a cached page must show nothing of one visitor to another.
    return ("Authorization" not in request.headers and remember not in request.cookies
            and not session)


def serve_cached():
    """before_request: answer an anonymous GET from the cache when the page is current."""
    g.page_cache_key = None
    if not _cacheable_request():
        return None
    # The path and query are all a page varies on: absolute links come from SITE_URL, never
    # from Host or X-Forwarded-*, so no other request header may reach the key or the body.
    g.page_cache_key = (current_generation(), clock.today(), request.full_path)
    hit = current_app.extensions["page_cache"].get(
        g.page_cache_key, ttl=current_app.config["PAGE_CACHE_SECONDS"]
    )
    if hit is None:
        return None
    body, status, headers, variants = hit
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
    variants: dict = {}
    current_app.extensions["page_cache"].put(key, (response.get_data(), 200, headers, variants))
    compression.keep_variants(variants)
    response.headers["X-Cache"] = "miss"
    return response


def _mark_flush(session: Session, _context) -> None:
    if session.new or session.dirty or session.deleted:
        session.info["writes"] = True


def _mark_statement(state) -> None:
    if state.execution_options.get(_INTERNAL):
        return
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["writes"] = True


def _bump_generation(session: Session) -> None:
    session.flush()  # commit() calls this hook before its own final flush
    if not session.info.pop("writes", False):
        return
    options = {_INTERNAL: True}
    bumped = session.execute(
        update(CacheGeneration).where(CacheGeneration.id == 1)
        .values(value=CacheGeneration.value + 1), execution_options=options,
    ).rowcount
    if not bumped:
        session.execute(insert(CacheGeneration).values(id=1, value=1), execution_options=options)


def _forget_writes(session: Session) -> None:
    session.info.pop("writes", None)


def track_writes() -> None:
    """Bump the generation in every transaction that wrote, just before it commits."""
    if not event.contains(Session, "before_commit", _bump_generation):
        event.listen(Session, "after_flush", _mark_flush)
        event.listen(Session, "do_orm_execute", _mark_statement)
        event.listen(Session, "before_commit", _bump_generation)
        event.listen(Session, "after_rollback", _forget_writes)


def register(app: Flask) -> None:
    """Install the cache on the app (a no-op for reads when PAGE_CACHE_SECONDS is 0)."""
    app.extensions["page_cache"] = WorkerCache(2000)
    track_writes()
    app.before_request_funcs.setdefault(None, []).insert(0, serve_cached)
    app.after_request(store_page)
