"""Every page type fits a 390 px phone and a 1280 px desktop when members write long unbroken
titles, URLs, passages and usernames; the phone header is one line with a menu that works
without JavaScript; a busy prediction page puts its discussion within reach."""

import re

import pytest
from playwright.sync_api import expect

from forum.extensions import db
from forum.moderation.flags import create_flag
from tests.e2e.conftest import DESKTOP, PHONE, checked_page, screenshot
from tests.factories import (
    DEFAULT_PASSWORD,
    make_article,
    make_comment,
    make_forecast,
    make_prediction,
    make_user,
)
from tests.moderation_support import closed_prediction, resolve

pytestmark = pytest.mark.browser

# Unbroken strings as long as each field allows: no space, no hyphen, nothing to break at.
TITLE = "Pyongyang" + "Denuclearises" * 14 + "Complete"  # 199 characters
URL = "https://www.example.org/" + "verylongpathsegment" * 12 + "?query=" + "x" * 60
PASSAGE = "Unbrokenpassage" * 12
LONG_NAME = "averyveryverylongusername_abcd"  # 30 characters, the most a username has
MOD_NAME = "moderatorwithaverylongname_xyz"
ARTICLE = f"""---
title: "{"Anunbrokenarticletitle" * 5}"
slug: layout-article
prompt: "What are your predictions? {"Verylongpromptword" * 6}"
---

The first paragraph says something worth predicting about the world.

## A Section Heading

A paragraph holding a long passage: {PASSAGE} and a long address: {URL} and <{URL}>.

What do you think? Share your thoughts in the comments below!
"""
BODY = f"{PASSAGE}{PASSAGE}\n\nSee {URL} and [a link]({URL}) and `{'code' * 40}`."


@pytest.fixture
def crowded(live_server):
    with live_server.app_context():
        assert len(TITLE) == 199 and len(LONG_NAME) == len(MOD_NAME) == 30
        article = make_article(ARTICLE)
        author = make_user(LONG_NAME, bio=BODY)
        moderator = make_user(MOD_NAME, role="moderator")
        others = [make_user(f"reader_number_{index:02d}") for index in range(12)]
        prediction = make_prediction(article, author, title=TITLE, quote=PASSAGE,
                                     criteria=f"Resolves yes when {URL} says so. {BODY}")
        for index, reader in enumerate(others):
            make_forecast(prediction, reader, 0.2 + index * 0.05)
        make_forecast(prediction, moderator, 0.4)
        parent = make_comment(prediction, author, BODY)
        reply = make_comment(prediction, moderator, f"@{LONG_NAME} {BODY}", parent=parent)
        for reader in others[:4]:
            make_comment(prediction, reader, f"{reader.username}: {BODY}")
        create_flag(others[0], "comment", reply.id, "spam")
        create_flag(others[1], "prediction", prediction.id, "spam")
        closed = closed_prediction(article, author, title=TITLE[::-1], quote=PASSAGE,
                                   forecasts=[(moderator, 0.7, 12), (others[0], 0.3, 10)])
        resolve(closed, moderator, "yes", note=BODY[:900], source_url=URL)
        make_comment(prediction, others[5], f"{MOD_NAME} {BODY}", parent=reply)
        db.session.commit()
        return {"prediction": prediction.id, "closed": closed.id, "slug": article.slug}


def log_in(page, live_server, username):
    page.goto(live_server("/login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("main")).to_be_visible()


def page_types(data, member: str | None) -> dict[str, str]:
    slug, prediction = data["slug"], data["prediction"]
    paths = {
        "home": "/", "article": f"/articles/{slug}", "board": f"/articles/{slug}/predictions",
        "search": f"/articles/{slug}/predictions?q={TITLE[:40]}",
        "prediction": f"/predictions/{prediction}",
        "all-forecasts": f"/predictions/{prediction}?forecasts_page=1&comments=all",
        "resolved": f"/predictions/{data['closed']}",
        "profile": f"/users/{LONG_NAME}", "leaderboard": "/leaderboard",
        "rules": "/leaderboard/rules", "login": "/login", "register": "/register",
    }
    if member:
        paths |= {"settings": "/settings", "notifications": "/notifications",
                  "new-prediction": f"/articles/{slug}/predictions/new",
                  "report": f"/report/prediction/{prediction}"}
    if member == MOD_NAME:
        paths |= {"moderation": "/moderation", "members": "/moderation/members",
                  "audit": "/moderation/audit", "resolve": f"/predictions/{data['closed']}/resolve",
                  "hide": f"/moderation/prediction/{prediction}/hide"}
    return paths


ROLE = {None: "anonymous", LONG_NAME: "member", MOD_NAME: "moderator"}

OVERFLOW = """() => {
  const width = window.innerWidth;
  const wide = [...document.querySelectorAll("body *")]
    .filter((element) => element.getBoundingClientRect().right > width + 1)
    .filter((element) => {  // inside a box that scrolls (a wide table) it widens nothing
      for (let box = element.parentElement; box; box = box.parentElement) {
        if (getComputedStyle(box).overflowX !== "visible") return false;
      }
      return true;
    })
    .slice(0, 5).map((element) => `${element.tagName.toLowerCase()}.${element.className}`);
  return {scroll: document.documentElement.scrollWidth, width, wide};
}"""


@pytest.mark.parametrize("who", [None, LONG_NAME, MOD_NAME], ids=["anonymous", "member",
                                                                 "moderator"])
def test_no_page_is_wider_than_the_screen(live_server, crowded, browser, console, who):
    with checked_page(browser, console) as page:
        if who:
            log_in(page, live_server, who)
        too_wide = []
        for name, path in page_types(crowded, who).items():
            for viewport in (PHONE, DESKTOP):
                page.set_viewport_size(viewport)
                response = page.goto(live_server(path))
                assert response.status < 500, (path, response.status)
                measured = page.evaluate(OVERFLOW)
                if measured["scroll"] > measured["width"]:
                    too_wide.append(f"{name} {path} at {viewport['width']} px: "
                                    f"{measured['scroll']} px wide, {measured['wide']}")
                screenshot(page, f"layout-{ROLE[who]}-{name}")
        assert not too_wide, "\n".join(too_wide)


# One line: a horizontal line crosses every item of the header (the brand and the menu).
HEADER = """() => {
  const boxes = [...document.querySelector(".nav").children]
    .map((child) => child.getBoundingClientRect()).filter((box) => box.height > 0);
  const oneLine = Math.max(...boxes.map((box) => box.top)) <
                  Math.min(...boxes.map((box) => box.bottom));
  return {height: document.querySelector(".site-header").getBoundingClientRect().height,
          rows: oneLine ? 1 : 2};
}"""


@pytest.mark.parametrize("who", [None, LONG_NAME, MOD_NAME], ids=["anonymous", "member",
                                                                 "moderator"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_phone_header_is_one_line_with_a_menu_that_works_without_javascript(
        live_server, crowded, browser, console, who, javascript):
    with checked_page(browser, console, java_script_enabled=javascript) as page:
        if who:
            log_in(page, live_server, who)
        page.set_viewport_size(PHONE)
        page.goto(live_server(f"/predictions/{crowded['prediction']}"))
        nav = page.get_by_role("navigation", name="Main")
        header = page.evaluate(HEADER)
        assert header["rows"] == 1 and header["height"] < 70, header
        leaderboard = nav.get_by_role("link", name="Leaderboard")
        expect(leaderboard).to_be_hidden()

        # By keyboard: Tab to the menu (after the skip link and the brand), Enter opens it.
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        toggle = nav.locator("summary")
        expect(toggle).to_be_focused()
        expect(toggle).to_have_accessible_name(re.compile(r"^Menu \d+ unread$") if who else "Menu")
        page.keyboard.press("Enter")
        expect(leaderboard).to_be_visible()
        assert page.evaluate(HEADER)["height"] < 70  # the menu opens over the page
        screenshot(page, f"layout-menu-{ROLE[who]}-{'js' if javascript else 'nojs'}")
        if who:
            expect(nav.get_by_role("button", name="Log out")).to_be_visible()
            expect(page.get_by_test_id("nav-username")).to_have_text(who)
        else:
            expect(nav.get_by_role("link", name="Join")).to_be_visible()
        if who == MOD_NAME:
            expect(nav.get_by_role("link", name="Moderation")).to_be_visible()
        page.keyboard.press("Tab")
        expect(nav.get_by_role("link", name="Predictions")).to_be_focused()
        with page.expect_navigation():
            leaderboard.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Leaderboard")
        expect(nav.get_by_role("link", name="Leaderboard")).to_be_hidden()  # closed again

        page.set_viewport_size(DESKTOP)  # room for everything: no menu to open
        expect(nav.locator("summary")).to_be_hidden()
        expect(nav.get_by_role("link", name="Leaderboard")).to_be_visible()
        assert page.evaluate(HEADER)["height"] < 70
        for width in (768, 992):  # a tablet (the menu), and just wide enough for the links
            page.set_viewport_size({"width": width, "height": 800})
            measured = page.evaluate(OVERFLOW)
            assert measured["scroll"] <= measured["width"], measured
            screenshot(page, f"layout-header-{ROLE[who]}")


SPLIT_WORDS = """(selector) => [...document.querySelectorAll(selector)].filter((cell) => {
  const range = document.createRange();
  range.selectNodeContents(cell.querySelector(".user-link"));
  return range.getClientRects().length > 1;
}).map((cell) => cell.textContent.trim())"""


def test_a_busy_prediction_page_puts_the_discussion_within_reach(live_server, crowded,
                                                                  browser, console):
    with checked_page(browser, console, java_script_enabled=False) as page:
        log_in(page, live_server, MOD_NAME)
        page.set_viewport_size(PHONE)
        path = f"/predictions/{crowded['prediction']}"
        page.goto(live_server(path))
        jump = page.get_by_role("navigation", name="On this page")
        discussion = jump.get_by_role("link", name="Discussion (7)")
        assert discussion.bounding_box()["y"] < PHONE["height"]  # on the first screen
        top = {name: page.locator(selector).bounding_box()["y"] for name, selector in {
            "criteria": "#criteria-heading", "forecast": "#forecast", "comments": "#comments",
            "log": "#forecasts", "resolution": "#resolution"}.items()}
        assert top["criteria"] < top["forecast"] < top["comments"] < top["log"] \
            < top["resolution"], top
        # The log of 14 forecasts is folded; asked for by page, it opens.
        log = page.locator("details.forecast-log")
        expect(log).not_to_have_attribute("open", "")
        expect(page.locator(".forecast-table")).to_be_hidden()
        discussion.click()
        expect(page.get_by_role("heading", name="Discussion 7")).to_be_in_viewport()
        screenshot(page, "layout-prediction-discussion")
        page.goto(live_server(path + "?forecasts_page=1"))
        expect(page.locator(".forecast-table")).to_be_visible()

        # On a desktop the discussion follows the claim's details at once, however tall the
        # side column (here: the log, the moderators' panel, the reports) grows.
        page.set_viewport_size(DESKTOP)
        page.goto(live_server(path + "?forecasts_page=1"))
        expect(page.get_by_role("navigation", name="On this page")).to_be_hidden()
        main = page.locator(".prediction-main").bounding_box()
        side = page.locator(".prediction-side").bounding_box()
        comments = page.locator("#comments").bounding_box()
        assert side["y"] + side["height"] > comments["y"], "the side column is the taller"
        assert comments["y"] - (main["y"] + main["height"]) <= 40
        assert comments["x"] == main["x"]
        # Whole usernames in the forecast log: none breaks mid-word at this width.
        assert page.evaluate(SPLIT_WORDS, ".forecast-table td:first-child") == []
        screenshot(page, "layout-prediction-desktop")


def test_the_article_says_near_the_top_how_many_predictions_it_has(live_server, crowded,
                                                                    browser, console):
    with checked_page(browser, console) as page:
        for viewport in (PHONE, DESKTOP):
            page.set_viewport_size(viewport)
            page.goto(live_server("/"))
            callout = page.locator("#board-callout")
            expect(callout).to_contain_text("2 predictions on this article")
            assert callout.bounding_box()["y"] + 40 < viewport["height"]
            board = callout.get_by_role("link", name="See the board")
            expect(board).to_have_attribute("href", f"/articles/{crowded['slug']}/predictions")
            # The closing prompt asks for predictions, not for comments the page hasn't got.
            prompt = page.locator("#prompt-heading")
            expect(prompt).not_to_contain_text("comment")
            expect(prompt).to_contain_text("What are your predictions?")
            form_link = page.locator(".prompt-lead").get_by_role("link", name="in the form below")
            expect(form_link).to_have_attribute("href", "#share")
        callout.get_by_role("link", name="Make your own").click()
        expect(page.locator("#share")).to_be_in_viewport()
        board.click()
        expect(page).to_have_url(live_server(f"/articles/{crowded['slug']}/predictions"))
        expect(page.locator(".board-header .lead")).not_to_contain_text("comment")
