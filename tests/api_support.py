"""Helpers for the JSON API tests: a client that checks every answer against the API's own
OpenAPI document, bearer tokens, and the prediction states a test needs."""

import re
from datetime import timedelta

import jsonschema_rs

from forum import clock
from forum.api.openapi import DOCUMENT
from forum.extensions import db

BASE = "/api/v1"
_TEMPLATES = [
    (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"), template)
    for template in sorted(DOCUMENT["paths"], key=lambda t: t.count("{"))
]


def template_of(path: str) -> str | None:
    """The documented path template a concrete API path matches, or None."""
    path = path.split("?", maxsplit=1)[0]
    return next((template for pattern, template in _TEMPLATES if pattern.match(path)), None)


def _resolve(node: dict) -> dict:
    while "$ref" in node and node["$ref"].startswith("#/components/responses/"):
        node = DOCUMENT["components"]["responses"][node["$ref"].rsplit("/", 1)[1]]
    return node


def schema_violations(body, schema: dict) -> list[str]:
    """What is wrong with `body` under a schema of the document ($refs resolved in it)."""
    validator = jsonschema_rs.Draft202012Validator(
        {"components": DOCUMENT["components"], **schema}, validate_formats=True)
    return [f"{error.instance_path}: {error.message}" for error in validator.iter_errors(body)]


def assert_conforms(response, method: str, path: str) -> None:
    """The response's status is documented for the operation, and its body fits the schema."""
    template = template_of(path)
    assert template, f"{path} is not a documented path"
    operations = DOCUMENT["paths"][template]
    if method.lower() not in operations:
        assert response.status_code == 405, (method, path, response.status_code)
        return
    documented = operations[method.lower()]["responses"]
    status = str(response.status_code)
    assert status in documented, f"{method} {template} answered {status}, not documented"
    content = _resolve(documented[status]).get("content")
    if content is None:
        assert response.data == b"", "an undocumented body"
        return
    assert response.mimetype == "application/json"
    problems = schema_violations(response.get_json(), content["application/json"]["schema"])
    assert not problems, f"{method} {path} → {status}: {problems}"


class Api:
    """Calls /api/v1 through a test client; every answer is checked against the document."""

    def __init__(self, client, headers: dict | None = None):
        self.client = client
        self.headers = headers or {}

    def as_user(self, user) -> "Api":
        """The same client, authenticated with a fresh bearer token of `user`."""
        return Api(self.client, bearer(user))

    def request(self, method: str, path: str, *, headers=None, check=True, **kwargs):
        response = self.client.open(BASE + path, method=method,
                                    headers={**self.headers, **(headers or {})}, **kwargs)
        if check:
            assert_conforms(response, method, path)
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def put(self, path, **kwargs):
        return self.request("PUT", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)


def bearer(user) -> dict:
    """Authorization headers with a new token of the user."""
    from forum.auth.services import issue_token

    token = issue_token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def error_of(response) -> dict:
    return response.get_json()["error"]


def close(prediction):
    """Move the resolution date into the past: the prediction reads as closed."""
    prediction.resolution_date = clock.today() - timedelta(days=1)
    db.session.commit()
