"""Hypothesis fills in the site's forms as a careless or hostile person would: any Unicode
(control characters and NUL included), huge, negative and not-a-number numbers, dates in year
1 or 9999, fields left out. Whatever it sends, the answer is never a 5xx; a refusal is a 4xx
page that says what is wrong; and the stored rows change only when the answer is a success
(2xx or a redirect)."""

import re
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from forum import clock
from forum.extensions import db
from forum.models import Comment, Resolution
from tests.factories import DEFAULT_PASSWORD, make_comment, make_prediction, make_user
from tests.moderation_support import closed_prediction, fast_passwords  # noqa: F401

# As many examples as the Hypothesis profile says (tests/conftest.py: 25, 100 in CI).
FUZZ = settings(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

VALID_DATE = (clock.today() + timedelta(days=120)).isoformat()
# Any code point but lone surrogates (no form can send those), and, often, the characters
# that break things: NUL and other controls, bidi overrides, a BOM, markup and quotes.
HOSTILE = st.text(st.sampled_from("\x00\x01\x0b\x1f\x7f\u202e\u2028\ufeff\uffff<>&\"' a1é"),
                  min_size=1, max_size=12)
ANY_TEXT = st.one_of(st.text(max_size=40), HOSTILE)
HUGE = st.sampled_from(["x" * 201, "y" * 1001, "z" * 5001, "w" * 10001, " \n\t " * 20])
TEXT = st.one_of(ANY_TEXT, HUGE)
NUMBER = st.one_of(
    st.floats().map(repr), st.integers(-10**40, 10**40).map(str),
    st.sampled_from(["nan", "NaN", "inf", "-Infinity", "1e309", "-0", "0", "0.5", "1", "30",
                     "99", "99.5", "100", "50%", " 42 ", "٣٠", "1_0", "0x1F", ""]),
    ANY_TEXT,
)
DATE = st.one_of(
    st.dates().map(lambda day: day.isoformat()),
    st.sampled_from([VALID_DATE, "0001-01-01", "9999-12-31", "2027-02-30", "+10000-01-01",
                     "2027-6-1", "tomorrow", "", "2027-06-01T00:00:00"]),
    ANY_TEXT,
)
TIME = st.one_of(
    st.datetimes().map(lambda moment: moment.isoformat()),
    st.sampled_from(["", "now", "0001-01-01T00:00", "9999-12-31T23:59:59+14:00",
                     "2020-01-01T00:00:00-25:00"]),
    ANY_TEXT,
)


def with_nul(value: str) -> str:
    return value[:3] + "\x00" + value[3:]


def sometimes(valid: list[str], other=TEXT):
    """A value that is often valid (so successes happen too), that with a NUL in it, or
    anything at all."""
    return st.one_of(st.sampled_from(valid), st.sampled_from(valid).map(with_nul), other)


def form(**fields):
    """Any subset of the fields (missing fields are part of the fuzzing)."""
    return st.fixed_dictionaries({}, optional=fields)


# What the database holds: every row of every table but the page cache's counter.
def snapshot() -> dict:
    db.session.rollback()
    tables = [table for table in db.metadata.sorted_tables if table.name != "cache_versions"]
    return {table.name: sorted(map(repr, db.session.execute(select(table)).all()))
            for table in tables}


MESSAGE = re.compile(
    r'<p class="(?:error|lead|flash flash-error|form-summary)"[^>]*>\s*([^<\s][^<]*)<')


def submit(client, path: str, data: dict):
    """Post the form; check the answer and that a refusal changed nothing."""
    before = snapshot()
    response = client.post(path, data=data)
    status = response.status_code
    assert status < 500, f"{path} {data!r} → {status}"
    if status >= 400:
        assert status in (400, 403, 404, 409, 413, 422), (status, data)
        page = response.get_data(as_text=True)
        assert MESSAGE.search(page), f"{status} without a message for {data!r}"
        assert snapshot() == before, f"{status} for {data!r}, yet rows changed"
    else:
        assert status in (200, 302, 303), (status, data)
        location = response.headers.get("Location", "/")
        assert location.startswith("/") and not location.startswith("//"), location
    return response


@pytest.fixture
def board(app, article):
    """alice's open prediction with bob's comment, carol's closed one, a moderator."""
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    make_user("mod", role="moderator")
    open_one = make_prediction(article, alice)
    comment = make_comment(open_one, bob, "A comment to reply to and report.")
    closed = closed_prediction(article, carol, forecasts=[(bob, 0.6, 5)])
    elsewhere = make_comment(closed, alice, "A comment on another prediction.")
    return {"article": article, "open": open_one.id, "closed": closed.id,
            "comment": comment.id, "elsewhere": elsewhere.id, "users": (alice, bob, carol)}


@given(data=form(username=sometimes(["newbie", "NEWBIE", "ａｌｉｃｅ", "al ice", "x" * 30]),
                 email=sometimes(["newbie@example.com", "alice@example.com", "not-an-email"]),
                 password=sometimes([DEFAULT_PASSWORD]), confirm=sometimes([DEFAULT_PASSWORD])))
@example(data={"email": "new\x00bie@example.com"})  # was a 500 on PostgreSQL
@FUZZ
def test_registration_form(app, board, data):
    submit(app.test_client(), "/register", data)


@given(data=form(username=sometimes(["alice", "ALICE", "ａｌｉｃｅ", "nobody"]),
                 password=sometimes([DEFAULT_PASSWORD, "wrong password"]),
                 remember=sometimes(["y", "on", ""]),
                 next=sometimes(["/settings", "//evil.example", "https://evil.example",
                                 "/\\evil.example", "javascript:alert(1)"])))
@FUZZ
def test_login_form(app, board, data):
    submit(app.test_client(), "/login", data)


@given(data=form(title=sometimes(["A perfectly ordinary claim about 2030"]),
                 probability=NUMBER, probability_slider=NUMBER, resolution_date=DATE,
                 criteria=sometimes(["Resolves yes if two major outlets report it."]),
                 quote=sometimes(["", "The first paragraph says something worth predicting",
                                  "not in the article at all"]),
                 source=sometimes(["board", "article", ""])))
@FUZZ
def test_share_prediction_form(auth, app, board, data):
    client = app.test_client()
    auth.on(client).login("bob")
    submit(client, f"/articles/{board['article'].slug}/predictions", data)


@given(data=form(probability=NUMBER, probability_slider=NUMBER),
       target=st.sampled_from(["open", "closed"]))
@FUZZ
def test_forecast_form(auth, app, board, data, target):
    client = app.test_client()
    auth.on(client).login("bob")
    submit(client, f"/predictions/{board[target]}/forecasts", data)


@given(data=form(body=sometimes(["A fine comment.", "*Markdown* [link](https://example.com)"]),
                 parent_id=st.one_of(
                     st.sampled_from(["", "0", "-1", "1.5", "99999999999", "2147483647", "1e3"]),
                     st.integers(-10**20, 10**20).map(str), ANY_TEXT,
                     st.sampled_from(["comment", "elsewhere"]))),
       target=st.sampled_from(["open", "closed"]))
@FUZZ
def test_comment_form(auth, app, board, data, target):
    if data.get("parent_id") in ("comment", "elsewhere"):
        data["parent_id"] = str(board[data["parent_id"]])
    client = app.test_client()
    auth.on(client).login("carol")
    submit(client, f"/predictions/{board[target]}/comments", data)


@given(data=form(outcome=sometimes(["yes", "no", "annulled", "YES", "maybe"]),
                 note=sometimes(["Reuters reported it on the day."]),
                 source_url=sometimes(["", "https://example.com/report", "javascript:alert(1)",
                                       "http://", "ftp://example.com/x"]),
                 outcome_time=TIME,
                 correction=sometimes(["1", "true", "0", ""]),
                 next=sometimes(["/moderation", "//evil.example"])),
       target=st.sampled_from(["open", "closed"]))
@FUZZ
def test_resolve_form(auth, app, board, data, target):
    client = app.test_client()
    auth.on(client).login("mod")
    submit(client, f"/predictions/{board[target]}/resolve", data)


@given(data=form(reason=sometimes(["spam", "abusive", "unclear_criteria", "wrong_resolution", "other"]),
                 text=sometimes(["It is an advert.", ""]),
                 next=sometimes(["/moderation", "//evil.example"])),
       target=st.sampled_from(["prediction", "comment", "resolution"]))
@FUZZ
def test_flag_form(auth, app, board, data, target):
    if target == "resolution":
        resolution = db.session.scalar(select(Resolution.id))
        if resolution is None:  # resolve carol's prediction once, by a moderator
            client = app.test_client()
            auth.on(client).login("mod")
            client.post(f"/predictions/{board['closed']}/resolve",
                        data={"outcome": "yes", "note": "Known."})
            resolution = db.session.scalar(select(Resolution.id))
        path = f"/report/resolution/{resolution}"
    elif target == "comment":
        path = f"/report/comment/{board['comment']}"
    else:
        path = f"/report/prediction/{board['open']}"
    client = app.test_client()
    auth.on(client).login("carol")
    submit(client, path, data)


@given(data=form(**{"profile-bio": TEXT, "profile-submit": sometimes(["1"])}))
@example(data={"profile-bio": "\x00", "profile-submit": "1"})  # was a 500 on PostgreSQL
@FUZZ
def test_profile_form(auth, app, board, data):
    client = app.test_client()
    auth.on(client).login()
    submit(client, "/settings", data)


def test_the_fuzzed_forms_also_succeed_sometimes(auth, app, board):
    """The strategies reach the success paths too, not only the refusals (a sanity check)."""
    client = app.test_client()
    auth.on(client).login("bob")
    response = submit(client, f"/articles/{board['article'].slug}/predictions", {
        "title": "A perfectly ordinary claim about 2030", "probability": "30",
        "resolution_date": VALID_DATE, "criteria": "Resolves yes if two major outlets report it.",
        "source": "board"})
    assert response.status_code == 303
    assert db.session.scalar(select(Comment.id).where(Comment.id == board["comment"]))
    assert db.session.execute(text("SELECT count(*) FROM predictions")).scalar() == 3
