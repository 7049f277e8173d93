"""Oversized bodies are refused with 413 before anything is parsed or stored."""

from forum.extensions import db
from forum.models import User


def test_two_megabyte_json_body_is_413(client):
    response = client.post("/api/v1/tokens", data=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                           content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_two_megabyte_form_is_413_page(client):
    response = client.post("/register", data={"username": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert b"too large" in response.data
    assert db.session.query(User).count() == 0
