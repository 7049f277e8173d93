"""Schemathesis against the app's own /api/v1/openapi.json, in-process through the WSGI app:
every operation, anonymous and with a member's bearer token, with data that fits the schema
and data that does not. Nothing may answer 5xx, and every answer must be documented and fit
its schema.

Examples are derandomized so the suite is repeatable; `FUZZ_EXAMPLES=200` runs deeper with
fresh random examples each time."""

import os
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.security import generate_password_hash

from forum import clock
from forum.auth.services import issue_token
from forum.extensions import db
from forum.models import User
from tests.factories import DEFAULT_PASSWORD, make_article, make_comment, make_prediction
from tests.moderation_support import resolve

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0")) or 20
PASSWORD_HASH = generate_password_hash(DEFAULT_PASSWORD, method="scrypt")  # hashed once


def load_schema(app):
    """The document exactly as the app serves it."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def runs() -> list[tuple[str, str, str]]:
    """Every operation anonymously and as a member; a moderator where the role matters."""
    from forum.api.openapi import DOCUMENT

    operations = [(method.upper(), path) for path, item in DOCUMENT["paths"].items()
                  for method in item]
    moderated = [("POST", "/predictions/{id}/resolution"), ("GET", "/predictions/{id}")]
    chosen = [(method, path, who) for method, path in operations
              for who in ("anonymous", "member")]
    chosen += [(method, path, "moderator") for method, path in moderated]
    return [pytest.param(*run, id=" ".join(run)) for run in chosen]


@dataclass
class World:
    """The rows the fuzzer aims at, so that not every id it sends is unknown."""

    member: User
    moderator: User
    path_values: dict[str, list] = field(default_factory=dict)


def user(username: str, role: str = "member") -> User:
    """A user without paying for a password hash each time."""
    account = User(username=username, username_key=username.casefold(), role=role,
                   email=f"{username}@example.com", password_hash=PASSWORD_HASH)
    db.session.add(account)
    db.session.commit()
    return account


def build_world() -> World:
    """An article with predictions in every state, and comments on them."""
    article = make_article()
    alice, bob, moderator = user("alice"), user("bob"), user("mod", "moderator")
    open_one = make_prediction(article, alice, title="An open claim for the fuzzer")
    own = make_prediction(article, bob, title="The fuzzing member's own claim")
    closed = make_prediction(article, alice, title="A claim whose date has passed")
    closed.resolution_date = clock.today() - timedelta(days=2)
    resolved = make_prediction(article, alice, title="A claim that came true already")
    resolve(resolved, moderator, "yes")
    hidden = make_prediction(article, alice, title="A claim a moderator has hidden")
    hidden.hidden = True
    first = make_comment(open_one, alice, "A first comment.")
    reply = make_comment(open_one, bob, "A reply.", parent=first)
    removed = make_comment(open_one, alice, "A comment that was removed.")
    removed.hidden = True
    db.session.commit()
    prediction_ids = [p.id for p in (open_one, own, closed, resolved, hidden)] + [2**31 - 1]
    comment_ids = [first.id, reply.id, removed.id, 2**31 - 1]
    return World(member=bob, moderator=moderator, path_values={
        "slug": ["test-article"] * 3 + ["no-such-article"],
        "username": ["alice", "BOB", "mod", "nobody"],
        "id": prediction_ids,
        "comment": comment_ids,
    })


def served(app, method: str, path: str) -> bool:
    """Whether the app routes this operation."""
    urls = app.url_map.bind("localhost")
    sample = "/api/v1" + path.replace("{id}", "1").replace("{slug}", "s").replace(
        "{username}", "u")
    try:
        urls.match(sample, method=method)
    except (NotFound, MethodNotAllowed):
        return False
    return True


def cases(operation, path: str, world: World):
    """Valid and invalid requests; seven in ten aimed at the world's rows (or a missing one),
    the rest with whatever path the generator makes up."""
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    free = st.one_of(*(operation.as_strategy(mode) for mode in modes))
    parameters = [name.strip("{}") for name in path.split("/") if name.startswith("{")]
    if not parameters:
        return free
    [name] = parameters
    values = world.path_values["comment" if path.startswith("/comments") else name]
    aimed = st.tuples(st.sampled_from(values), st.sampled_from(modes)).flatmap(
        lambda pick: operation.as_strategy(pick[1], path_parameters={name: pick[0]}))
    return st.integers(0, 9).flatmap(lambda roll: aimed if roll < 7 else free)


@pytest.mark.slow
@pytest.mark.parametrize("method, path, who", runs())
def test_fuzzing_finds_no_server_error_and_no_undocumented_answer(make_app, method, path, who):
    # Schemathesis's WSGI transport doesn't undo gzip, which some generated Accept-Encoding
    # headers ask for; compression has its own tests (test_compression.py).
    app = make_app(COMPRESS_RESPONSES=False)
    assert served(app, method, path), f"{method} {path} is documented but not served"
    with app.app_context():
        world = build_world()
        user_id = {"member": world.member.id, "moderator": world.moderator.id}.get(who)
    operation = load_schema(app)[path][method]

    def headers() -> dict:
        if who == "anonymous":
            return {}
        with app.app_context():  # a fresh token each time: DELETE /tokens/current revokes it
            token = issue_token(db.session.get(User, user_id))
            db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    @given(case=cases(operation, path, world))
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              derandomize="FUZZ_EXAMPLES" not in os.environ,
              suppress_health_check=list(HealthCheck))
    def fuzz(case):
        sent = {**(case.headers or {}), **headers()}
        response = case.call(app=app, headers=sent)
        case.validate_response(response, checks=CHECKS, headers=sent)

    fuzz()
