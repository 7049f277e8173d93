"""From the article's last paragraph to a posted prediction, then forecast, vote and reply, in
a real browser, in under a minute."""

import re
import time

import pytest
from playwright.sync_api import expect

from forum.articles.services import bundled_articles
from tests.e2e.conftest import DESKTOP, PHONE, screenshot
from tests.factories import DEFAULT_PASSWORD, make_article, make_user

pytestmark = pytest.mark.browser

PASSAGE = "This requires a willingness to engage, to compromise"

SELECT_PASSAGE = """(passage) => {
  const paragraphs = document.querySelectorAll("#article-body p");
  const last = paragraphs[paragraphs.length - 1];
  const walker = document.createTreeWalker(last, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const at = node.textContent.indexOf(passage);
    if (at >= 0) {
      last.scrollIntoView({block: "center"});
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + passage.length);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      return true;
    }
  }
  return false;
}"""


@pytest.fixture
def seeded(live_server):
    with live_server.app_context():
        article = make_article(bundled_articles()[0].read_text(encoding="utf-8"))
        make_user("alice")
        make_user("bob")
        return {"slug": article.slug}


def log_in(page, live_server, username):
    page.goto(live_server("/login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("nav-username")).to_have_text(username)


def test_from_a_passage_to_a_posted_prediction_then_forecast_vote_and_reply(
        live_server, seeded, page):
    started = time.monotonic()
    log_in(page, live_server, "alice")
    page.goto(live_server("/"))

    # Select a passage of the last paragraph: the page offers to predict on it.
    assert page.evaluate(SELECT_PASSAGE, PASSAGE)
    offer = page.get_by_role("button", name="Predict on this passage")
    expect(offer).to_be_visible()
    offer.click()
    share = page.locator("#share")
    expect(share).to_be_in_viewport()
    expect(page.get_by_label("Passage it responds to")).to_have_value(PASSAGE)
    expect(page.get_by_role("textbox", name="Your prediction")).to_be_focused()

    page.get_by_role("textbox", name="Your prediction").fill("The U.S. and North Korea open arms control talks")
    page.get_by_label("How likely is it?").fill("30")
    expect(share.locator("[data-readout]")).to_have_text("30 %")
    expect(share.locator("[data-slider]")).to_have_value("30")
    share.get_by_role("button", name="In a year").click()
    expect(page.get_by_label("Resolves on")).not_to_have_value("")
    page.get_by_label("Resolution criteria").fill(
        "Resolves yes if Reuters or AP reports formal arms control talks between the two.")
    page.get_by_role("button", name="Post prediction").click()

    # Back on the article, the new prediction is highlighted and the passage is marked.
    expect(page).to_have_url(re.compile(r"\?posted=\d+#prediction-\d+$"))
    posted = page.locator(".prediction-row.is-posted")
    expect(posted).to_contain_text("The U.S. and North Korea open arms control talks")
    expect(posted).to_contain_text("30 %")
    expect(page.locator("mark.cited")).to_have_text(PASSAGE)
    expect(page.locator(".cite-marker")).to_have_attribute("data-count", "1")
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        posted.scroll_into_view_if_needed()
        screenshot(page, "board-journey-posted")

    # Open it and update the forecast.
    posted.get_by_role("link", name="The U.S. and North Korea open arms control talks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "The U.S. and North Korea open arms control talks")
    page.get_by_label("Your probability").fill("40")
    page.get_by_role("button", name="Update forecast").click()
    expect(page.get_by_text("Your forecast of 40 % is in.")).to_be_visible()
    expect(page.locator(".my-history li")).to_have_count(2)
    page.get_by_label("Add a comment").fill("My reasoning: both sides have hinted at *limits*.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".comment-text em")).to_have_text("limits")
    prediction_url = page.url.split("#")[0]

    # Another member votes (without a reload) and replies.
    page.get_by_role("button", name="Log out").click()
    log_in(page, live_server, "bob")
    page.goto(prediction_url)
    page.evaluate("window.__sameDocument = true")
    vote = page.locator(".prediction-figures form.vote")
    vote.get_by_role("button", name=re.compile("^Vote up")).click()
    expect(vote.locator("[data-score-value]")).to_have_text("1")
    expect(vote.locator(".vote-up")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("window.__sameDocument === true"), "the vote reloaded the page"

    page.locator(".comment").first.get_by_text("Reply", exact=True).click()
    page.get_by_label("Reply to alice").fill("Hinted, yes; but nothing on verification.")
    page.get_by_role("button", name="Post reply").click()
    reply = page.locator(".thread.replies .comment")
    expect(reply).to_contain_text("Hinted, yes; but nothing on verification.")
    expect(page.locator(".prediction-figures [data-score-value]")).to_have_text("1")
    elapsed = time.monotonic() - started

    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for viewport in (PHONE, DESKTOP):
            page.set_viewport_size(viewport)
            screenshot(page, f"board-journey-prediction-{scheme}")
    page.emulate_media(color_scheme="light")
    page.goto(live_server(f"/articles/{seeded['slug']}/predictions"))
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        screenshot(page, "board-journey-board")
    assert elapsed < 60, f"the journey took {elapsed:.1f} s"
