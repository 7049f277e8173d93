"""/docs/api: the API reference as a page of the site, generated on the server from the OpenAPI
document that /api/v1/openapi.json serves (forum.api.openapi.DOCUMENT), so the two can't
disagree. Plain HTML and the site's own CSS: no script, nothing from elsewhere."""

from dataclasses import dataclass, field

from flask import Blueprint, render_template
from markupsafe import Markup

from forum.api.openapi import DOCUMENT
from forum.markdown import render_article

bp = Blueprint("api_reference", __name__)

METHODS = ("get", "post", "put", "delete")


@dataclass
class Field:
    name: str
    type: Markup
    required: bool
    description: Markup


@dataclass
class Operation:
    method: str
    path: str
    anchor: str
    summary: str
    description: Markup | None
    who: str
    parameters: list[Field] = field(default_factory=list)
    body: Markup | None = None
    responses: list[tuple[str, Markup, Markup | None]] = field(default_factory=list)


def _resolve(node: dict) -> dict:
    """A `$ref` into the document, followed."""
    while "$ref" in node:
        target = DOCUMENT
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _schema_link(name: str) -> Markup:
    return Markup('<a href="#schema-{0}">{0}</a>').format(name)


def describe(schema: dict) -> Markup:
    """A schema as a short phrase: `integer, 1–100, default 20`, `one of hot, top`, a link to a
    named object, `array of Prediction`, `string or null`."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        target = _resolve(schema)
        if target.get("type") == "object" or "properties" in target:
            return _schema_link(name)
        return describe(target)
    if "anyOf" in schema:
        return Markup(" or ").join(describe(option) for option in schema["anyOf"])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kind = " or ".join(kind)
    if kind == "array":
        return Markup("array of ") + describe(schema.get("items", {}))
    parts = [Markup.escape(kind)]
    if "enum" in schema:
        parts = [Markup("one of ") + Markup(", ").join(
            Markup("<code>{}</code>").format(value) for value in schema["enum"])]
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None or high is not None:
        parts.append(Markup.escape(f"{'' if low is None else low}–{'' if high is None else high}"))
    lengths = schema.get("minLength"), schema.get("maxLength")
    if any(value is not None for value in lengths):
        parts.append(Markup.escape(f"{lengths[0] or 0}–{lengths[1] or '…'} characters"))
    if "format" in schema:
        parts.append(Markup.escape(schema["format"]))
    if "default" in schema:
        parts.append(Markup("default <code>{}</code>").format(schema["default"]))
    return Markup(", ").join(parts)


def _fields(schema: dict) -> list[Field]:
    schema = _resolve(schema)
    required = set(schema.get("required", ()))
    return [Field(name, describe(spec), name in required,
                  inline(_resolve(spec).get("description", "")))
            for name, spec in schema.get("properties", {}).items()]


def _who(operation: dict) -> str:
    security = operation.get("security", [])
    if {} in security or not security:
        return "anyone"
    if "resolution" in operation.get("tags", ()):
        return "moderators"
    if security == [{"bearerAuth": []}]:
        return "the holder of a bearer token"
    return "members (a bearer token, or the session with X-CSRFToken)"


def inline(text: str) -> Markup:
    """One line of the document's prose: escaped, with `code` spans marked up."""
    parts = str(Markup.escape(text)).split("`")
    return Markup("").join(Markup(part) if n % 2 == 0 else Markup(f"<code>{part}</code>")
                           for n, part in enumerate(parts))


def _markdown(text: str | None) -> Markup | None:
    return Markup(render_article(text)) if text else None


def operations() -> dict[str, list[Operation]]:
    """Every operation of the document, grouped by its tag in the document's order."""
    groups: dict[str, list[Operation]] = {tag["name"]: [] for tag in DOCUMENT["tags"]}
    for path, item in DOCUMENT["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            spec = item[method]
            parameters = [_resolve(parameter) for parameter in spec.get("parameters", ())]
            body = spec.get("requestBody", {}).get("content", {}).get("application/json")
            found = Operation(
                method=method.upper(), path=path, anchor=spec["operationId"],
                summary=spec.get("summary", ""), description=_markdown(spec.get("description")),
                who=_who(spec),
                parameters=[Field(f"{p['name']} ({p['in']})", describe(p["schema"]),
                                  p.get("required", False), inline(p.get("description", "")))
                            for p in parameters],
                body=describe(body["schema"]) if body else None)
            for status, declared in spec["responses"].items():
                response = _resolve(declared)
                content = response.get("content", {}).get("application/json")
                found.responses.append((status, inline(response.get("description", "")),
                                        describe(content["schema"]) if content else None))
            groups.setdefault(spec["tags"][0], []).append(found)
    return {tag: found for tag, found in groups.items() if found}


def schemas() -> list[tuple[str, Markup, list[Field] | Markup]]:
    """Every named schema: objects with their fields, the rest as a phrase."""
    named = []
    for name, schema in DOCUMENT["components"]["schemas"].items():
        body = _fields(schema) if "properties" in schema else describe(schema)
        named.append((name, inline(schema.get("description", "")), body))
    return named


@bp.get("/docs/api")
def page():
    return render_template(
        "api/reference.html", info=DOCUMENT["info"],
        introduction=_markdown(DOCUMENT["info"]["description"]),
        base=DOCUMENT["servers"][0]["url"], groups=operations(), schemas=schemas())
