"""Invisible and reordering characters (issue 10, item 15), by the rules of forum.text.

Single-line fields (titles, resolution notes, source addresses, report text, moderators'
reasons, searches, usernames) refuse C1 controls, bidi overrides, isolates and marks,
zero-width characters (the joiner too) and noncharacters. Prose (Markdown criteria, comments,
the bio) refuses the C1 controls, the noncharacters and the bidi overrides and isolates, and
keeps the marks and zero-width characters that right-to-left scripts and emoji need. Every
refusal is a 422 with a message, on the pages and in the API, and changes nothing."""

import pytest
from sqlalchemy import func, select

from forum import text
from forum.extensions import db
from forum.models import AuditEntry, Comment, Flag, Prediction, PredictionRevision, Resolution, User
from tests.factories import make_prediction, make_user
from tests.moderation_support import (  # noqa: F401  (fast_passwords is a fixture)
    NOTE,
    bearer,
    closed_prediction,
    fast_passwords,
)
from tests.test_posting import valid_form

CLASSES = {  # a name for the test id: (the character, refused in prose too)
    "c1-nel": ("\x85", True), "c1-csi": ("\x9b", True),
    "bidi-override": ("\u202e", True), "bidi-embedding": ("\u202b", True),
    "bidi-isolate": ("\u2067", True), "bidi-pop-isolate": ("\u2069", True),
    "rtl-mark": ("\u200f", False), "arabic-letter-mark": ("\u061c", False),
    "zero-width-space": ("\u200b", False), "zero-width-joiner": ("\u200d", False),
    "word-joiner": ("\u2060", False), "byte-order-mark": ("\ufeff", False),
    "nonchar-fffe": ("\ufffe", True), "nonchar-fdd0": ("\ufdd0", True),
    "nonchar-plane-16": ("\U0010ffff", True),
}


@pytest.fixture
def world(auth, app, article):
    alice, bob = make_user("alice"), make_user("bob")
    make_user("mod", role="moderator")
    prediction = make_prediction(article, alice)
    closed = closed_prediction(article, alice, title="A prediction whose date has passed")
    clients = {}
    for name in ("alice", "bob", "mod"):
        clients[name] = app.test_client()
        auth.on(clients[name]).login(name)
    return {"prediction": prediction.id, "closed": closed.id, "clients": clients,
            "bob": bearer(bob), "mod": bearer(db.session.scalar(
                select(User).where(User.username == "mod")))}


def state(world) -> tuple:
    """Everything any of these submissions could change."""
    db.session.expire_all()
    counted = tuple(db.session.scalar(select(func.count()).select_from(model)) for model in
                    (Prediction, PredictionRevision, Comment, Resolution, Flag, AuditEntry, User))
    prediction = db.session.get(Prediction, world["prediction"])
    bio = db.session.scalar(select(User.bio).where(User.username == "alice"))
    return (*counted, prediction.title, prediction.hidden, bio)


def sentence(char: str) -> str:
    return f"Kim and Trump meet {char}in person before 2027"


def squeeze(text: str) -> str:
    """The text without spaces, for addresses and usernames; the character is at index 15."""
    return text.replace(" ", "")


# Each submitter sends the text in one field, as a person or a client would: (who, how).
SINGLE_LINE = {
    "share-form-title": lambda w, t: w["clients"]["bob"].post(
        "/articles/test-article/predictions", data=valid_form(title=t)),
    "edit-form-title": lambda w, t: w["clients"]["alice"].post(
        f"/predictions/{w['prediction']}/edit",
        data={k: v for k, v in valid_form(title=t).items() if k in
              ("title", "criteria", "resolution_date")}),
    "api-title": lambda w, t: w["clients"]["bob"].post(
        "/api/v1/articles/test-article/predictions", headers=w["bob"],
        json={**valid_form(title=t), "probability": 0.35, "quote": None}),
    "resolve-form-note": lambda w, t: w["clients"]["mod"].post(
        f"/predictions/{w['closed']}/resolve", data={"outcome": "yes", "note": t}),
    "resolve-form-source": lambda w, t: w["clients"]["mod"].post(
        f"/predictions/{w['closed']}/resolve",
        data={"outcome": "yes", "note": NOTE, "source_url": "https://example.com/" + squeeze(t)}),
    "api-resolution-note": lambda w, t: w["clients"]["mod"].post(
        f"/api/v1/predictions/{w['closed']}/resolution", headers=w["mod"],
        json={"outcome": "yes", "note": t}),
    "api-resolution-source": lambda w, t: w["clients"]["mod"].post(
        f"/api/v1/predictions/{w['closed']}/resolution", headers=w["mod"],
        json={"outcome": "yes", "note": NOTE, "source_url": "https://example.com/?q=" + squeeze(t)}),
    "report-text": lambda w, t: w["clients"]["bob"].post(
        f"/report/prediction/{w['prediction']}", data={"reason": "other", "text": t}),
    "hide-reason": lambda w, t: w["clients"]["mod"].post(
        f"/moderation/prediction/{w['prediction']}/hide", data={"reason": t}),
    "board-search": lambda w, t: w["clients"]["bob"].get(
        "/articles/test-article/predictions", query_string={"q": t}),
    "api-search": lambda w, t: w["clients"]["bob"].get(
        "/api/v1/articles/test-article/predictions", query_string={"q": t}),
    "members-search": lambda w, t: w["clients"]["mod"].get(
        "/moderation/members", query_string={"q": squeeze(t)[:20]}),
    "register-username": lambda w, t: w["clients"]["bob"].application.test_client().post(
        "/register", data={"username": "new" + squeeze(t)[15:20],
                           "email": "new@example.com", "password": "a long password",
                           "confirm": "a long password"}),
}
PROSE = {
    "share-form-criteria": lambda w, t: w["clients"]["bob"].post(
        "/articles/test-article/predictions",
        data=valid_form(criteria=t, post_anyway="1")),  # the same claim each time, on purpose
    "api-criteria": lambda w, t: w["clients"]["bob"].post(
        "/api/v1/articles/test-article/predictions", headers=w["bob"],
        json={**valid_form(criteria=t), "probability": 0.35, "quote": None}),
    "comment-form": lambda w, t: w["clients"]["bob"].post(
        f"/predictions/{w['prediction']}/comments", data={"body": t}),
    "api-comment": lambda w, t: w["clients"]["bob"].post(
        f"/api/v1/predictions/{w['prediction']}/comments", headers=w["bob"], json={"body": t}),
    "bio": lambda w, t: w["clients"]["alice"].post(
        "/settings", data={"profile-bio": t, "profile-submit": "Save"}),
}


def assert_refused(response, before, world, char_class):
    assert response.status_code == 422, (char_class, response.get_data(as_text=True)[:300])
    if response.mimetype == "application/json":
        error = response.get_json()["error"]
        assert error["code"] == "validation_error"
        message = " ".join(m for ms in error["fields"].values() for m in ms)
    else:
        message = response.get_data(as_text=True)
    assert "emove" in message, char_class  # "Remove the … characters", or "remove …"
    assert state(world) == before, char_class


@pytest.mark.parametrize("field", SINGLE_LINE)
def test_single_line_fields_refuse_every_class(world, field):
    for char_class, (char, _) in CLASSES.items():  # one set-up: a refusal changes nothing
        before = state(world)
        assert_refused(SINGLE_LINE[field](world, sentence(char)), before, world, char_class)


@pytest.mark.parametrize("field", PROSE)
def test_prose_refuses_controls_overrides_and_noncharacters_and_keeps_the_rest(world, field):
    for char_class, (char, refused) in CLASSES.items():
        before = state(world)
        response = PROSE[field](world, f"{sentence(char)}. Reuters will report it ({char_class}).")
        if refused:
            assert_refused(response, before, world, char_class)
        else:
            assert response.status_code < 400, (char_class, response.get_data(as_text=True)[:300])
            assert state(world) != before, char_class


@pytest.mark.parametrize("field", SINGLE_LINE)
def test_single_line_fields_take_ordinary_text_in_any_script(world, field):
    response = SINGLE_LINE[field](world, sentence("שלום مرحبا 東京 "))
    if field == "register-username":  # letters A–Z only, by a rule of its own
        return
    assert response.status_code < 400, response.get_data(as_text=True)[:300]


def test_an_emoji_joined_with_zwj_is_kept_in_a_comment_but_not_in_a_title(world):
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    comment = PROSE["api-comment"](world, f"Good news for the {family}")
    assert comment.status_code == 201 and family in comment.get_json()["body"]
    title = SINGLE_LINE["api-title"](world, f"Good news for every {family} in 2027")
    assert title.status_code == 422


@pytest.mark.parametrize("char_class", CLASSES)
def test_the_rules_in_one_place(char_class):
    char, refused_in_prose = CLASSES[char_class]
    assert text.line_problem(f"a{char}b")
    assert bool(text.prose_problem(f"a{char}b")) is refused_in_prose
    assert text.line_problem("Plain text, 東京, مرحبا, emoji \U0001f600") is None
    assert text.prose_problem("Line one\nline\ttwo\r\n") is None
