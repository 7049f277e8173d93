"""Dates are YYYY-MM-DD and times ISO 8601's extended form, in ASCII digits (SPEC.md §7): the
share form, the edit form, the resolve form and the API read them with forum.params and refuse
week dates, the basic form, ordinal dates and other digits with a clear 422 that changes
nothing (issue 10, item 19)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum import clock, params
from forum.extensions import db
from forum.models import Prediction, Resolution, User
from tests.factories import make_prediction, make_user
from tests.moderation_support import (  # noqa: F401  (fast_passwords is a fixture)
    NOTE,
    bearer,
    closed_prediction,
    fast_passwords,
)
from tests.test_posting import field_error, valid_form

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def day():
    return clock.today() + timedelta(days=200)


def bad_dates() -> dict[str, str]:
    """Other spellings of a good resolution date; each one must be refused."""
    good = day()
    year, week, weekday = good.isocalendar()
    text = good.isoformat()
    return {
        "week-date": f"{year}-W{week:02d}-{weekday}", "basic": good.strftime("%Y%m%d"),
        "ordinal": f"{good.year}-{good.timetuple().tm_yday:03d}",
        "with-time": text + "T00:00", "with-z": text + "Z", "full-width": text.translate(FULL_WIDTH),
        "arabic-indic": text.translate(ARABIC_INDIC),
        "three-digit-month": f"{good.year}-{good.month:03d}-{good.day:02d}",
        "plus-year": "+" + text, "leading-space": " " + text, "trailing-space": text + " ",
        "slashes": text.replace("-", "/"), "two-digit-year": text[2:], "empty": "",
        "no-such-day": f"{good.year}-02-30",
    }


BAD_DATE_NAMES = list(bad_dates())


@pytest.fixture
def bob(app, article):
    return make_user("bob")


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("name", BAD_DATE_NAMES)
def test_share_form_refuses_other_date_forms(auth, client, bob, name):
    auth.login("bob")
    response = client.post("/articles/test-article/predictions",
                           data=valid_form(resolution_date=bad_dates()[name]))
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "resolution_date") == \
        "Give a date as YYYY-MM-DD."
    assert count(Prediction) == 0


@pytest.mark.parametrize("name", BAD_DATE_NAMES)
def test_edit_form_refuses_other_date_forms(auth, client, article, bob, name):
    prediction = make_prediction(article, bob)
    before = (prediction.resolution_date, prediction.title)
    auth.login("bob")
    form = valid_form(resolution_date=bad_dates()[name], title="A new title for the claim")
    response = client.post(f"/predictions/{prediction.id}/edit",
                           data={k: form[k] for k in ("title", "criteria", "resolution_date")})
    assert response.status_code == 422
    assert "Give a date as YYYY-MM-DD." in response.get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.get(Prediction, prediction.id)
    assert (stored.resolution_date, stored.title) == before


@pytest.mark.parametrize("name", BAD_DATE_NAMES)
def test_api_refuses_other_date_forms(client, bob, name):
    body = {**valid_form(resolution_date=bad_dates()[name]), "probability": 0.35, "quote": None}
    response = client.post("/api/v1/articles/test-article/predictions", json=body,
                           headers=bearer(bob))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["fields"] == {"resolution_date": ["Give a date as YYYY-MM-DD."]}
    assert count(Prediction) == 0


def test_the_plain_date_is_taken_everywhere(auth, client, article, bob):
    text = day().isoformat()
    auth.login("bob")
    assert client.post("/articles/test-article/predictions",
                       data=valid_form(resolution_date=text)).status_code == 303
    body = {**valid_form(resolution_date=text), "probability": 0.35, "quote": None}
    response = client.post("/api/v1/articles/test-article/predictions", json=body,
                           headers=bearer(bob))
    assert response.status_code == 201 and response.get_json()["resolution_date"] == text


# Outcome times ------------------------------------------------------------------------------

def moment():
    return (clock.now() - timedelta(days=10)).replace(microsecond=0)


def bad_times() -> dict[str, str]:
    when = moment()
    text = when.strftime("%Y-%m-%dT%H:%M:%S")
    year, week, weekday = when.isocalendar()
    return {
        "week-date": f"{year}-W{week:02d}-{weekday}T{when:%H:%M:%S}Z",
        "basic": when.strftime("%Y%m%dT%H%M%SZ"), "date-only": when.date().isoformat(),
        "space": text.replace("T", " "), "hour-only": text[:13], "lower-case": text.lower() + "z",
        "seven-digit-fraction": text + ".1234567Z", "full-width": text.translate(FULL_WIDTH),
        "basic-offset": text + "+0100", "leading-space": " " + text + "Z",
        "plus-year": "+" + text + "Z", "hour-25": text[:11] + "25:00:00Z",
        "too-far-back": "0001-01-01T00:00:00+23:59",
    }


@pytest.fixture
def closed(article):
    alice = make_user("alice")
    make_user("mod", role="moderator")
    return closed_prediction(article, alice)


@pytest.mark.parametrize("name", list(bad_times()))
def test_resolve_form_and_api_refuse_other_time_forms(auth, client, closed, name):
    value = bad_times()[name]
    auth.login("mod")
    page = client.post(f"/predictions/{closed.id}/resolve",
                       data={"outcome": "yes", "note": NOTE, "outcome_time": value})
    assert page.status_code == 422
    assert "YYYY-MM-DDTHH:MM" in page.get_data(as_text=True)
    mod = db.session.scalar(select(User).where(User.username == "mod"))
    api = client.post(f"/api/v1/predictions/{closed.id}/resolution",
                      json={"outcome": "yes", "note": NOTE, "outcome_time": value},
                      headers=bearer(mod))
    assert api.status_code == 422
    assert api.get_json()["error"]["fields"] == {"outcome_time": [params.TIME_MESSAGE]}
    assert count(Resolution) == 0


@pytest.mark.parametrize(("spelling", "shift"), [
    ("%Y-%m-%dT%H:%M", timedelta(0)),  # what a browser's datetime-local sends
    ("%Y-%m-%dT%H:%M:%S", timedelta(0)), ("%Y-%m-%dT%H:%M:%SZ", timedelta(0)),
    ("%Y-%m-%dT%H:%M:%S.123456Z", timedelta(microseconds=123456)),
    ("%Y-%m-%dT%H:%M:%S+02:00", timedelta(hours=-2)),
])
def test_extended_iso_times_are_taken_as_utc(client, closed, spelling, shift):
    when = moment().replace(second=0) if spelling.endswith("%M") else moment()
    mod = db.session.scalar(select(User).where(User.username == "mod"))
    response = client.post(f"/api/v1/predictions/{closed.id}/resolution",
                           json={"outcome": "yes", "note": NOTE,
                                 "outcome_time": when.strftime(spelling)}, headers=bearer(mod))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["resolution"]["outcome_time"] == clock.isoformat_z(when + shift)


@pytest.mark.parametrize("text", ["2027-06-30", "2028-02-29"])
def test_read_date_takes_the_one_form(text):
    assert params.read_date(text).isoformat() == text


@pytest.mark.parametrize("text", ["2027-W26-3", "20270630", "2027-06-30T00:00", "２０２７-06-30",
                                  "2027-6-30", "+2027-06-30", " 2027-06-30", "2027-181",
                                  "2027-02-29", None, 20270630])
def test_read_date_refuses_every_other(text):
    assert params.read_date(text) is None
