"""The whole story in Chromium, against the live server, three ways.

A reader reads the article, registers, posts a prediction on a passage, updates their
forecast, votes on and replies to another member's prediction; that member forecasts on the
reader's prediction, updates the forecast and reports a spam comment; time passes; a
moderator resolves the prediction from the queue and hides the reported comment; the reader
follows the notification to the resolution, sees their score, the leaderboard and their
profile.

- by keyboard alone at desktop width (Tab, Enter, Space; every focused control shows focus),
- by pointer at phone width, selecting the passage in the article as a reader would,
- with JavaScript switched off: every step is a plain form post.

Every page visited is saved to artifacts/screenshots/journey-*-<width>.png."""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from forum import clock
from forum.articles.services import bundled_articles
from forum.extensions import db
from forum.models import Comment, Forecast, Prediction
from tests.e2e.conftest import DESKTOP, PHONE, checked_page, main_nav, screenshot
from tests.factories import (
    DEFAULT_PASSWORD,
    make_article,
    make_comment,
    make_prediction,
    make_user,
)
from tests.mail_support import emailed_link

pytestmark = pytest.mark.browser

READER = "keen_reader"
PASSWORD = "a long enough password"
PASSAGE = "This requires a willingness to engage, to compromise"
CLAIM = "The U.S. and North Korea open formal arms control talks"
CRITERIA = "Resolves yes if Reuters or AP report formal arms control talks between the two."
OTHER_CLAIM = "Sanctions on North Korea are eased before 2028"
BOB_SAYS = "Sanctions relief is the price of any deal."
REPLY = "Relief for what, though? Nothing on verification yet."
SPAM = "Cheap sunglasses at my shop, follow the link!"
NOTE = "Both governments announced the talks; Reuters and AP report it."

SELECT_PASSAGE = """(passage) => {
  for (const paragraph of document.querySelectorAll("#article-body p")) {
    const walker = document.createTreeWalker(paragraph, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      const at = node.textContent.indexOf(passage);
      if (at < 0) continue;
      paragraph.scrollIntoView({block: "center"});
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + passage.length);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
      return true;
    }
  }
  return false;
}"""

# The focused element shows it: it matches :focus-visible and draws an outline or a shadow
# (on itself, or on the label that wraps a radio button).
FOCUS_SHOWN = """(element) => {
  const draws = (node) => {
    if (!node) return false;
    const style = getComputedStyle(node);
    return (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
      || (style.boxShadow && style.boxShadow !== "none");
  };
  return element.matches(":focus-visible") && (draws(element) || draws(element.closest("label")));
}"""


@dataclass
class Driver:
    """Does what a person does, by keyboard or by pointer, and photographs every page."""

    page: object
    live: object
    keyboard: bool = False
    javascript: bool = True
    name: str = "journey"
    tabs: int = 0

    def go(self, path: str) -> None:
        self.page.goto(self.live(path))

    def shoot(self, name: str) -> None:
        screenshot(self.page, f"{self.name}-{name}")

    def focus(self, target) -> None:
        """Press Tab until the target has focus; its focus must be visible."""
        handle = target.element_handle()
        for _ in range(400):
            if handle.evaluate("(element) => element === document.activeElement"):
                assert handle.evaluate(FOCUS_SHOWN), f"no visible focus on {target}"
                return
            self.page.keyboard.press("Tab")
            self.tabs += 1
        raise AssertionError(f"Tab never reached {target}")

    def click(self, target, navigates: bool = True) -> None:
        """Follow a link or press a button (Enter; Space for radios and checkboxes)."""
        if navigates:
            with self.page.expect_navigation():
                self._press(target)
        else:
            self._press(target)

    def _press(self, target) -> None:
        if not self.keyboard:
            target.click()
            return
        self.focus(target)
        kind = target.evaluate("(element) => element.type || element.tagName")
        self.page.keyboard.press("Space" if kind in ("radio", "checkbox") else "Enter")

    def check(self, target) -> None:
        self.click(target, navigates=False)
        expect(target).to_be_checked()

    def fill(self, target, text: str) -> None:
        if not self.keyboard:
            target.fill(text)
            return
        self.focus(target)
        self.page.keyboard.press("ControlOrMeta+a")
        self.page.keyboard.press("Backspace")
        self.page.keyboard.type(text)
        expect(target).to_have_value(text)

    def log_in(self, username: str, password: str = DEFAULT_PASSWORD) -> None:
        self.go("/login")
        self.fill(self.page.get_by_label("Username"), username)
        self.fill(self.page.get_by_label("Password"), password)
        self.click(self.page.get_by_role("button", name="Log in"))
        expect(self.page.get_by_test_id("nav-username")).to_have_text(username)

    def log_out(self) -> None:
        nav = main_nav(self.page)
        self.click(nav.get_by_role("button", name="Log out"))
        expect(self.page.get_by_text("You are logged out.")).to_be_visible()


def is_link(target) -> bool:
    return target.evaluate("(element) => element.tagName === 'A'")


@pytest.fixture
def cast(live_server, smtp_server):
    """The bundled article; bob's prediction with his comment; a spammer; a moderator."""
    with live_server.app_context():
        article = make_article(bundled_articles()[0].read_text(encoding="utf-8"))
        bob = make_user("bob")
        make_user("spammer")
        make_user("mod", role="moderator")
        other = make_prediction(article, bob, title=OTHER_CLAIM,
                                criteria="Resolves yes if the UN or the U.S. lift any sanction.")
        make_comment(other, bob, BOB_SAYS)
        return {"title": article.title, "other": other.id, "smtp": smtp_server}


def the_reader_reads_and_registers(d: Driver, cast) -> None:
    page = d.page
    d.go("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(cast["title"])
    sections = page.get_by_role("navigation", name="Sections").get_by_role("link")
    d.click(sections.nth(1), navigates=False)
    expect(page).to_have_url(re.compile(r"#[a-z-]+$"))
    d.shoot("article")
    d.click(main_nav(page).get_by_role("link", name="Join"))
    expect(page).to_have_url(re.compile(r"/register"))
    d.fill(page.get_by_label("Username"), READER)
    d.fill(page.get_by_label("Email"), "keen.reader@example.com")
    d.fill(page.get_by_label("Password", exact=True), PASSWORD)
    d.fill(page.get_by_label("Confirm password"), PASSWORD)
    d.shoot("register")
    d.click(page.get_by_role("button", name="Create account"))
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    d.shoot("check-email")
    page.goto(emailed_link(d.live.app, cast["smtp"], "keen.reader@example.com", d.live.url))
    d.click(page.get_by_role("button", name="Activate my account"))
    expect(page.get_by_text("Your account is active. Log in to start forecasting.")).to_be_visible()
    d.log_in(READER, PASSWORD)


def the_reader_posts_on_a_passage(d: Driver) -> int:
    page = d.page
    share = page.locator("#share")
    quote = page.get_by_label("Passage it responds to")
    selects = d.javascript and not d.keyboard
    if selects:  # select the passage in the article: the page offers to predict on it
        assert page.evaluate(SELECT_PASSAGE, PASSAGE)
        d.click(page.get_by_role("button", name="Predict on this passage"), navigates=False)
        expect(quote).to_have_value(PASSAGE)
        expect(page.get_by_role("textbox", name="Your prediction")).to_be_focused()
    d.fill(page.get_by_role("textbox", name="Your prediction"), CLAIM)
    if d.keyboard:  # the slider, by arrow keys: 50 → 30, and the number box follows
        d.focus(share.get_by_role("slider"))
        for _ in range(20):
            page.keyboard.press("ArrowLeft")
        expect(share.locator("[data-readout]")).to_have_text("30 %")
        expect(page.get_by_label("How likely is it?")).to_have_value("30")
    else:
        d.fill(page.get_by_label("How likely is it?"), "30")
    if d.javascript:
        d.click(share.get_by_role("button", name="In a year"), navigates=False)
        expect(page.get_by_label("Resolves on")).not_to_have_value("")
    else:  # the shortcuts are the script's; the date picker itself is the browser's
        expect(share.locator("[data-date-shortcuts]")).to_be_hidden()
        page.get_by_label("Resolves on").fill((clock.today() + timedelta(days=365)).isoformat())
    d.fill(page.get_by_label("Resolution criteria"), CRITERIA)
    if not selects:
        d.fill(quote, PASSAGE)
    d.shoot("share-form")
    d.click(page.get_by_role("button", name="Post prediction"))
    expect(page).to_have_url(re.compile(r"\?posted=\d+#prediction-\d+$"))
    posted = page.locator(".prediction-row.is-posted")
    expect(posted).to_contain_text(CLAIM)
    expect(posted).to_contain_text("30 %")
    expect(page.locator("mark.cited")).to_have_text(PASSAGE)
    posted.scroll_into_view_if_needed()
    d.shoot("posted")
    prediction_id = int(re.search(r"posted=(\d+)", page.url).group(1))

    d.click(posted.get_by_role("link", name=CLAIM))
    expect(page.get_by_role("heading", level=1)).to_have_text(CLAIM)
    d.fill(page.get_by_label("Your probability"), "40")
    d.click(page.get_by_role("button", name="Update forecast"))
    expect(page.get_by_text("Your forecast of 40 % is in.")).to_be_visible()
    expect(page.locator(".my-history li")).to_have_count(2)
    d.shoot("forecast")
    return prediction_id


def the_reader_votes_and_replies(d: Driver, cast) -> None:
    page = d.page
    d.click(page.get_by_role("navigation", name="Breadcrumbs").get_by_role("link",
                                                                            name="Predictions"))
    expect(page.get_by_role("link", name=OTHER_CLAIM)).to_be_visible()
    d.shoot("board")
    d.click(page.get_by_role("link", name=OTHER_CLAIM))
    vote = page.locator(".prediction-figures form.vote")
    d.click(vote.get_by_role("button", name=re.compile("^Vote up")), navigates=not d.javascript)
    expect(vote.locator("[data-score-value]")).to_have_text("1")
    expect(vote.locator(".vote-up")).to_have_attribute("aria-pressed", "true")
    comment = page.locator(".comment", has_text=BOB_SAYS)
    reply = comment.get_by_text("Reply", exact=True)
    # A link that opens the form in place (a page with the form, without JavaScript).
    d.click(reply, navigates=is_link(reply) and not d.javascript)
    d.fill(page.get_by_label("Reply to bob"), REPLY)
    d.click(page.get_by_role("button", name="Post reply"))
    expect(page.locator(".thread.replies .comment")).to_contain_text(REPLY)
    expect(page.locator(".prediction-figures [data-score-value]")).to_have_text("1")
    d.shoot("replied")
    d.log_out()


def another_member_forecasts_and_reports(d: Driver, prediction_id: int) -> None:
    page = d.page
    d.log_in("bob")
    d.go(f"/predictions/{prediction_id}")
    for probability, button in (("60", "Forecast"), ("70", "Update forecast")):
        d.fill(page.get_by_label("Your probability"), probability)
        d.click(page.get_by_role("button", name=button, exact=True))
        expect(page.get_by_text(f"Your forecast of {probability} % is in.")).to_be_visible()
    expect(page.locator(".my-history li")).to_have_count(2)
    comment = page.locator(".comment", has_text=SPAM)
    report = comment.get_by_text("Report", exact=True)
    if is_link(report):  # the report form has a page of its own
        d.click(report)
        expect(page.get_by_role("heading", level=1)).to_have_text("Report a comment")
        form = page.locator("form.flag-form")
        d.shoot("report")
    else:  # or opens in place
        d.click(report, navigates=False)
        form = comment
    d.check(form.get_by_role("radio", name="Spam or advertising"))
    d.click(form.get_by_role("button", name="Send report"))
    expect(page.get_by_text("a moderator will look at it").first).to_be_visible()
    expect(page.locator(".comment", has_text=SPAM).get_by_text("Reported")).to_be_visible()
    d.shoot("reported")
    d.log_out()


def a_moderator_clears_the_queue(d: Driver, prediction_id: int) -> None:
    page = d.page
    d.log_in("mod")
    d.click(main_nav(page).get_by_role("link", name="Moderation"))
    expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()
    awaiting = page.locator(f"#awaiting-{prediction_id}")
    expect(awaiting.get_by_role("link", name=CLAIM)).to_be_visible()
    d.shoot("queue")
    d.check(awaiting.get_by_role("radio", name=re.compile(r"^Yes")))
    d.fill(awaiting.get_by_label("Note"), NOTE)
    d.fill(awaiting.get_by_label("Source"), "https://example.com/talks")
    d.click(awaiting.get_by_role("button", name="Resolve"))
    expect(page.get_by_text(re.compile(r"Resolved YES: .The U\.S\."))).to_be_visible()
    expect(page.get_by_text("Nothing is waiting.")).to_be_visible()

    report = page.locator("#reports .report-item")
    expect(report).to_contain_text(SPAM)
    d.fill(report.get_by_label("Reason"), "Advertising")
    d.click(report.get_by_role("button", name="Hide comment"))
    expect(page.get_by_text("1 report handled.")).to_be_visible()
    expect(page.get_by_text("No open reports.")).to_be_visible()
    d.shoot("queue-cleared")
    d.click(page.get_by_role("navigation", name="Moderation").get_by_role("link",
                                                                          name="Audit log"))
    expect(page.locator(".audit-entry")).to_have_count(3)  # the resolution, the hide, the report
    expect(page.locator(".audit-entry", has_text="Advertising").first).to_be_visible()
    d.shoot("audit")
    d.log_out()


def the_forecaster_learns_the_outcome(d: Driver, prediction_id: int) -> None:
    page = d.page
    d.log_in(READER, PASSWORD)
    inbox = main_nav(page).get_by_role("link", name=re.compile(r"^Inbox \d+ unread$"))
    d.click(inbox)
    resolved = page.locator(".inbox-item.is-unread", has_text=f"“{CLAIM}” resolved YES.")
    expect(resolved).to_have_count(1)
    d.shoot("notifications")
    d.click(resolved.get_by_role("button", name=re.compile("resolved YES")))  # a POST
    expect(page).to_have_url(re.compile(rf"/predictions/{prediction_id}#resolution$"))
    expect(page.locator("#resolution")).to_contain_text(NOTE)
    mine = page.locator("#scores .score-mine")
    expect(mine).to_contain_text("You: Brier")
    expect(page.locator("#scores tr.is-me")).to_contain_text(READER)
    expect(page.locator(".comment.is-removed")).to_contain_text("[removed by a moderator]")
    d.shoot("scored")
    d.click(main_nav(page).get_by_role("link", name="Leaderboard"))
    me = page.locator(".lb-table tr.is-me")
    expect(me).to_contain_text(READER)
    expect(page.locator(".lb-table tbody tr")).to_have_count(2)  # the reader and bob
    d.shoot("leaderboard")
    d.click(me.get_by_role("link", name=READER))
    expect(page.get_by_role("heading", level=1)).to_contain_text(READER)
    expect(page.locator(".profile-stats")).to_contain_text("Relative Brier score")
    d.shoot("profile")


def time_passes(live_server, prediction_id: int, days: int = 10) -> None:
    """Everything on the prediction happened `days` ago, and its resolution date has passed."""
    with live_server.app_context():
        prediction = db.session.get(Prediction, prediction_id)
        shift = timedelta(days=days)
        prediction.created_at -= shift
        for model in (Forecast, Comment):
            for row in db.session.scalars(db.select(model).filter_by(prediction_id=prediction_id)):
                row.created_at -= shift
        prediction.resolution_date = clock.today() - timedelta(days=2)
        db.session.commit()


def a_spammer_comments(live_server, prediction_id: int) -> None:
    with live_server.app_context():
        from forum.models import User

        spammer = db.session.scalar(db.select(User).filter_by(username="spammer"))
        make_comment(db.session.get(Prediction, prediction_id), spammer, SPAM)


def whole_journey(d: Driver, live_server, cast) -> None:
    the_reader_reads_and_registers(d, cast)
    prediction_id = the_reader_posts_on_a_passage(d)
    the_reader_votes_and_replies(d, cast)
    a_spammer_comments(live_server, prediction_id)
    another_member_forecasts_and_reports(d, prediction_id)
    time_passes(live_server, prediction_id)
    a_moderator_clears_the_queue(d, prediction_id)
    the_forecaster_learns_the_outcome(d, prediction_id)


def test_the_whole_journey_by_keyboard_alone_at_desktop_width(live_server, cast, page):
    page.set_viewport_size(DESKTOP)
    driver = Driver(page, live_server, keyboard=True)
    whole_journey(driver, live_server, cast)
    assert driver.tabs > 50  # it really was walked by Tab


def test_the_whole_journey_by_touch_at_phone_width(live_server, cast, page):
    page.set_viewport_size(PHONE)
    whole_journey(Driver(page, live_server), live_server, cast)


@pytest.fixture
def page_without_javascript(browser, console):
    """As the `page` fixture (same failure rules), with JavaScript switched off."""
    with checked_page(browser, console, java_script_enabled=False) as opened:
        yield opened


def test_the_whole_journey_without_javascript(live_server, cast, page_without_javascript):
    whole_journey(Driver(page_without_javascript, live_server, javascript=False,
                         name="journey-nojs"), live_server, cast)
