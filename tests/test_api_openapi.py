"""GET /api/v1/openapi.json: a valid OpenAPI 3.1 document describing the whole API of
SPEC.md §7, and the app serving exactly what it describes."""

import re

import jsonschema_rs
import pytest
import schemathesis

from forum.api.openapi import DOCUMENT
from tests.api_support import Api, error_of

# Every endpoint of SPEC.md §7, as (method, path under /api/v1).
SPEC_ENDPOINTS = {
    ("post", "/tokens"), ("delete", "/tokens/current"),
    ("get", "/articles"), ("get", "/articles/{slug}"),
    ("get", "/articles/{slug}/predictions"), ("post", "/articles/{slug}/predictions"),
    ("get", "/predictions/{id}"),
    ("get", "/predictions/{id}/forecasts"), ("post", "/predictions/{id}/forecasts"),
    ("put", "/predictions/{id}/vote"),
    ("get", "/predictions/{id}/comments"), ("post", "/predictions/{id}/comments"),
    ("put", "/comments/{id}/vote"),
    ("post", "/predictions/{id}/resolution"),
    ("get", "/leaderboard"), ("get", "/users/{username}"), ("get", "/users/{username}/scores"),
    ("get", "/openapi.json"),
}
WRITES = {(method, path) for method, path in SPEC_ENDPOINTS if method != "get"}
RATE_LIMITED = WRITES  # every write has a limit (SPEC.md §8)
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture
def served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield method, path, operation


def refs(node):
    """Every $ref in a JSON document."""
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def test_the_served_document_is_valid_openapi_3_1(served):
    assert served["openapi"].startswith("3.1.")
    schema = schemathesis.openapi.from_dict(served)
    schema.validate()  # against the OpenAPI 3.1 meta-schema
    assert len([op for op in schema.get_all_operations()]) == len(SPEC_ENDPOINTS)


def test_every_schema_of_the_document_is_valid_json_schema(served):
    for name, schema in served["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(schema), name


def test_every_reference_in_the_document_resolves(served):
    for pointer in set(refs(served)):
        node = served
        for part in pointer.removeprefix("#/").split("/"):
            assert part in node, pointer
            node = node[part]


def test_the_document_describes_every_endpoint_of_the_spec(served):
    described = {(method, path) for method, path, _ in operations(served)}
    assert described == SPEC_ENDPOINTS
    assert served["servers"] == [{"url": "/api/v1"}]
    ids = [operation["operationId"] for _, _, operation in operations(served)]
    assert len(ids) == len(set(ids))


def test_every_operation_documents_its_errors_with_the_error_schema(served):
    for method, path, operation in operations(served):
        responses = operation["responses"]
        errors = {int(code) for code in responses if int(code) >= 400}
        assert 401 in errors, (method, path)  # a bad bearer token, on any path
        if (method, path) in WRITES - {("delete", "/tokens/current")}:
            assert {400, 413, 422} <= errors, (method, path)
        if (method, path) in RATE_LIMITED:
            assert 429 in errors, (method, path)
        for code in errors:
            assert responses[str(code)] == {"$ref": f"#/components/responses/E{code}"}
    for name, response in served["components"]["responses"].items():
        schema = response["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Error"}, name
    assert {"E400", "E401", "E403", "E404", "E405", "E409", "E413", "E422", "E429"} <= set(
        served["components"]["responses"])
    assert "Retry-After" in served["components"]["responses"]["E429"]["headers"]


def test_member_operations_name_the_bearer_scheme(served):
    schemes = served["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer",
                                     "description": schemes["bearerAuth"]["description"]}
    for method, path, operation in operations(served):
        if (method, path) in WRITES - {("post", "/tokens")}:
            assert {"bearerAuth": []} in operation["security"], (method, path)
            assert {} not in operation["security"], (method, path)


def test_parameters_carry_their_constraints(served):
    parameters = served["components"]["parameters"]
    assert parameters["per_page"]["schema"] == {"type": "integer", "minimum": 1,
                                                "maximum": 100, "default": 20}
    assert parameters["leaderboard_per_page"]["schema"]["default"] == 50
    assert parameters["status"]["schema"]["enum"] == ["all", "open", "closed", "resolved",
                                                      "annulled"]
    # SPEC.md §7's sorts, default hot; then relevance, for a search only.
    assert parameters["sort"]["schema"]["enum"] == ["hot", "top", "new", "resolving",
                                                    "forecasts", "relevance"]
    assert parameters["sort"]["schema"]["default"] == "hot"
    assert parameters["period"]["schema"]["enum"] == ["all", "year", "quarter", "month"]
    assert parameters["prediction_id"]["schema"] == {"$ref": "#/components/schemas/Id"}
    probability = served["components"]["schemas"]["Probability"]
    assert (probability["minimum"], probability["maximum"]) == (0.01, 0.99)


def test_the_resolution_note_limit_is_the_moderators_own():
    from forum.moderation.resolutions import NOTE_MAX, URL_MAX

    properties = DOCUMENT["components"]["schemas"]["NewResolution"]["properties"]
    assert properties["note"]["maxLength"] == NOTE_MAX
    assert properties["source_url"]["anyOf"][0]["maxLength"] == URL_MAX


def test_the_app_serves_every_operation_it_describes_and_no_other(app):
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            path = re.sub(r"\{(prediction|comment)_id\}", "{id}", path)
            served |= {(method.lower(), path) for method in rule.methods
                       if method.lower() in HTTP_METHODS}
    assert served <= SPEC_ENDPOINTS, served - SPEC_ENDPOINTS
    assert SPEC_ENDPOINTS - served == set(), "contracted endpoints not served"


def test_the_document_needs_no_authentication_but_refuses_a_bad_token(client):
    api = Api(client)
    assert api.get("/openapi.json").status_code == 200
    response = api.get("/openapi.json", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
