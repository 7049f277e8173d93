"""Fixtures for browser tests: a live server on the run's database, Chromium, a page that fails
the test on any console error or CSP violation, and `screenshot(page, name)`.

With FORUM_SCREENSHOTS=1 (`make screenshots`), screenshots land in
artifacts/screenshots/<name>-<width>.png (git-ignored)."""

import os
import re
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from config import TestConfig
from forum.app import create_app
from forum.extensions import db
from tests.fixtures.database import empty_database

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

# Reported to the console by the page itself, so a CSP violation fails the test even if the
# browser stops logging its own message about it.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


class LiveServer:
    """The app served over HTTP from a background thread."""

    def __init__(self, app, url: str):
        self.app = app
        self.url = url

    def __call__(self, path: str = "/") -> str:
        """The absolute URL of a path on this server."""
        return self.url + path

    def app_context(self):
        """Use the server's app (and its database) from the test, e.g. to add data."""
        return self.app.app_context()

    def empty_database(self) -> None:
        with self.app.app_context():
            db.session.remove()
            empty_database()


@pytest.fixture(scope="module")
def live_server(migrated_database):
    """The app with CSRF on (real browsers send the token) and members' pages assembled from
    shared fragments (as in production: their spliced CSRF tokens must work), on the run's
    migrated database."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=migrated_database,
                     WTF_CSRF_ENABLED=True, FRAGMENT_CACHE_SECONDS=30)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    live = LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    try:
        yield live
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        live.empty_database()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(autouse=True)
def _empty_the_live_database_after_each_test(request):
    """Each browser test starts from an empty database, like every other test."""
    server = request.getfixturevalue("live_server") if "live_server" in request.fixturenames \
        else None
    yield
    if server is not None:
        server.empty_database()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium (never a downloaded one). Skipped when it is missing, except in CI."""
    if not CHROMIUM.exists():
        message = "Chromium not installed: apt-get install chromium"
        if os.environ.get("FORUM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{message} (FORUM_REQUIRE_BROWSER=1: the browser tests must run)",
                        pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Console:
    """What a page reported: console messages, uncaught errors and failed loads.

    Any console error, uncaught exception or CSP violation fails the test, and so does a
    stylesheet, script, image or font that fails to load, or a 5xx answer to any request.
    An HTML page answering 4xx is an ordinary outcome here (a form with mistakes is 422, a
    missing page 404), so Chromium's "Failed to load resource" line is judged by the response
    it is about, not by itself. A test that provokes an error on purpose says so with
    `console.expect_error(pattern)`."""

    ASSETS = frozenset({"stylesheet", "script", "image", "font"})

    def __init__(self):
        self.messages: list[str] = []
        self.errors: list[str] = []
        self._expected: list[re.Pattern] = []

    def record(self, kind: str, text: str) -> None:
        self.messages.append(f"{kind}: {text}")
        if kind == "pageerror" or (kind == "error" and not text.startswith(
                "Failed to load resource: the server responded with a status of")):
            self.errors.append(f"{kind}: {text}")

    def record_response(self, response) -> None:
        kind, status = response.request.resource_type, response.status
        if status >= 500 or (status >= 400 and kind in self.ASSETS):
            self.errors.append(f"{kind} {response.url} answered {status}")

    def record_failure(self, request) -> None:
        # ERR_ABORTED is also what a navigation does to loads still in flight, and Chromium
        # logs its own error when it aborts a stylesheet or script for its content type.
        if request.resource_type in self.ASSETS and request.failure != "net::ERR_ABORTED":
            self.errors.append(f"{request.resource_type} {request.url} failed: {request.failure}")

    def expect_error(self, pattern: str) -> None:
        """Allow errors matching this regular expression (e.g. a 500 the test provokes)."""
        self._expected.append(re.compile(pattern))

    def unexpected_errors(self) -> list[str]:
        return [error for error in self.errors
                if not any(pattern.search(error) for pattern in self._expected)]


@pytest.fixture
def console():
    return Console()


@pytest.fixture
def page(browser, console):
    """A fresh browser context at desktop width in light mode; fails on the errors `Console`
    describes."""
    with checked_page(browser, console) as opened:
        yield opened


@contextmanager
def checked_page(browser, console, **context_options):
    """A page in a fresh context (desktop, light, en-GB, UTC unless overridden) whose console
    errors, CSP violations, failed loads and 5xx answers fail the test when it closes."""
    options = {"viewport": DESKTOP, "color_scheme": "light", "locale": "en-GB",
               "timezone_id": "UTC", **context_options}
    context = browser.new_context(**options)
    context.add_init_script(CSP_LISTENER)  # with JavaScript off it can't run; Chromium still logs
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    opened.on("console", lambda message: console.record(message.type, message.text))
    opened.on("pageerror", lambda error: console.record("pageerror", str(error)))
    opened.on("response", console.record_response)
    opened.on("requestfailed", console.record_failure)
    try:
        yield opened
    finally:
        context.close()
    if unexpected := console.unexpected_errors():
        pytest.fail("The page reported errors:\n" + "\n".join(unexpected), pytrace=False)


def screenshot(page, name: str) -> Path | None:
    """Save a full-page screenshot as artifacts/screenshots/<name>-<width>.png when
    FORUM_SCREENSHOTS=1 (`make screenshots`, and CI's SQLite pass); otherwise take none.
    Rendering and encoding every page whole was a sixth of the browser tests' time, for
    pictures nobody opens on an ordinary run."""
    if os.environ.get("FORUM_SCREENSHOTS") != "1":
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{page.viewport_size['width']}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def main_nav(page):
    """The site's main navigation, with its menu opened first where it is folded (a phone)."""
    nav = page.get_by_role("navigation", name="Main")
    toggle = nav.locator("summary.nav-toggle")
    if toggle.is_visible() and nav.locator("details.nav-menu[open]").count() == 0:
        toggle.click()
    return nav
