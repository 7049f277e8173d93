"""A member who forgot the password gets it back in Chromium: the reset email travels through
a real SMTP server, and the test follows the link from it as the member would."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, screenshot
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.mail_support import emailed_link

pytestmark = pytest.mark.browser

NEW_PASSWORD = "remembered at last, a long one"


def test_a_forgotten_password_is_reset_through_the_emailed_link(live_server, page,
                                                                smtp_server):
    with live_server.app_context():
        make_user("forgetful", email="forgetful@example.com")
    page.goto(live_server("/login"))
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("forgetful@example.com")
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        screenshot(page, "reset-request")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    screenshot(page, "reset-check-email")

    link = emailed_link(live_server.app, smtp_server, "forgetful@example.com", live_server.url)
    assert link.startswith(live_server("/reset-password/"))
    page.goto(link)
    expect(page.get_by_role("heading", name="Set a new password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    screenshot(page, "reset-new-password")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_text("Your password is set")).to_be_visible()

    page.get_by_label("Username").fill("forgetful")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)  # the old one no longer works
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#password-error")).to_have_text("Unknown username or wrong password.")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("nav-username")).to_have_text("forgetful")

    page.goto(link)  # once only
    expect(page.locator(".error-code")).to_have_text("410")
    expect(page.get_by_role("heading", level=1)).to_have_text("That link no longer works")
    screenshot(page, "reset-link-used")
