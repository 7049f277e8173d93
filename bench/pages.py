"""The page types the benchmark loads, found on the demo data; logging in as a member; and
each page's SQL statement count, measured in-process on one uncached request."""

import http.client
import math
import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from flask import Flask, url_for
from sqlalchemy import event, func, select
from werkzeug.routing import BuildError

from forum.demo_data import DEMO_PASSWORD, MEMBER

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
DEEP_PAGE = 500
COMMENTS_WANTED = 200


@dataclass
class Page:
    name: str
    path: str
    member: bool = False
    status: int | None = None  # of an in-process GET
    queries: int | None = None  # SQL statements of one uncached request


def bench_app(database_url: str) -> Flask:
    """The app on the bench database, with CSRF on (as in production) and no page cache,
    so counted queries are what a cache miss costs."""
    from forum.app import create_app

    return create_app(None, SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY="bench",
                      FORUM_ENV="development", RATELIMIT_ENABLED=False, PAGE_CACHE_SECONDS=0,
                      SQLALCHEMY_RECORD_QUERIES=False)


def featured_slug(app: Flask) -> str:
    """The featured article's slug (the one the board pages show)."""
    from forum.articles.services import featured_article

    with app.app_context():
        article = featured_article()
        return article.slug if article else "missing-article"


def find_pages(app: Flask) -> list[Page]:
    """The page types of issue 7, with URLs taken from the app's routes where they exist."""
    from forum.articles.services import featured_article
    from forum.extensions import db
    from forum.models import Prediction

    with app.app_context():
        article = featured_article()
        slug = article.slug if article else "missing-article"
        visible = db.session.scalar(select(func.count(Prediction.id)).where(
            Prediction.hidden.is_(False), Prediction.article_id == (article.id if article else 0)))
        discussed = db.session.scalar(
            select(Prediction.id).where(Prediction.hidden.is_(False))
            .order_by(func.abs(Prediction.comment_count - COMMENTS_WANTED), Prediction.id)
            .limit(1)) or 1
        deep = max(1, min(DEEP_PAGE, math.ceil((visible or 0) / 20)))
    with app.test_request_context():
        home = _url("articles.home", "/")
        board = _url("board.index", f"/articles/{slug}/predictions", slug=slug)
        prediction = _url("board.show", f"/predictions/{discussed}", prediction_id=discussed)
        return [
            Page("article + board", home),
            Page("article + board (member)", home, member=True),
            Page("board, page 1", board),
            Page(f"board, page {deep}", f"{board}?page={deep}"),
            Page("prediction, ~200 comments", prediction),
            Page("prediction (member)", prediction, member=True),
            Page("leaderboard", _url("leaderboard.index", "/leaderboard")),
            Page("profile", _url("users.profile", f"/users/{MEMBER}", username=MEMBER)),
            Page("API list", _url("api.list_predictions", f"/api/v1/articles/{slug}/predictions",
                                  slug=slug)),
        ]


def _url(endpoint: str, fallback: str, **values) -> str:
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return fallback


def probe_path(app: Flask) -> str:
    """A cheap URL of the app (a static file linked from the front page), to tell when the
    workers are idle."""
    html = app.test_client().get("/").get_data(as_text=True)
    match = re.search(r'(?:href|src)="(/static/[^"?]+)', html)
    return match.group(1) if match else "/login"


def count_queries(app: Flask, pages: list[Page]) -> None:
    """Fill each page's status and SQL statement count (the second of two requests, so
    one-off work such as the first connection's set-up is not counted)."""
    from forum.extensions import db

    statements: list[str] = []

    def counted(conn, cursor, statement, *args):
        statements.append(statement)

    anonymous, member = app.test_client(), app.test_client()
    _login_test_client(member)
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counted)
    try:
        for page in pages:
            client = member if page.member else anonymous
            client.get(page.path)
            statements.clear()
            page.status = client.get(page.path).status_code
            page.queries = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", counted)


def _login_test_client(client) -> None:
    form = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"username": MEMBER, "password": DEMO_PASSWORD,
                                           "csrf_token": _csrf(form)})
    if response.status_code not in (302, 303):
        raise RuntimeError(f"in-process login as {MEMBER} failed ({response.status_code})")


def _csrf(html: str) -> str:
    match = _CSRF.search(html)
    if not match:
        raise RuntimeError("no csrf_token in the login form")
    return match.group(1) or match.group(2)


def http_login(base: str, username: str = MEMBER, password: str = DEMO_PASSWORD) -> str:
    """Log in over HTTP through the real form; returns the Cookie header to reuse."""
    parts = urlsplit(base)
    cookies: dict[str, str] = {}

    def request(method, path, body=None, headers=None):
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
        connection.request(method, path, body=body,
                           headers={**(headers or {}), **({"Cookie": cookie} if cookie else {})})
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            cookies[name.strip()] = value.strip()
        connection.close()
        return response, text

    _, form = request("GET", "/login")
    body = urlencode({"username": username, "password": password, "csrf_token": _csrf(form)})
    response, _ = request("POST", "/login", body,
                          {"Content-Type": "application/x-www-form-urlencoded"})
    location = response.getheader("Location", "")
    if response.status not in (302, 303) or "/login" in location:
        raise RuntimeError(f"login as {username} failed over HTTP ({response.status})")
    # Follow the redirect as a browser does: the page shows the welcome message once and the
    # session drops it. Left in the cookie, every loaded page would show it again, and a page
    # with a message to flash is never a member's kept page (forum/member_pages.py).
    request("GET", urlsplit(location).path or "/")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())
