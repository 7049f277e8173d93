"""Member management: search, suspend and restore (moderators), roles (admins). Nobody acts on
their own suspension or role."""

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import AuditEntry, LoginSession, User
from tests.factories import make_prediction, make_user
from tests.moderation_support import (
    bearer,
    count,
    fast_passwords,  # noqa: F401
    )


@pytest.fixture
def team(app):
    return {"alice": make_user("alice"), "bob": make_user("bob"),
            "mod": make_user("mod", role="moderator"), "mod2": make_user("mod2", role="moderator"),
            "root": make_user("root", role="admin"), "root2": make_user("root2", role="admin")}


def fresh(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def suspend(client, user, action="suspend", reason="Spamming the board"):
    return client.post(f"/moderation/members/{user.id}/{action}", data={"reason": reason})


def set_role(client, user, role, reason="Trusted member"):
    return client.post(f"/moderation/members/{user.id}/role", data={"role": role,
                                                                     "reason": reason})


# Suspension ------------------------------------------------------------------------------------

def test_suspension_ends_web_sessions_and_blocks_every_write(auth, app, team, article):
    victim = app.test_client()
    auth.on(victim).login()
    headers = bearer(team["alice"])
    prediction = make_prediction(article, team["bob"])
    assert count(LoginSession, LoginSession.user_id == team["alice"].id) == 1
    moderator = app.test_client()
    auth.on(moderator).login("mod")
    assert suspend(moderator, team["alice"]).status_code == 302
    assert fresh(team["alice"]).suspended is True
    assert count(LoginSession, LoginSession.user_id == team["alice"].id) == 0
    page = victim.get("/").get_data(as_text=True)
    assert 'data-testid="nav-username">alice<' not in page  # logged out everywhere
    # The token still reads, but every write through it is 403.
    assert victim.get(f"/api/v1/predictions/{prediction.id}",
                      headers=headers).status_code == 200
    writes = [
        victim.post(f"/api/v1/predictions/{prediction.id}/forecasts", headers=headers,
                    json={"probability": 0.5}),
        victim.put(f"/api/v1/predictions/{prediction.id}/vote", headers=headers,
                   json={"value": 1}),
        victim.post(f"/api/v1/predictions/{prediction.id}/comments", headers=headers,
                    json={"body": "Still here"}),
        victim.post(f"/api/v1/articles/{article.slug}/predictions", headers=headers,
                    json={"title": "A brand new claim about 2030", "probability": 0.5,
                          "criteria": "Resolves yes if it happens.",
                          "resolution_date": "2030-01-01"}),
    ]
    assert [response.status_code for response in writes] == [403, 403, 403, 403]
    # Logging in again works (they may read) but writing on pages is still 403.
    auth.on(victim).login()
    response = victim.post(f"/report/prediction/{prediction.id}", data={"reason": "spam"})
    assert response.status_code == 403


def test_lifting_a_suspension_lets_them_write_again(auth, client, team, article):
    auth.login("mod")
    suspend(client, team["alice"])
    response = suspend(client, team["alice"], "unsuspend", "Apologised")
    assert response.status_code == 302
    assert fresh(team["alice"]).suspended is False
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["suspend", "unsuspend"]
    prediction = make_prediction(article, team["bob"])
    response = client.post(f"/api/v1/predictions/{prediction.id}/forecasts",
                           headers=bearer(team["alice"]), json={"probability": 0.3})
    assert response.status_code == 201


def test_nobody_suspends_themself(auth, client, team):
    auth.login("mod")
    assert suspend(client, team["mod"]).status_code == 403
    assert fresh(team["mod"]).suspended is False


def test_only_admins_suspend_moderators_and_nobody_suspends_an_admin(auth, client, team):
    auth.login("mod")
    assert suspend(client, team["mod2"]).status_code == 403
    assert suspend(client, team["root"]).status_code == 403
    client.post("/logout")
    auth.login("root")
    assert suspend(client, team["mod2"]).status_code == 302
    assert fresh(team["mod2"]).suspended is True
    assert suspend(client, team["root2"]).status_code == 403
    assert fresh(team["root2"]).suspended is False


def test_suspending_needs_a_reason(auth, client, team):
    auth.login("mod")
    response = suspend(client, team["alice"], reason="")
    assert response.status_code == 422
    assert 'id="reason-error"' in response.get_data(as_text=True)
    assert fresh(team["alice"]).suspended is False


def test_suspending_twice_says_nothing_changed(auth, client, team):
    auth.login("mod")
    suspend(client, team["alice"])
    response = suspend(client, team["alice"])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "already suspended" in page
    assert count(AuditEntry) == 1


def test_unknown_member_is_404(auth, client, team):
    auth.login("mod")
    assert client.post("/moderation/members/99999/suspend",
                       data={"reason": "x"}).status_code == 404
    assert client.post("/moderation/members/99999999999/suspend",
                       data={"reason": "x"}).status_code == 404


# Roles -----------------------------------------------------------------------------------------

def test_admin_grants_and_revokes_moderator(auth, client, team):
    auth.login("root")
    assert set_role(client, team["alice"], "moderator").status_code == 302
    assert fresh(team["alice"]).role == "moderator"
    assert set_role(client, team["alice"], "member", "Stepped down").status_code == 302
    assert fresh(team["alice"]).role == "member"
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.details["previous"], e.details["role"]) for e in entries] == [
        ("role", "member", "moderator"), ("role", "moderator", "member")]


def test_moderators_cannot_change_roles(auth, client, team):
    auth.login("mod")
    assert set_role(client, team["alice"], "moderator").status_code == 403
    assert client.get(f"/moderation/members/{team['alice'].id}/role").status_code == 403
    assert fresh(team["alice"]).role == "member"


def test_nobody_changes_their_own_role(auth, client, team):
    auth.login("root")
    assert set_role(client, team["root"], "member").status_code == 403
    assert fresh(team["root"]).role == "admin"


@pytest.mark.parametrize(("role", "reason", "field"), [("superuser", "x", "role-error"),
                                                       ("", "x", "role-error"),
                                                       ("moderator", "", "reason-error")])
def test_bad_role_changes_are_422(auth, client, team, role, reason, field):
    auth.login("root")
    response = set_role(client, team["alice"], role, reason)
    assert response.status_code == 422
    assert f'id="{field}"' in response.get_data(as_text=True)
    assert fresh(team["alice"]).role == "member"
    assert count(AuditEntry) == 0


def test_a_new_moderator_can_moderate_at_once(auth, client, team):
    auth.login()
    assert client.get("/moderation").status_code == 403
    team["alice"].role = "moderator"
    db.session.commit()
    assert client.get("/moderation").status_code == 200


# The members page -------------------------------------------------------------------------------

def test_members_page_searches_by_name_and_pages(auth, client, team):
    for number in range(30):
        make_user(f"reader{number:02d}")
    auth.login("mod")
    first = client.get("/moderation/members?q=READER").get_data(as_text=True)
    assert "30 members" in first
    assert "reader00" in first and "reader24" in first and "reader25" not in first
    second = client.get("/moderation/members?q=reader&page=2").get_data(as_text=True)
    assert "reader25" in second and "reader29" in second
    assert "Page 2 of 2" in second
    none = client.get("/moderation/members?q=nobody").get_data(as_text=True)
    assert "No member's name contains" in none


def test_members_page_offers_roles_only_to_admins(auth, client, team):
    auth.login("mod")
    page = client.get("/moderation/members").get_data(as_text=True)
    assert "Change role" not in page and "Suspend" in page
    client.post("/logout")
    auth.login("root")
    assert "Change role" in client.get("/moderation/members").get_data(as_text=True)


def test_members_page_search_is_safe_with_wildcards(auth, client, team):
    auth.login("mod")
    page = client.get("/moderation/members?q=%25").get_data(as_text=True)
    assert "0 members" in page


def test_members_page_query_count_does_not_grow(auth, client, team, count_queries):
    auth.login("root")
    client.get("/moderation/members")
    with count_queries() as few:
        client.get("/moderation/members")
    for number in range(20):
        make_user(f"extra{number:02d}")
    with count_queries() as many:
        client.get("/moderation/members")
    assert len(many) == len(few)


@pytest.mark.parametrize("path", ["/moderation/members?q=%00", "/moderation/members?q=a%00b",
                                  "/moderation/audit?actor=%00", "/moderation/audit?action=%00",
                                  "/moderation?page=%00", "/notifications?page=%00"])
def test_a_nul_character_in_a_query_is_never_a_server_error(auth, client, team, path):
    auth.login("mod")
    assert client.get(path).status_code in (200, 422)


def test_a_nul_character_in_next_is_never_a_server_error(auth, client, team):
    auth.login("mod")
    response = client.post(f"/moderation/members/{team['alice'].id}/suspend",
                           data={"reason": "Spam", "next": "/moderation\x00evil"})
    assert response.status_code == 302
    assert "\x00" not in response.headers["Location"]
