"""A suspended member sees why on every page, with the end date, and finds the forms
disabled with the reason rather than losing a comment to a 403; a claim that repeats an open
one is held back with a link to it (issue 13 items 10 and 13), at 390 and 1280 px."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from forum import clock
from forum.extensions import db
from forum.moderation.services import set_suspended
from tests.e2e.conftest import DESKTOP, PHONE, main_nav, screenshot
from tests.factories import DEFAULT_PASSWORD, make_article, make_prediction, make_user

pytestmark = pytest.mark.browser

REASON = "Repeated personal attacks in the comments"
CLAIM = "North Korea will hold a nuclear test in 2027"


@pytest.fixture
def site(live_server):
    with live_server.app_context():
        article = make_article()
        alice, bob = make_user("alice"), make_user("bob")
        mod = make_user("mod", role="moderator")
        prediction = make_prediction(article, bob, title=CLAIM)
        until = clock.now().replace(hour=0, minute=0, second=0, microsecond=0) \
            + timedelta(days=8)
        set_suspended(alice, mod, REASON, suspended=True, until=until)
        db.session.commit()
        return {"prediction": prediction.id, "until": until}


def log_in(page, live_server, username):
    page.goto(live_server("/login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("nav-username")).to_have_text(username)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_the_notice_and_the_disabled_forms_say_why(live_server, site, page, viewport):
    page.set_viewport_size(viewport)
    log_in(page, live_server, "alice")
    end = site["until"]
    notice = page.locator("#suspension-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(f"suspended until {end.day} {end:%b %Y}, 00:00 UTC")
    expect(notice).to_contain_text(REASON)
    page.goto(live_server(f"/predictions/{site['prediction']}"))
    expect(notice).to_be_visible()
    comment = page.locator("#comment-new textarea[name=body]")
    expect(comment).to_be_disabled()
    forecast = page.locator("form.forecast-form input[name=probability]")
    expect(forecast).to_be_disabled()
    expect(page.locator("form.forecast-form button[type=submit]")).to_be_disabled()
    note = page.locator("#comment-new .suspended-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text(REASON)
    box = note.bounding_box()
    assert box and box["width"] <= viewport["width"]  # it fits the phone
    screenshot(page, "suspended-prediction")
    page.goto(live_server("/articles/test-article"))
    expect(page.locator("form.share-form input[name=title]")).to_be_disabled()
    page.locator("form.share-form .suspended-note").scroll_into_view_if_needed()
    expect(page.locator("form.share-form .suspended-note")).to_be_visible()
    screenshot(page, "suspended-article")
    main_nav(page).get_by_role("button", name="Log out").click()  # still allowed
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_a_repeated_claim_shows_the_open_one(live_server, site, page, viewport):
    page.set_viewport_size(viewport)
    log_in(page, live_server, "bob")
    page.goto(live_server("/articles/test-article/predictions/new"))
    form = page.locator("form.share-form")
    form.locator("input[name=title]").fill("north korea will hold a nuclear test in 2027!")
    form.locator("input[name=probability]").fill("40")
    form.locator("input[name=resolution_date]").fill(
        (clock.today() + timedelta(days=200)).isoformat())
    form.locator("textarea[name=criteria]").fill("Resolves yes if a test is confirmed by CTBTO.")
    form.get_by_role("button", name="Post prediction").click()
    warning = page.locator("#duplicates")
    expect(warning).to_be_visible()
    link = warning.get_by_role("link", name=CLAIM)
    expect(link).to_have_attribute("href", f"/predictions/{site['prediction']}")
    expect(page.locator(".duplicate-notice")).to_contain_text("already open")
    warning.scroll_into_view_if_needed()
    screenshot(page, "duplicate-claim")
    # Enter in the claim means "Post prediction" (the form's first button), not "anyway".
    page.locator("form.share-form input[name=title]").press("Enter")
    expect(page.locator("#duplicates")).to_be_visible()
    page.locator("#duplicates").get_by_role("button", name="Post mine anyway").click()
    expect(page.locator(".prediction-row.is-posted")).to_be_visible()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_the_report_page_shows_the_comment_and_fitting_reasons(live_server, site, page,
                                                               viewport):
    from forum.models import Prediction
    from tests.factories import make_comment

    with live_server.app_context():
        prediction = db.session.get(Prediction, site["prediction"])
        carol = make_user("carol")
        comment = make_comment(prediction, carol, "You are all *clueless* about Pyongyang.")
        comment_id = comment.id
    page.set_viewport_size(viewport)
    log_in(page, live_server, "bob")
    page.goto(live_server(f"/report/comment/{comment_id}"))
    summary = page.locator(".report-item")
    expect(summary).to_contain_text("Comment by carol")
    expect(summary.locator("em")).to_have_text("clueless")
    reasons = page.locator("input[name=reason]")
    expect(reasons).to_have_count(3)
    expect(page.get_by_label("Wrong resolution")).to_have_count(0)
    expect(page.get_by_label("Unclear criteria")).to_have_count(0)
    screenshot(page, "report-comment")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_the_author_withdraws_after_confirming(live_server, site, page, viewport):
    page.set_viewport_size(viewport)
    log_in(page, live_server, "bob")
    page.goto(live_server(f"/predictions/{site['prediction']}"))
    page.get_by_role("link", name="Withdraw").click()
    expect(page.get_by_role("heading", name="Withdraw your prediction?")).to_be_visible()
    screenshot(page, "withdraw-confirm")
    page.get_by_role("button", name="Withdraw it").click()
    expect(page.get_by_text(f"You withdrew “{CLAIM}”")).to_be_visible()
    expect(page.get_by_role("link", name=CLAIM)).to_have_count(0)
