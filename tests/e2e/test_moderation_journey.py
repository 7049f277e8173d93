"""A moderator clears the queue in a real browser, and a forecaster learns the outcome."""

import re

import pytest
from playwright.sync_api import expect

from forum.extensions import db
from forum.moderation.flags import create_flag
from tests.e2e.conftest import DESKTOP, PHONE, screenshot
from tests.factories import DEFAULT_PASSWORD, make_article, make_comment, make_user
from tests.moderation_support import closed_prediction

pytestmark = pytest.mark.browser

CLAIM = "The summit will take place before the end of the year"


@pytest.fixture
def queue(live_server):
    """A closed prediction by alice that bob forecast on, and a reported comment."""
    with live_server.app_context():
        article = make_article()
        alice, bob = make_user("alice"), make_user("bob")
        make_user("carol")
        make_user("mod", role="moderator")
        prediction = closed_prediction(article, alice, title=CLAIM, closed_days=4,
                                       criteria="Resolves yes if both leaders meet in person "
                                                "before 31 December, per two major outlets.",
                                       forecasts=[(bob, 0.7, 12)])
        comment = make_comment(prediction, bob, "Anyone want cheap sunglasses? Visit my shop.")
        create_flag(alice, "comment", comment.id, "spam")
        db.session.commit()
        return {"prediction": prediction.id, "comment": comment.id}


def log_in(page, live_server, username):
    page.goto(live_server("/login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("nav-username")).to_have_text(username)


def shoot(page, name, schemes=("light", "dark")):
    for scheme in schemes:
        page.emulate_media(color_scheme=scheme)
        for viewport in (PHONE, DESKTOP):
            page.set_viewport_size(viewport)
            screenshot(page, f"{name}-{scheme}")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size(DESKTOP)


def test_moderator_resolves_from_the_queue_and_the_forecaster_is_told(live_server, queue, page):
    log_in(page, live_server, "mod")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Moderation").click()
    expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()
    awaiting = page.locator(f"#awaiting-{queue['prediction']}")
    expect(awaiting.get_by_role("link", name=CLAIM)).to_be_visible()
    expect(awaiting).to_contain_text("waiting 3 days")
    shoot(page, "moderation-queue")

    # The reported comment is hidden without leaving the queue.
    report = page.locator("#reports .report-item")
    expect(report).to_contain_text("cheap sunglasses")
    report.get_by_label("Reason").fill("Advertising")
    report.get_by_role("button", name="Hide comment").click()
    expect(page.get_by_text("1 report handled.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/moderation#reports$"))
    expect(page.get_by_text("No open reports.")).to_be_visible()

    # One click with a reason resolves the waiting prediction; the queue is then empty.
    awaiting = page.locator(f"#awaiting-{queue['prediction']}")
    awaiting.get_by_role("radio", name=re.compile(r"^Yes")).check()
    awaiting.get_by_label("Note").fill("Both leaders met in Singapore; Reuters and AP report it.")
    awaiting.get_by_label("Source").fill("https://example.com/summit")
    awaiting.get_by_role("button", name="Resolve").click()
    expect(page.get_by_text(re.compile(r"Resolved YES: .The summit"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"/moderation#awaiting$"))
    expect(page.get_by_text("Nothing is waiting.")).to_be_visible()
    shoot(page, "moderation-queue-cleared", schemes=("light",))

    # The audit log has every decision: the hide, the reports it answered, the resolution.
    page.get_by_role("navigation", name="Moderation").get_by_role("link", name="Audit log").click()
    expect(page.locator(".audit-entry")).to_have_count(3)
    shoot(page, "moderation-audit")

    page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").click()

    # bob sees the unread count (the resolution, and his comment hidden with the reason),
    # reads the notification and follows it to the resolution.
    log_in(page, live_server, "bob")
    inbox = page.get_by_role("link", name="Inbox 2 unread")
    expect(inbox).to_be_visible()
    inbox.click()
    expect(page.locator(".inbox-item.is-unread")).to_have_count(2)
    expect(page.locator(".inbox-item.kind-hidden")).to_contain_text(
        "A moderator hid your comment on “The summit will take place before the end of the "
        "year”. The reason: “Advertising”")
    item = page.locator(".inbox-item.is-unread.kind-resolved")
    expect(item).to_contain_text(f"“{CLAIM}” resolved YES.")
    shoot(page, "notifications-inbox")
    item.get_by_role("button", name=f"Unread: “{CLAIM}” resolved YES.").click()  # a POST
    expect(page).to_have_url(re.compile(rf"/predictions/{queue['prediction']}#resolution$"))
    panel = page.locator("#resolution")
    expect(panel).to_contain_text("Both leaders met in Singapore")
    expect(panel.get_by_role("link", name="https://example.com/summit")).to_be_visible()
    panel.scroll_into_view_if_needed()
    shoot(page, "prediction-resolution-panel")

    expect(page.get_by_role("link", name="Inbox 2 unread")).to_have_count(0)
    page.goto(live_server("/notifications"))
    expect(page.locator(".inbox-item")).to_have_count(2)
    expect(page.locator(".inbox-item.kind-resolved.is-unread")).to_have_count(0)  # read


def test_members_see_report_forms_and_moderators_their_tools(live_server, queue, page,
                                                             console):
    console.expect_error(r"status of 422")  # the report without words is answered with 422
    log_in(page, live_server, "carol")
    page.goto(live_server(f"/predictions/{queue['prediction']}"))
    page.locator("#resolution").get_by_text("Report this prediction").click()
    form = page.locator("#resolution form.flag-form")
    expect(form).to_be_visible()
    shoot(page, "prediction-report-form", schemes=("light",))
    form.get_by_role("radio", name="Something else").check()
    form.get_by_role("button", name="Send report").click()
    expect(page.locator("#report-text-error")).to_contain_text("Say what is wrong")  # 422
    expect(page.locator("[data-error-summary]")).to_be_focused()
    page.get_by_label("Details").fill("It duplicates another prediction.")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_text("a moderator will look at it").first).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").click()
    log_in(page, live_server, "mod")
    page.goto(live_server(f"/predictions/{queue['prediction']}"))
    expect(page.locator("#resolution").get_by_text("Resolve this prediction")).to_be_visible()
    page.locator("#resolution").scroll_into_view_if_needed()
    shoot(page, "prediction-moderator-panel")
    page.goto(live_server("/moderation/members"))
    expect(page.get_by_role("heading", name="Members")).to_be_visible()
    shoot(page, "moderation-members", schemes=("light", "dark"))
