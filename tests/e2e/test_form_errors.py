"""After any refused submission the person lands on the form (issue 13, item 7): on a phone and
a desktop, with JavaScript on and off, the error summary is inside the viewport and has the
focus, and what was typed is still there. Also the live counters and the unset probability."""

import pytest
from playwright.sync_api import expect

from forum.articles.services import bundled_articles
from tests.e2e.conftest import DESKTOP, PHONE, checked_page, screenshot
from tests.factories import DEFAULT_PASSWORD, make_article, make_comment, make_prediction, make_user
from tests.moderation_support import closed_prediction

pytestmark = pytest.mark.browser

SUMMARY_STATE = """() => {
  const summary = document.querySelector("[data-error-summary]");
  if (!summary) return null;
  const box = summary.getBoundingClientRect();
  return {focused: document.activeElement === summary, top: box.top, bottom: box.bottom,
          height: window.innerHeight, scrolled: window.scrollY};
}"""


@pytest.fixture
def site(live_server):
    with live_server.app_context():
        article = make_article(bundled_articles()[0].read_text(encoding="utf-8"))
        carol = make_user("carol")
        make_user("mia", role="moderator")
        open_one = make_prediction(article, carol)
        comment = make_comment(open_one, carol, body="Carol's opening argument.")
        closed = closed_prediction(article, carol)
        return {"slug": article.slug, "open": open_one.id, "comment": comment.id,
                "closed": closed.id}


def assert_lands_on_summary(page, name: str) -> None:
    expect(page.locator("[data-error-summary]")).to_be_visible()
    state = page.evaluate(SUMMARY_STATE)
    assert state is not None, name
    assert state["focused"], f"{name}: the summary doesn't have the focus"
    assert state["top"] >= 0 and state["bottom"] <= state["height"], (name, state)
    screenshot(page, f"refused-{name}")


def submit(page, form_selector: str, button: str | None = None) -> None:
    form = page.locator(form_selector)
    with page.expect_navigation():
        (form.get_by_role("button", name=button) if button else
         form.locator("button[type=submit]").first).click()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_every_refused_form_lands_on_its_error_summary(browser, console, live_server, site,
                                                       viewport, javascript):
    with checked_page(browser, console, viewport=viewport,
                      java_script_enabled=javascript) as page:
        suffix = f"{'js' if javascript else 'nojs'}"
        page.goto(live_server("/register"))
        page.get_by_label("Username").fill("new member")
        submit(page, "form[action^='/register']")
        assert_lands_on_summary(page, f"register-{suffix}")
        expect(page.get_by_label("Username")).to_have_value("new member")

        page.goto(live_server("/login"))
        page.get_by_label("Username").fill("mia")
        page.get_by_label("Password").fill("not the password")
        submit(page, "form[action^='/login']")
        assert_lands_on_summary(page, f"login-{suffix}")
        expect(page.get_by_label("Username")).to_have_value("mia")
        page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        submit(page, "form[action^='/login']")
        expect(page.get_by_test_id("nav-username")).to_have_text("mia")

        # The share form sits under the whole article, thousands of pixels down.
        page.goto(live_server(f"/articles/{site['slug']}"))
        share = page.locator("form.share-form")
        share.locator("[name=title]").fill("Too short")
        share.locator("[name=criteria]").fill("Criteria typed before the mistake was found.")
        submit(page, "form.share-form")
        assert_lands_on_summary(page, f"share-{suffix}")
        assert page.evaluate("window.scrollY") > 2000
        expect(page.locator("form.share-form [name=title]")).to_have_value("Too short")
        expect(page.locator("form.share-form [name=criteria]")).to_have_value(
            "Criteria typed before the mistake was found.")

        prediction = live_server(f"/predictions/{site['open']}")
        page.goto(prediction)
        page.locator("form.forecast-form input[name=probability]").fill("150")
        submit(page, "form.forecast-form")
        assert_lands_on_summary(page, f"forecast-{suffix}")
        expect(page.locator("form.forecast-form input[name=probability]")).to_have_value("150")

        page.goto(prediction)
        submit(page, "#comment-new")
        assert_lands_on_summary(page, f"comment-{suffix}")

        page.goto(f"{prediction}?reply_to={site['comment']}#reply")
        submit(page, "form#reply")
        assert_lands_on_summary(page, f"reply-{suffix}")

        page.goto(live_server(f"/report/prediction/{site['open']}"))
        page.locator("#report-text").fill("Details typed before choosing a reason")
        submit(page, "form.flag-form")
        assert_lands_on_summary(page, f"report-{suffix}")
        expect(page.locator("#report-text")).to_have_value("Details typed before choosing a reason")

        page.goto(live_server(f"/predictions/{site['closed']}/resolve"))
        page.locator("#resolve-source").fill("not a link")
        submit(page, "form.resolve-form")
        assert_lands_on_summary(page, f"resolve-{suffix}")
        expect(page.locator("[data-error-summary] li")).to_have_count(3)  # all at once
        expect(page.locator("#resolve-source")).to_have_value("not a link")

        page.goto(live_server("/settings"))
        page.locator("#password-current_password").fill("wrong guess")
        submit(page, "form:has([name=password-submit])")
        assert_lands_on_summary(page, f"settings-{suffix}")

        # A summary link puts the cursor in its field.
        if javascript:
            link = page.locator("[data-error-summary] a").first
            target = link.get_attribute("href").removeprefix("#")
            link.click()
            assert page.evaluate("document.activeElement.id") == target


def test_counters_count_and_the_probability_starts_unset(live_server, site, page):
    page.set_viewport_size(PHONE)
    page.goto(live_server("/login"))
    page.get_by_label("Username").fill("mia")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server(f"/articles/{site['slug']}/predictions/new"))
    counter = page.locator("[data-counter-for=title]")
    expect(counter).to_have_text("0 of 200 characters")
    page.locator("#title").fill("Kim meets Trump")
    expect(counter).to_have_text("15 of 200 characters")
    expect(page.locator("#probability")).to_have_value("")
    expect(page.locator("[data-readout]")).to_have_text("– %")
    page.locator("#probability-slider").fill("70")
    expect(page.locator("#probability")).to_have_value("70")
    screenshot(page, "share-form-counters")
