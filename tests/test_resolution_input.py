"""The resolution endpoint refuses what it must: who may resolve, and every malformed or
invalid body (SPEC.md §7), always with a clear error and without changing anything."""

import pytest

from forum.extensions import db
from forum.models import Resolution
from tests import moderation_support
from tests.moderation_support import (
    NOTE,
    bearer,
    count,
    fast_passwords,  # noqa: F401  (a fixture)
    resolve,
    resolve_api,
    snapshot,
)

# Fixtures shared with the other resolution tests.
people, closed, mod_headers = (moderation_support.people, moderation_support.closed,
                               moderation_support.mod_headers)


# Who may, and what they may send ------------------------------------------------------------

def test_anonymous_gets_401(client, closed):
    response = client.post(f"/api/v1/predictions/{closed.id}/resolution",
                           json={"outcome": "yes", "note": NOTE})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_members_and_authors_get_403(client, closed, people, who):
    before = snapshot(closed.id)
    response = resolve_api(client, bearer(people[who]), closed.id, outcome="yes")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert snapshot(closed.id) == before


def test_suspended_moderator_gets_403_through_an_existing_token(client, closed, people):
    headers = bearer(people["mod"])
    people["mod"].suspended = True
    db.session.commit()
    assert resolve_api(client, headers, closed.id, outcome="yes").status_code == 403


def test_unknown_prediction_is_404(client, closed, mod_headers):
    for prediction_id in (closed.id + 1000, 2**31 - 1, 2**40):
        response = resolve_api(client, mod_headers, prediction_id, outcome="yes")
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"


def test_fields_a_client_may_not_set_are_ignored(client, closed, mod_headers):
    response = resolve_api(client, mod_headers, closed.id, outcome="yes", resolved_by="alice",
                           status="open", resolved_at="2000-01-01T00:00:00Z")
    assert response.status_code == 200
    assert response.get_json()["resolution"]["resolved_by"] == "mod"


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b'"yes"', b"null", b"{",
                                 b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_400(client, closed, mod_headers, raw):
    before = snapshot(closed.id)
    response = client.post(f"/api/v1/predictions/{closed.id}/resolution", data=raw,
                           headers={**mod_headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
    assert snapshot(closed.id) == before


BAD_FIELDS = [
    ("outcome", None), ("outcome", "maybe"), ("outcome", 1), ("outcome", True),
    ("outcome", ["yes"]), ("outcome", ""), ("outcome", "YES"), ("outcome", " yes"),
    ("note", None), ("note", ""), ("note", "   "), ("note", 42), ("note", "x" * 2001),
    ("note", "bad\x00byte"), ("note", {"text": "hi"}),
    ("source_url", "ftp://example.com/x"), ("source_url", "javascript:alert(1)"),
    ("source_url", "http://"), ("source_url", "example.com/report"),
    ("source_url", "https://exa mple.com/"), ("source_url", 12),
    ("source_url", "https://example.com/" + "a" * 2000), ("source_url", "https://[::1/"),
    ("source_url", "https://example.com:99999/"),
    ("outcome_time", "yesterday"), ("outcome_time", 1700000000), ("outcome_time", "2026-13-01"),
    ("outcome_time", "2026-01-01T25:00:00Z"), ("outcome_time", ["2026-01-01"]),
    ("outcome_time", "9" * 100), ("outcome_time", "0001-01-01T00:00:00+23:59"),
    ("correction", "maybe"), ("correction", 1), ("correction", []),
]


@pytest.mark.parametrize(("field", "value"), BAD_FIELDS)
def test_every_bad_field_is_a_clear_422_and_changes_nothing(client, closed, mod_headers, field,
                                                            value):
    before = snapshot(closed.id)
    body = {"outcome": "yes", "note": NOTE, field: value}
    response = client.post(f"/api/v1/predictions/{closed.id}/resolution", json=body,
                           headers=mod_headers)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == [field]
    assert error["fields"][field][0]  # says how to fix it
    assert snapshot(closed.id) == before


@pytest.mark.parametrize("url", ["http://example.com", "https://example.com/a?b=c#d",
                                 "HTTPS://EXAMPLE.COM/", "https://192.0.2.1:8443/x",
                                 "https://[2001:db8::1]/report", "https://bücher.example/"])
def test_good_source_urls_are_kept(client, closed, mod_headers, url):
    response = resolve_api(client, mod_headers, closed.id, outcome="yes", source_url=url)
    assert response.status_code == 200
    assert response.get_json()["resolution"]["source_url"] == url


def test_empty_optional_fields_mean_absent(client, closed, mod_headers):
    response = resolve_api(client, mod_headers, closed.id, outcome="no", source_url="",
                           outcome_time=None, correction=False)
    assert response.status_code == 200
    assert response.get_json()["resolution"]["source_url"] is None


def test_note_is_trimmed_and_may_be_2000_characters(client, closed, mod_headers):
    response = resolve_api(client, mod_headers, closed.id, outcome="no",
                           note="  " + "n" * 2000 + "  ")
    assert response.status_code == 200
    assert response.get_json()["resolution"]["note"] == "n" * 2000


def test_hidden_prediction_can_still_be_resolved_by_a_moderator(client, closed, mod_headers):
    closed.hidden = True
    db.session.commit()
    assert resolve_api(client, mod_headers, closed.id, outcome="yes").status_code == 200


def test_service_refuses_non_moderators(app, closed, people):
    from forum.errors import Forbidden

    with pytest.raises(Forbidden):
        resolve(closed, people["alice"], "yes")
    db.session.rollback()
    assert count(Resolution) == 0
