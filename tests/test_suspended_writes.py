"""A suspended member reads, and writes nothing (issue 10, item 3; SPEC.md §7).

They may log in, and every page then says they are suspended and why; but every POST, PUT
and DELETE they send, to a page or the API, with their session or a bearer token, is 403 and
changes no row; only ending their own access (logging out, revoking a token) is let through.
The walk takes every write rule of the URL map, so a route added later is covered too."""

import pytest
from sqlalchemy import func, select

from forum.auth.suspension import ENDS_ACCESS
from forum.extensions import db
from forum.models import ApiToken, LoginSession, Notification, User
from forum.moderation.services import set_suspended
from tests.api_support import bearer
from tests.factories import DEFAULT_PASSWORD, make_comment, make_prediction, make_user
from tests.fixtures.accounts import AuthActions
from tests.moderation_support import fast_passwords  # noqa: F401
from tests.route_support import (
    build_site,
    changed_tables,
    concrete_paths,
    link_tokens,
    table_snapshot,
)

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
REASON = "Posting the same link in every thread"
FORM = {"body": "Buy now", "value": "1", "probability": "50", "reason": "spam", "text": "x",
        "title": "A claim that the suspended member posts", "criteria": "Resolves yes if so.",
        "resolution_date": "2030-01-01", "outcome": "yes", "note": "Known.", "role": "admin",
        "decision": "dismiss", "profile-submit": "Save", "profile-bio": "Visit spam.example",
        "username": "banned", "password": DEFAULT_PASSWORD, "email": "new@example.com",
        "next": "/"}
JSON = {"body": "Buy now", "value": 1, "probability": 0.5, "outcome": "yes", "note": "Known.",
        "title": "A claim that the suspended member posts", "criteria": "Resolves yes if so.",
        "resolution_date": "2030-01-01", "username": "banned", "password": DEFAULT_PASSWORD}


@pytest.fixture
def site(article):
    site = build_site(article)
    banned = make_user("banned")
    site["banned"] = banned
    site["own_prediction"] = make_prediction(article, banned, title="The banned member's claim")
    site["own_comment"] = make_comment(site["visible"], banned, "The banned member's comment.")
    make_comment(site["visible"], site["author"], "A reply to banned.", parent=site["own_comment"])
    return site


def write_values(site):
    banned = site["banned"]
    notes = db.session.scalars(select(Notification.id).where(
        Notification.user_id == banned.id)).all()
    assert notes
    token = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == banned.id))
    by_type = {"prediction": [site["visible"].id], "comment": [site["comment"].id],
               "resolution": [site["resolution"].id]}

    def values(name, chosen):
        return {
            "slug": [site["visible"].article.slug],
            "prediction_id": [site["visible"].id, site["own_prediction"].id],
            "comment_id": [site["comment"].id, site["own_comment"].id],
            "target_id": by_type.get(chosen.get("target_type"), []),
            "notification_id": notes,
            "user_id": [site["author"].id, banned.id],
            "flag_id": [site["flag"].id],
            "token_id": [token],
            "token": link_tokens(banned),
            "export_id": [1],
            "username": [banned.username],
        }[name]

    return values


def suspend_after_login(client, site) -> dict:
    """Log in and take a token, then get suspended by the flag alone (as if the suspension
    landed between two requests: the session and the token are still there)."""
    AuthActions(client).login("banned")
    headers = bearer(site["banned"])
    site["banned"].suspended = True
    db.session.commit()
    return headers


def test_every_write_by_a_suspended_member_is_403_and_changes_nothing(app, client, site):
    headers = suspend_after_login(client, site)
    paths = concrete_paths(app, WRITES, write_values(site))
    endpoints = {endpoint for _m, endpoint, _p in paths}
    every_write = {rule.endpoint for rule in app.url_map.iter_rules()
                   if rule.methods & WRITES and rule.endpoint != "static"}
    assert endpoints == every_write  # every write route is walked, new ones included
    before = table_snapshot()
    tried = 0
    for method, endpoint, path in paths:
        if endpoint in ENDS_ACCESS:
            continue
        api = path.startswith("/api/")
        for extra in ({}, headers) if api else ({},):  # the session, then the bearer token
            response = (client.open(path, method=method, json=JSON, headers=extra) if api
                        else client.open(path, method=method, data=FORM))
            tried += 1
            assert response.status_code == 403, (method, path, bool(extra),
                                                  response.status_code)
            if api:
                assert response.get_json()["error"]["code"] == "forbidden"
            else:
                assert "Your account is suspended" in response.get_data(as_text=True)
    assert tried > 30
    assert changed_tables(before, table_snapshot()) == []


def test_the_bio_password_and_notifications_of_a_suspended_member_stay(client, site):
    """The review's examples, one by one."""
    suspend_after_login(client, site)
    banned = site["banned"]
    hash_before = banned.password_hash
    assert client.post("/settings", data={"profile-submit": "Save",
                                          "profile-bio": "Visit spam.example"}).status_code == 403
    assert client.post("/settings", data={
        "password-submit": "Change", "password-current_password": DEFAULT_PASSWORD,
        "password-new_password": "another long password",
        "password-confirm": "another long password"}).status_code == 403
    assert client.post("/notifications/read").status_code == 403
    db.session.expire_all()
    user = db.session.get(User, banned.id)
    assert not user.bio and user.password_hash == hash_before


def test_a_suspended_member_gets_no_new_token(client, site):
    banned = site["banned"]
    set_suspended(banned, site["mod"], REASON, True)
    db.session.commit()
    tokens = db.session.scalar(select(func.count(ApiToken.id)))
    refused = client.post("/api/v1/tokens", json={"username": "banned",
                                                  "password": DEFAULT_PASSWORD})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "forbidden"
    assert "suspended" in refused.get_json()["error"]["message"]
    wrong = client.post("/api/v1/tokens", json={"username": "banned", "password": "wrong one!"})
    assert wrong.status_code == 401  # the suspension is told only to who knows the password
    assert db.session.scalar(select(func.count(ApiToken.id))) == tokens


def test_a_suspended_member_logs_in_to_read_and_sees_why(auth, client, site):
    set_suspended(site["banned"], site["mod"], REASON, True)
    db.session.commit()
    response = auth.login("banned")
    assert response.status_code == 302
    page = client.get(f"/predictions/{site['visible'].id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Your account is suspended." in text and REASON in text
    assert client.get("/notifications").status_code == 200
    assert client.get("/settings").status_code == 200
    others = client.get("/")
    assert "Your account is suspended." in others.get_data(as_text=True)
    client.post("/logout")
    assert "Your account is suspended." not in client.get("/").get_data(as_text=True)


def test_a_suspended_member_can_still_end_their_own_access(client, site):
    banned = site["banned"]
    bearer(banned)  # a second token, revoked from the settings page
    other = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == banned.id))
    headers = suspend_after_login(client, site)
    assert client.post(f"/settings/tokens/{other}/revoke").status_code == 302
    assert client.delete("/api/v1/tokens/current", headers=headers).status_code == 204
    assert db.session.scalar(select(func.count(ApiToken.id)).where(
        ApiToken.user_id == banned.id)) == 0
    assert client.post("/logout").status_code == 302
    assert db.session.scalar(select(func.count(LoginSession.id)).where(
        LoginSession.user_id == banned.id)) == 0
