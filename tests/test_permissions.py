"""Who may do what: every moderation action, for anonymous visitors, members, the author of
the content, moderators, admins and suspended members, through the pages and the API. A
refused action changes nothing; an allowed one changes what it says."""

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEntry, Comment, Flag, Notification, Prediction, Resolution, User
from forum.moderation.flags import create_flag
from forum.notifications.services import notify
from tests.factories import make_comment, make_prediction, make_user
from tests.fixtures.accounts import AuthActions
from tests.moderation_support import (
    NOTE,
    bearer,
    closed_prediction,
    fast_passwords,  # noqa: F401
    )

ROLES = ("anonymous", "member", "author", "moderator", "admin", "suspended")
LOGIN, OK, REDIRECT = "login", 200, 302


@pytest.fixture
def world(article):
    """Content by `author`; a report by `reporter`; members to suspend, restore and promote."""
    people = {name: make_user(name) for name in ("member", "author", "reporter", "victim",
                                                 "suspended")}
    people["moderator"] = make_user("moderator", role="moderator")
    people["admin"] = make_user("admin", role="admin")
    people["penalised"] = make_user("penalised", suspended=True)
    prediction = closed_prediction(article, people["author"], title="The author's open claim",
                                   forecasts=[(people["member"], 0.6, 5)])
    comment = make_comment(prediction, people["author"], "The author's comment")
    hidden_prediction = make_prediction(article, people["author"], title="A hidden claim here")
    hidden_comment = make_comment(prediction, people["author"], "A hidden comment")
    hidden_prediction.hidden, hidden_comment.hidden = True, True
    flag = create_flag(people["reporter"], "comment", comment.id, "spam")
    for user in people.values():
        notify(user.id, kind="comment", event_key="permissions:1", message="Hello")
    db.session.commit()
    return {**people, "prediction": prediction, "comment": comment, "flag": flag,
            "hidden_prediction": hidden_prediction, "hidden_comment": hidden_comment}


def state(world) -> tuple:
    """Everything the actions below could change."""
    db.session.expire_all()

    def get(model, key):
        return db.session.get(model, world[key].id)

    return (
        get(Prediction, "prediction").status, get(Prediction, "prediction").hidden,
        get(Prediction, "hidden_prediction").hidden, get(Comment, "comment").hidden,
        get(Comment, "hidden_comment").hidden, get(Flag, "flag").status,
        get(User, "victim").suspended, get(User, "victim").role,
        get(User, "penalised").suspended,
        db.session.scalar(select(func.count(Flag.id))),
        db.session.scalar(select(func.count(Resolution.id))),
        db.session.scalar(select(func.count(AuditEntry.id))),
        db.session.scalar(select(func.count(Notification.id)).where(
            Notification.read_at.is_(None))),
    )


def page_actions(w) -> dict:
    """name -> (method, path, form data)."""
    reason = {"reason": "Checked by a moderator"}
    slug = w["prediction"].article.slug
    return {
        "view queue": ("GET", "/moderation", None),
        "view audit log": ("GET", "/moderation/audit", None),
        "view members": ("GET", "/moderation/members", None),
        "resolve": ("POST", f"/predictions/{w['prediction'].id}/resolve",
                    {"outcome": "yes", "note": NOTE}),
        "hide comment": ("POST", f"/moderation/comment/{w['comment'].id}/hide", reason),
        "restore comment": ("POST", f"/moderation/comment/{w['hidden_comment'].id}/restore",
                            reason),
        "hide prediction": ("POST", f"/moderation/prediction/{w['prediction'].id}/hide", reason),
        "restore prediction": ("POST",
                               f"/moderation/prediction/{w['hidden_prediction'].id}/restore",
                               reason),
        "view resolve form": ("GET", f"/predictions/{w['prediction'].id}/resolve", None),
        "dismiss report": ("POST", f"/moderation/reports/{w['flag'].id}",
                           {"decision": "dismiss", **reason}),
        "act on report": ("POST", f"/moderation/reports/{w['flag'].id}",
                          {"decision": "act", **reason}),
        "suspend": ("POST", f"/moderation/members/{w['victim'].id}/suspend", reason),
        "lift suspension": ("POST", f"/moderation/members/{w['penalised'].id}/unsuspend", reason),
        "grant role": ("POST", f"/moderation/members/{w['victim'].id}/role",
                       {"role": "moderator", **reason}),
        "report comment": ("POST", f"/report/comment/{w['comment'].id}", {"reason": "abusive"}),
        "read inbox": ("GET", "/notifications", None),
        "read resolutions feed": ("GET", f"/articles/{slug}/resolutions.atom", None),
        "mark inbox read": ("POST", "/notifications/read", None),
    }


MODERATE = {"anonymous": LOGIN, "member": 403, "author": 403, "moderator": REDIRECT,
            "admin": REDIRECT, "suspended": 403}
VIEW = {**MODERATE, "moderator": OK, "admin": OK}
EXPECTED = {
    "view queue": VIEW, "view audit log": VIEW, "view members": VIEW, "view resolve form": VIEW,
    "resolve": MODERATE, "act on report": MODERATE, "hide comment": MODERATE,
    "restore comment": MODERATE, "hide prediction": MODERATE, "restore prediction": MODERATE,
    "dismiss report": MODERATE, "suspend": MODERATE, "lift suspension": MODERATE,
    "grant role": {**MODERATE, "moderator": 403},
    "report comment": {"anonymous": LOGIN, "member": REDIRECT, "author": 403,
                       "moderator": REDIRECT, "admin": REDIRECT, "suspended": 403},
    "read inbox": {role: OK for role in ROLES} | {"anonymous": LOGIN},
    "read resolutions feed": {role: OK for role in ROLES},
    "mark inbox read": {role: REDIRECT for role in ROLES} | {"anonymous": LOGIN, "suspended": 403},
}
CHANGES_NOTHING = {"view queue", "view audit log", "view members", "view resolve form",
                   "read inbox", "read resolutions feed"}


def become(client, world, role):
    if role == "anonymous":
        return
    AuthActions(client).login(role)
    if role == "suspended":  # suspended after logging in: the session is still there
        world["suspended"].suspended = True
        db.session.commit()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(EXPECTED))
def test_page_permissions(client, world, role, action):
    method, path, data = page_actions(world)[action]
    become(client, world, role)
    before = state(world)
    response = client.open(path, method=method, data=data)
    expected = EXPECTED[action][role]
    if expected == LOGIN:
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    else:
        assert response.status_code == expected, response.get_data(as_text=True)[:300]
    after = state(world)
    if expected in (LOGIN, 403) or action in CHANGES_NOTHING:
        assert after == before
    else:
        assert after != before


API_EXPECTED = {"anonymous": 401, "member": 403, "author": 403, "moderator": 200,
                "admin": 200, "suspended": 403}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("correction", [False, True])
def test_api_resolution_permissions(client, world, role, correction):
    if correction:  # a correction needs a resolution first
        from tests.moderation_support import resolve

        resolve(world["prediction"], world["admin"], "yes")
    headers = {}
    if role != "anonymous":
        headers = bearer(world[role])
        if role == "suspended":
            world["suspended"].suspended = True
            db.session.commit()
    before = state(world)
    response = client.post(f"/api/v1/predictions/{world['prediction'].id}/resolution",
                           headers=headers,
                           json={"outcome": "no", "note": NOTE, "correction": correction})
    assert response.status_code == API_EXPECTED[role]
    if response.status_code != 200:
        assert response.get_json()["error"]["code"] in ("unauthorized", "forbidden")
        assert state(world) == before
    else:
        assert response.get_json()["outcome"] == "no"


@pytest.mark.parametrize("role", ["member", "author", "suspended"])
def test_nothing_a_member_sends_lets_them_moderate(auth, client, world, role):
    """Extra fields, other verbs and forged form values don't help."""
    headers = bearer(world[role])
    if role == "suspended":
        world["suspended"].suspended = True
        db.session.commit()
    before = state(world)
    attempts = [
        client.post(f"/api/v1/predictions/{world['prediction'].id}/resolution", headers=headers,
                    json={"outcome": "yes", "note": NOTE, "role": "admin", "moderator": True}),
        client.put(f"/api/v1/predictions/{world['prediction'].id}/resolution", headers=headers,
                   json={"outcome": "yes", "note": NOTE}),
        client.post(f"/api/v1/predictions/{world['prediction'].id}/resolution",
                    headers={**headers, "X-Forwarded-User": "admin"},
                    json={"outcome": "yes", "note": NOTE}),
    ]
    assert [response.status_code for response in attempts] == [403, 405, 403]
    auth.login(role)
    forged = client.post(f"/moderation/members/{world[role].id}/role",
                         data={"role": "admin", "reason": "I promote myself"})
    assert forged.status_code == 403
    assert state(world) == before
