"""A first visit in a real browser: read the article, register, activate the account from the
email, log out, log back in."""

import re

import pytest
from playwright.sync_api import expect

from forum.articles.services import bundled_articles
from tests.e2e.conftest import DESKTOP, PHONE, screenshot
from tests.factories import make_article
from tests.mail_support import emailed_link

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"


@pytest.fixture
def seeded(live_server):
    """The bundled article, imported through the factory."""
    with live_server.app_context():
        article = make_article(bundled_articles()[0].read_text(encoding="utf-8"))
        return {"title": article.title, "prompt": article.question}


def test_first_visit_reads_the_article_then_registers_logs_out_and_in(live_server, seeded, page,
                                                                       smtp_server):
    page.goto(live_server("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(seeded["title"])
    expect(page.get_by_role("heading", name=seeded["prompt"])).to_be_visible()
    expect(page.get_by_test_id("nav-username")).to_have_count(0)
    sections = page.get_by_role("navigation", name="Sections").get_by_role("link")
    expect(sections).to_have_count(4)
    sections.first.click()
    expect(page).to_have_url(re.compile(r"#the-new-reality-north-korea-as-a-nuclear-state$"))

    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for viewport in (PHONE, DESKTOP):
            page.set_viewport_size(viewport)
            page.goto(live_server("/"))
            screenshot(page, f"first-visit-home-{scheme}")
    page.emulate_media(color_scheme="light")

    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Join").click()
    expect(page).to_have_url(live_server("/register"))
    page.get_by_label("Username").fill("first_reader")
    page.get_by_label("Email").fill("first.reader@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    screenshot(page, "first-visit-register")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    screenshot(page, "first-visit-check-email")
    page.goto(emailed_link(live_server.app, smtp_server, "first.reader@example.com",
                           live_server.url))
    page.get_by_role("button", name="Activate my account").click()
    expect(page.get_by_text("Your account is active. Log in to start forecasting.")).to_be_visible()
    page.get_by_label("Username").fill("first_reader")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(live_server("/"))
    expect(page.get_by_test_id("nav-username")).to_have_text("first_reader")
    screenshot(page, "first-visit-registered")

    nav.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    expect(page.get_by_test_id("nav-username")).to_have_count(0)

    nav.get_by_role("link", name="Log in", exact=True).click()
    page.get_by_label("Username").fill("FIRST_READER")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Remember me on this device").check()
    screenshot(page, "first-visit-login")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(live_server("/"))
    expect(page.get_by_test_id("nav-username")).to_have_text("first_reader")
    cookies = {cookie["name"] for cookie in page.context.cookies()}
    assert {"session", "remember_token"} <= cookies

    page.set_viewport_size(PHONE)
    screenshot(page, "first-visit-logged-in")


def test_registration_mistakes_are_shown_beside_the_fields(live_server, page):
    page.goto(live_server("/register"))
    page.get_by_label("Username").fill("no spaces allowed")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Confirm password").fill("different")
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("alert")).to_contain_text("There are 4 problems")
    expect(page.locator("#username-error")).to_have_text(
        "Use only letters A–Z, digits, '_' and '-'; remove spaces.")
    expect(page.locator("#email-error")).to_have_text("That doesn't look like an email address.")
    expect(page.locator("#password-error")).to_have_text("Use 10–200 characters.")
    expect(page.locator("#confirm-error")).to_have_text("The two passwords don't match.")
    expect(page.get_by_label("Username")).to_have_value("no spaces allowed")
    expect(page.get_by_label("Username")).to_have_attribute("aria-invalid", "true")
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        screenshot(page, "register-errors")


def test_a_missing_page_keeps_the_navigation(live_server, page):
    page.goto(live_server("/no/such/page"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    page.get_by_role("link", name="Back to the article").click()
    expect(page).to_have_url(live_server("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("No article yet")
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        screenshot(page, "empty-home")


def test_the_page_fixture_notices_csp_violations_and_broken_assets(live_server, page, console):
    # A page the app never serves, answered by the browser itself under the app's real CSP.
    from forum.security import CSP

    body = ('<!doctype html><title>probe</title><script>document.title = "ran"</script>'
            '<link rel="stylesheet" href="/static/css/missing.css">'
            '<img src="/static/images/missing.png" alt="">')
    page.route(live_server("/probe"), lambda route: route.fulfill(
        status=200, body=body, headers={"Content-Type": "text/html",
                                        "Content-Security-Policy": CSP}))
    page.goto(live_server("/probe"))
    page.wait_for_load_state("load")
    expect(page).to_have_title("probe")  # the inline script was blocked
    problems = "\n".join(console.unexpected_errors())
    assert "CSP violation: script-src" in problems
    assert "missing.css" in problems
    assert "missing.png" in problems
    console.errors.clear()  # seen; the fixture would otherwise fail this test
