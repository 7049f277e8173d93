"""axe-core finds nothing on any page type (issue 15, items 10 and 12).

Every page type in every state (tests/page_support.py: an empty site and one with content;
a visitor, a member and a moderator; forms with errors shown) is opened in Chromium, in the
light and the dark theme, on a 390 px phone and a 1280 px screen, and axe-core (from
node_modules, `make node_modules`; added by Playwright as an init script, never from a CDN)
must report no violation of any impact, `target-size` included (see COMBINATIONS).

The browser is given the exact HTML the app answered (with its headers, the
Content-Security-Policy among them) at the page's own address; every other request (the
stylesheets, scripts, images) is answered by the app itself, so nothing leaves the machine."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from config import TestConfig
from forum.app import create_app
from tests.e2e.conftest import DESKTOP, PHONE, checked_page

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ORIGIN = TestConfig.SITE_URL  # the address the pages' own absolute links use
AXE_OPTIONS = {"resultTypes": ["violations"], "iframes": False,
               "rules": {"target-size": {"enabled": True}}}
RUN_AXE = "options => axe.run(document, options).then(result => result.violations)"


@pytest.fixture(scope="module")
def page_types(rendered_pages):
    """One page of each type: the same template, method, viewer and state look alike."""
    chosen = {}
    for page in rendered_pages:
        chosen.setdefault(page.kind, page)
    return list(chosen.values())


@pytest.fixture(scope="module")
def asset_client(migrated_database):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=migrated_database)
    return app.test_client()


def _serve(showing: dict, client):
    """Answer the page's document with its stored HTML, and everything else from the app
    (a static file once: its URL carries its content's hash)."""
    static = {}

    def handle(route):
        request = route.request
        if request.is_navigation_request():
            page = showing["page"]
            headers = {name: value for name, value in page.headers
                       if name.lower() not in ("content-length", "set-cookie")}
            route.fulfill(status=page.status, headers=headers, body=page.html.encode())
            return
        parts = urlsplit(request.url)
        if f"{parts.scheme}://{parts.netloc}" != ORIGIN:
            route.abort()
            return
        if request.url not in static:
            answer = client.open(parts.path, query_string=parts.query, method=request.method,
                                 data=request.post_data_buffer)
            headers = {name: value for name, value in answer.headers
                       if name.lower() != "content-length"}
            reply = {"status": answer.status_code, "headers": headers, "body": answer.get_data()}
            if not parts.path.startswith("/static/"):
                route.fulfill(**reply)
                return
            static[request.url] = reply
        route.fulfill(**static[request.url])

    return handle


def _describe(page, where: str, violations) -> list[str]:
    lines = []
    for violation in violations:
        for node in violation["nodes"][:3]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"{page.name} [{page.template}] ({where}): {violation['id']} "
                         f"({violation['impact']}) at {node['target']}: {summary[:300]}")
    return lines


# Every page in both themes and at both widths: every rule in two of the four combinations
# (the phone in the light theme, the wide screen in the dark one), and in the other two the
# rules whose outcome a theme changes, so each width meets every rule and each theme every
# colour rule, at about two thirds of the time of every rule everywhere.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
COMBINATIONS = [("light", PHONE, None), ("dark", PHONE, COLOUR_RULES),
                ("dark", DESKTOP, None), ("light", DESKTOP, COLOUR_RULES)]


def test_axe_finds_nothing_on_any_page_type(browser, console, page_types, asset_client):
    """Each page is loaded once and checked in the four combinations (the theme emulated,
    the viewport resized)."""
    if not AXE.exists():
        pytest.fail(f"{AXE.relative_to(ROOT)} is missing: run `make node_modules`",
                    pytrace=False)
    assert len({page.template for page in page_types}) > 20
    showing = {}
    found = []
    with checked_page(browser, console) as tab:
        tab.context.add_init_script(path=str(AXE))
        tab.context.route("**/*", _serve(showing, asset_client))
        for page in page_types:
            showing["page"] = page
            tab.goto(ORIGIN + page.path)
            for theme, viewport, only in COMBINATIONS:
                tab.emulate_media(color_scheme=theme)
                tab.set_viewport_size(viewport)
                options = {**AXE_OPTIONS, "runOnly": only} if only else AXE_OPTIONS
                violations = tab.evaluate(RUN_AXE, options)
                found += _describe(page, f"{theme}, {viewport['width']} px", violations)
    assert found == [], f"{len(found)} axe-core violations:\n" + "\n".join(found[:80])
