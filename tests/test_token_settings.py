"""API tokens from Settings (issue 15): made with a name and shown once, stored only as a
digest, listed with when each was last used, revoked; limits and CSRF. And the API reference
page generated from the OpenAPI document."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum import clock
from forum.api.openapi import DOCUMENT
from forum.auth.services import MAX_TOKENS, issue_token
from forum.extensions import db
from forum.models import ApiToken, token_digest
from forum.templating import datetime_attribute
from tests.factories import DEFAULT_PASSWORD
from tests.test_auth import csrf_token

LOGIN = {"username": "alice", "password": DEFAULT_PASSWORD}


@pytest.fixture
def browser(client, alice):
    client.post("/login", data=LOGIN)
    return client


def new_token(page: str) -> str | None:
    found = re.search(r'<input type="text" id="new-token" class="token-secret" value="([^"]+)"',
                      page)
    return found.group(1) if found else None


def use(client, token: str) -> int:
    return client.get("/api/v1/articles", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_named_token_is_shown_once_and_stored_only_as_a_digest(browser):
    response = browser.post("/settings/tokens", data={"token-name": "  My   forecasting bot "})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    raw = new_token(page)
    assert raw and len(raw) >= 40
    assert "My forecasting bot" in page
    row = db.session.scalar(select(ApiToken))
    assert row.name == "My forecasting bot"
    assert row.token_hash == token_digest(raw) and raw not in row.token_hash
    assert use(browser, raw) == 200
    again = browser.get("/settings").get_data(as_text=True)
    assert raw not in again and new_token(again) is None
    assert "My forecasting bot" in again


def test_each_token_shows_when_it_was_last_used(browser, alice):
    raw = new_token(browser.post("/settings/tokens", data={"token-name": "cron"}).text)
    assert "never used" in browser.get("/settings").text
    assert use(browser, raw) == 200
    row = db.session.scalar(select(ApiToken))
    db.session.refresh(row)
    first = row.last_used_at
    assert first is not None and clock.now() - first < timedelta(seconds=30)
    page = browser.get("/settings").text
    assert "never used" not in page and "last used" in page
    assert f'datetime="{datetime_attribute(first)}"' in page
    # A read stays a read: within the minute, no further write.
    assert use(browser, raw) == 200
    db.session.refresh(row)
    assert row.last_used_at == first
    row.last_used_at = first - timedelta(minutes=5)
    db.session.commit()
    assert use(browser, raw) == 200
    db.session.refresh(row)
    assert row.last_used_at > first - timedelta(minutes=5)


@pytest.mark.parametrize("name, message", [
    ("", "1–60 characters"),
    ("   ", "1–60 characters"),
    ("x" * 61, "1–60 characters"),
    ("bot\x00", "control"),
    ("bot\u202e", ""),
])
def test_a_bad_name_is_refused_with_a_message_and_no_token(browser, name, message):
    response = browser.post("/settings/tokens", data={"token-name": name})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'<p class="error" id="token-name-error">[^<]*' + re.escape(message), page)
    assert new_token(page) is None
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_a_member_holds_at_most_max_tokens(browser, alice):
    for n in range(MAX_TOKENS):
        issue_token(alice, f"token {n}")
    db.session.commit()
    page = browser.get("/settings").text
    assert 'action="/settings/tokens#tokens"' not in page
    assert f"You hold {MAX_TOKENS} tokens" in page
    refused = browser.post("/settings/tokens", data={"token-name": "one more"})
    assert refused.status_code == 422
    assert "revoke one you no longer use first" in refused.text
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == MAX_TOKENS
    revoke = re.findall(r'action="(/settings/tokens/\d+/revoke)"', page)[0]
    assert browser.post(revoke).status_code == 302
    assert browser.post("/settings/tokens", data={"token-name": "one more"}).status_code == 201


def test_revoking_a_named_token_makes_it_401(browser):
    raw = new_token(browser.post("/settings/tokens", data={"token-name": "old laptop"}).text)
    page = browser.get("/settings").text
    assert "Revoke<span class=\"visually-hidden\"> old laptop</span>" in page
    revoke = re.findall(r'action="(/settings/tokens/\d+/revoke)"', page)[0]
    browser.post(revoke)
    assert use(browser, raw) == 401


def test_visitors_are_sent_to_log_in(client):
    response = client.post("/settings/tokens", data={"token-name": "x"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_making_a_token_needs_the_csrf_token(make_app, alice):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    client.post("/login", data={**LOGIN, "csrf_token": csrf_token(client.get("/login").text)})
    refused = client.post("/settings/tokens", data={"token-name": "forged"})
    assert refused.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
    page = client.get("/settings").text
    made = client.post("/settings/tokens", data={"token-name": "mine",
                                                 "csrf_token": csrf_token(page)})
    assert made.status_code == 201 and new_token(made.text)


def test_settings_and_the_footer_link_the_api_reference(browser):
    assert 'href="/docs/api"' in browser.get("/settings").text
    assert re.search(r'<footer[\s\S]*href="/docs/api"', browser.get("/leaderboard").text)


def test_the_api_reference_lists_every_operation_and_object_of_the_document(client):
    response = client.get("/docs/api")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            heading = re.search(rf'<h3 id="{operation["operationId"]}">(.*?)</h3>', page)
            assert heading, operation["operationId"]
            assert method.upper() in heading.group(1) and path in heading.group(1)
    for name in DOCUMENT["components"]["schemas"]:
        assert f'id="schema-{name}"' in page, name
    # Parameters with their limits, from the same document.
    assert re.search(r"<code>per_page \(query\)</code>[\s\S]*?integer, 1–100, default "
                     r"<code>20</code>", page)
    assert "<code>hot</code>, <code>top</code>" in page
    # Every in-page link has its target.
    targets = set(re.findall(r'id="([^"]+)"', page))
    for anchor in re.findall(r'href="#([^"]+)"', page):
        assert anchor in targets, anchor


def test_the_api_reference_loads_nothing_from_elsewhere_and_runs_no_script(client):
    response = client.get("/docs/api")
    page = response.get_data(as_text=True)
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    # Only the canonical link names the site's own address in full (SITE_URL).
    page = re.sub(r'<link rel="canonical" href="[^"]*">', "", page)
    assert not re.search(r'(src|href)="(https?:)?//', page)
    scripts = re.findall(r"<script([^>]*)>", page)
    assert all(re.search(r'src="/static/', attributes) for attributes in scripts), scripts
