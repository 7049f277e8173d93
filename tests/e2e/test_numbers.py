"""The numbers as a reader sees them (issue 13), on a phone and a desktop: the largest
percentage is the crowd median the API reports, the author's figure is current after an
update, a resolved chart ends at the header's figure, and chart text stays legible."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from forum import clock
from forum.templating import percent
from tests.e2e.conftest import DESKTOP, PHONE, checked_page, screenshot
from tests.factories import (
    DEFAULT_PASSWORD,
    make_article,
    make_forecast,
    make_prediction,
    make_user,
)
from tests.moderation_support import resolve

pytestmark = pytest.mark.browser

# Every visible percentage with its rendered size in CSS pixels (SVG text scaled by its
# chart), and the text of the chart labels.
PERCENTAGES = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, element = node.parentElement;
    const text = node.textContent.trim();
    if (!/^\\d+(\\.\\d+)?\\s?%$/.test(text) || !element.getClientRects().length) continue;
    if (element.closest("details:not([open])") && !element.closest("summary")) continue;
    const style = getComputedStyle(element);
    if (style.visibility === "hidden" || element.closest("[hidden]")) continue;
    const svg = element.ownerSVGElement;
    const scale = svg ? svg.getScreenCTM().a : 1;
    found.push({text, size: parseFloat(style.fontSize) * scale,
                author: !!element.closest("[data-author-standing]")});
  }
  return found;
}"""
CHART_TEXT = """() => [...document.querySelectorAll("svg.chart text")].map(
  (text) => parseFloat(getComputedStyle(text).fontSize) * text.ownerSVGElement.getScreenCTM().a)"""


def largest_percentage(page) -> str:
    found = page.evaluate(PERCENTAGES)
    return max(found, key=lambda item: item["size"])["text"].replace("\u00a0", " ")


def api_median(page, live_server, prediction_id) -> float:
    response = page.request.get(live_server(f"/api/v1/predictions/{prediction_id}"))
    return response.json()["crowd"]["median"]


@pytest.fixture
def board(live_server):
    with live_server.app_context():
        article = make_article()
        alice = make_user("alice")
        prediction = make_prediction(article, alice, probability=0.15)
        people = {name: make_user(name) for name in ("bob", "carol", "dave")}
        for name, value in (("bob", 0.3), ("carol", 0.42), ("dave", 0.6)):
            make_forecast(prediction, people[name], value)
        now = clock.now()
        resolved = make_prediction(article, alice, title="A prediction resolved early, yes",
                                   probability=0.4, created_at=now - timedelta(days=20))
        for name, value, days in (("bob", 0.5, 15), ("carol", 0.6, 12), ("dave", 0.97, 2)):
            make_forecast(resolved, people[name], value, created_at=now - timedelta(days=days))
        resolve(resolved, make_user("mod", role="moderator"),
                outcome_time=now - timedelta(days=5))
        return {"slug": article.slug, "id": prediction.id, "resolved": resolved.id}


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_crowd_median_leads_and_the_authors_update_shows_everywhere(
        live_server, board, browser, console, viewport):
    with checked_page(browser, console, viewport=viewport) as page:
        page.goto(live_server("/login"))
        page.get_by_label("Username").fill("alice")
        page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(live_server(f"/predictions/{board['id']}"))
        form = page.locator("form.forecast-form")
        form.locator("input[name=probability]").fill("22")
        form.locator("input[name=reason]").fill("The talks stalled.")
        form.get_by_role("button").click()
        expect(page.locator("[data-author-standing]")).to_contain_text("22 %")
        page.context.clear_cookies()  # on as a reader

        median = percent(api_median(page, live_server, board["id"]))
        assert median == "36 %"  # 22, 30, 42, 60
        for path, name in ((f"/predictions/{board['id']}", "numbers-prediction"),
                           (f"/articles/{board['slug']}/predictions", "numbers-board"),
                           ("/", "numbers-article")):
            page.goto(live_server(path))
            row = page.locator(f"#prediction-{board['id']}")
            row.scroll_into_view_if_needed()
            if path != "/":
                assert largest_percentage(page) == median, path
            expect(row.locator("[data-crowd-median]").first).to_have_text(median)
            expect(row.locator("[data-author-standing]").first).to_have_text(
                re.compile(r"alice \(author\)\s+22 %"))
            shown = [item["text"] for item in page.evaluate(PERCENTAGES)]
            assert "15 %" not in shown, (path, shown)  # only in the chart's tooltip and the log
            screenshot(page, name)
        page.goto(live_server(f"/predictions/{board['id']}"))
        expect(page.locator(".reason-text")).to_have_text("The talks stalled.")
        sizes = page.evaluate(CHART_TEXT)
        assert sizes and min(sizes) >= 11, sizes


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_resolved_chart_ends_at_the_headline_figure(live_server, board, browser, console,
                                                      viewport):
    with checked_page(browser, console, viewport=viewport) as page:
        page.goto(live_server(f"/predictions/{board['resolved']}"))
        median = api_median(page, live_server, board["resolved"])
        assert largest_percentage(page) == percent(median) == "50 %"
        last = page.evaluate("""() => {
          const line = document.querySelector("svg.crowd-chart .chart-line");
          const steps = [...line.getAttribute("d").matchAll(/V([\\d.]+)/g)];
          return parseFloat(steps[steps.length - 1][1]);
        }""")
        assert (1 - (last - 16) / 204) == pytest.approx(median, abs=0.001)
        expect(page.locator("svg.crowd-chart .chart-late")).to_have_count(1)
        expect(page.locator("#not-scored summary")).to_contain_text("not scored")
        sizes = page.evaluate(CHART_TEXT)
        assert min(sizes) >= 11, sizes
        page.locator("#history").scroll_into_view_if_needed()
        screenshot(page, "numbers-resolved")
