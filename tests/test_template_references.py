"""Every name a template or a view hands to Jinja or to `url_for` exists (issue 14): a renamed
template or endpoint fails here, instead of a page silently losing a section.

The templates are read with Jinja's own parser, so `{% include %}`, `{% import %}`,
`{% from %}` and `{% extends %}` targets and the endpoints given to `url_for`, `absolute_url`
and the pager macro are found wherever they sit; the Python side is read with `ast`
(`render_template`, `url_for`, `absolute_url`, `redirect_back` with a literal). Nothing may
be included `ignore missing`. And every page template is rendered by the page walk of
tests/page_support.py, as a visitor, a member and a moderator."""

import ast
from pathlib import Path

import pytest
from jinja2 import Environment, nodes
from werkzeug.routing import BuildError

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
FORUM = ROOT / "forum"
# Calls whose first literal argument is an endpoint; the pager macro takes it second.
ENDPOINT_CALLS = {"url_for": 0, "absolute_url": 0, "pager": 1}
# Pages the walk of every route can't reach (its viewers are no prediction's author and hold
# no signed link): `test_the_pages_behind_a_link_or_authorship_render` renders them.
OWN_ROUTES = {"auth/link_button.html", "auth/unsubscribed.html", "board/edit.html",
              "board/withdraw.html"}


def template_names() -> list[str]:
    return sorted(path.relative_to(TEMPLATES).as_posix() for path in TEMPLATES.rglob("*")
                  if path.is_file() and path.suffix in (".html", ".txt"))


def _literal(node) -> str | None:
    return node.value if isinstance(node, nodes.Const) and isinstance(node.value, str) else None


def references(env: Environment, source: str) -> tuple[list[str], list[str], list[str]]:
    """(templates, endpoints, problems) a template's source names."""
    tree = env.parse(source)
    templates, endpoints, problems = [], [], []
    for node in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        name = _literal(node.template)
        if name is None:
            problems.append(f"a {type(node).__name__.lower()} of a computed name")
        else:
            templates.append(name)
        if isinstance(node, nodes.Include) and node.ignore_missing:
            problems.append(f"'{name}' is included ignore missing")
    for call in tree.find_all(nodes.Call):
        position = ENDPOINT_CALLS.get(getattr(call.node, "name", None))
        if position is not None and len(call.args) > position:
            endpoint = _literal(call.args[position])
            if endpoint is not None:
                endpoints.append(endpoint)
    return templates, endpoints, problems


def python_references() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(template, where) and (endpoint, where) pairs the forum's code names as literals."""
    templates, endpoints = [], []
    for path in FORUM.rglob("*.py"):
        where = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            first = node.args[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue
            if name == "render_template":
                templates.append((first.value, where))
            elif name in ("url_for", "absolute_url"):
                endpoints.append((first.value, where))
    return templates, endpoints


def missing_references(app, env: Environment, sources: dict[str, str]) -> list[str]:
    """What the given templates name that the app lacks, one line each."""
    known_templates = set(template_names())
    known_endpoints = set(app.view_functions)
    report = []
    for name, source in sorted(sources.items()):
        templates, endpoints, problems = references(env, source)
        report += [f"{name}: {problem}" for problem in problems]
        report += [f"{name}: no template '{target}'" for target in templates
                   if target not in known_templates]
        report += [f"{name}: no endpoint '{endpoint}'" for endpoint in endpoints
                   if endpoint not in known_endpoints]
    return report


def test_every_template_names_templates_and_endpoints_that_exist(app):
    sources = {name: (TEMPLATES / name).read_text(encoding="utf-8") for name in template_names()}
    assert len(sources) > 50
    assert missing_references(app, app.jinja_env, sources) == []


def test_the_check_notices_a_renamed_template_or_endpoint(app):
    sources = {
        "a.html": '{% extends "base.html" %}{% block content %}'
                  '{% include "scores/_renamed.html" %}{% endblock %}',
        "b.html": '{% include "board/_macros.html" ignore missing %}',
        "c.html": "<a href=\"{{ url_for('leaderboard.renamed') }}\">x</a>"
                  "{{ pager(page, 'board.gone', {}) }}{{ absolute_url('board.show', prediction_id=1) }}",
        "d.html": "{% include name %}",
    }
    assert missing_references(app, app.jinja_env, sources) == [
        "a.html: no template 'scores/_renamed.html'",
        "b.html: 'board/_macros.html' is included ignore missing",
        "c.html: no endpoint 'leaderboard.renamed'",
        "c.html: no endpoint 'board.gone'",
        "d.html: a include of a computed name",
    ]


def test_the_code_renders_templates_and_links_endpoints_that_exist(app):
    templates, endpoints = python_references()
    assert len(templates) > 20 and len(endpoints) > 20
    known = set(template_names())
    assert [pair for pair in templates if pair[0] not in known] == []
    assert [pair for pair in endpoints if pair[0] not in app.view_functions] == []


def test_a_link_to_an_unknown_endpoint_fails_the_page(app):
    """Nothing between a template and `url_for` swallows a BuildError any more."""
    assert "nav_url" not in app.jinja_env.globals
    with app.test_request_context("/"), pytest.raises(BuildError):
        app.jinja_env.from_string("{{ url_for('leaderboard.renamed') }}").render()


def test_every_page_template_is_rendered_by_the_page_walk(rendered_pages):
    """Each template a view renders as a whole page (no leading underscore, no email, no
    macro library) is met by the walk of every route, so its includes and links ran."""
    pages = {name for name in template_names()
             if not Path(name).name.startswith("_") and "emails/" not in name
             and not name.startswith(("_macros/", "_partials/", "mail/")) and name != "base.html"}
    rendered = {page.template for page in rendered_pages}
    assert sorted(pages - rendered - OWN_ROUTES) == []


def test_the_pages_behind_a_link_or_authorship_render(app, auth, client, article):
    from flask import template_rendered

    from forum import tokens
    from tests.factories import make_prediction, make_user

    author = make_user("author")
    waiting = make_user("waiting", email_verified_at=None)
    prediction = make_prediction(article, author)
    seen = []

    def rendered(sender, template, context, **extra):
        seen.append(template.name)

    with template_rendered.connected_to(rendered, app):
        activate = tokens.make("activate", {"u": waiting.id, "e": waiting.email})
        assert client.get(f"/activate/{activate}").status_code == 200
        unsubscribe = tokens.make("unsubscribe", {"u": author.id, "k": "email_replies"})
        assert client.post(f"/unsubscribe/{unsubscribe}").status_code == 200
        auth.login("author")
        assert client.get(f"/predictions/{prediction.id}/edit").status_code == 200
        assert client.get(f"/predictions/{prediction.id}/withdraw").status_code == 200
    assert set(seen) >= OWN_ROUTES
