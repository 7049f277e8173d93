"""A pasted or typed passage matches the article after normalising quotes, apostrophes,
dashes and spaces (issue 13 item 11): when posting (page and API) and when the article is
marked. The article's own characters are what is kept."""

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import clock
from forum.board.citations import find_passage, normalise_quote
from forum.extensions import db
from forum.models import Prediction
from tests.api_support import Api, error_of
from tests.factories import make_article, make_prediction

CURLY = """---
title: "The Regime’s New Era"
slug: curly-article
prompt: "What are your predictions?"
---

The regime’s “new era” — as officials call it — began in 2026–2027, with Kim’s\u00a0 envoy
in Seoul. Nothing\u00adelse was said.
"""
PAGE = "/articles/curly-article"


@pytest.fixture
def curly(app):
    return make_article(CURLY, "curly.md")


def form(quote: str) -> dict:
    return {"title": "Talks between the two Koreas resume in 2027",
            "probability": "40",
            "resolution_date": (clock.today() + timedelta(days=200)).isoformat(),
            "criteria": "Resolves yes if an official meeting is reported by Reuters.",
            "quote": quote}


@pytest.mark.parametrize(("typed", "stored"), [
    ("regime's \"new era\"", "regime’s “new era”"),
    ("regime's \"new era\" - as officials call it - began in 2026-2027",
     "regime’s “new era” — as officials call it — began in 2026–2027"),
    ("‘new era’ -- no", None),
    ("Kim's envoy in Seoul", "Kim’s\u00a0 envoy in Seoul"),
    ("Kim’s  envoy\u00a0in   Seoul", "Kim’s\u00a0 envoy in Seoul"),
    ("Nothingelse was said", "Nothing\u00adelse was said"),
    ("ＮＥＷ", None),  # NFKC makes it NEW; case still counts
    ("ｎｅｗ era", "new era"),
])
def test_passages_are_compared_normalised_and_the_articles_text_is_kept(typed, stored):
    text = ("The regime’s “new era” — as officials call it — began in 2026–2027, with "
            "Kim’s\u00a0 envoy in Seoul. Nothing\u00adelse was said.")
    span = find_passage(text, typed)
    assert (text[span[0]:span[1]] if span else None) == stored


def test_normalising_folds_only_what_a_keyboard_changes():
    assert normalise_quote("“a”\u00a0–\u2009‘b’ — c\u2212d") == '"a" - \'b\' - c-d'
    assert normalise_quote("naïve café") == normalise_quote("nai\u0308ve cafe\u0301")
    assert find_passage("a naïve plan", "nai\u0308ve") == (2, 7)
    assert find_passage("a plan", "   ") is None


def test_a_straight_apostrophe_finds_the_curly_one_when_posting(client, auth, alice, curly):
    auth.login()
    response = client.post(f"{PAGE}/predictions",
                           data=form("regime's \"new era\" - as officials call it"))
    assert response.status_code == 303
    assert db.session.scalar(select(Prediction.quote)) == \
        "regime’s “new era” — as officials call it"


def test_a_passage_that_is_not_there_is_still_refused(client, auth, alice, curly):
    auth.login()
    response = client.post(f"{PAGE}/predictions", data=form("regime's old era"))
    assert response.status_code == 422
    assert "That passage isn't in the article" in html.unescape(response.get_data(as_text=True))
    assert db.session.scalar(select(Prediction.id)) is None


def test_the_api_matches_the_same_way(client, alice, curly):
    api = Api(client).as_user(alice)
    body = {"title": "Talks between the two Koreas resume in 2027",
            "criteria": "Resolves yes if an official meeting is reported by Reuters.",
            "probability": 0.4,
            "resolution_date": (clock.today() + timedelta(days=90)).isoformat(),
            "quote": "Kim's envoy in Seoul"}
    created = api.post("/articles/curly-article/predictions", json=body)
    assert created.status_code == 201
    assert created.get_json()["quote"] == "Kim’s envoy in Seoul"  # the stored text, collapsed
    refused = api.post("/articles/curly-article/predictions",
                       json={**body, "quote": "Kim's envoy in Tokyo"})
    assert refused.status_code == 422
    assert "quote" in error_of(refused)["fields"]


def test_a_quote_stored_with_straight_marks_is_still_marked_in_the_article(client, alice,
                                                                          curly):
    """A quote stored as typed (before matching was normalised, or through another path) is
    found again when the article is marked: a margin marker and a <mark> around the passage."""
    prediction = make_prediction(curly, alice, quote="regime's \"new era\" - as officials")
    page = client.get(PAGE).get_data(as_text=True)
    assert 'class="cite-marker"' in page
    assert "<mark class=\"cited\" id=\"cite-" in page
    marked = page.split('<mark class="cited"', 1)[1].split("</mark>", 1)[0]
    assert "regime’s “new era” — as officials" in marked.replace("&#34;", '"')
    assert f"/predictions/{prediction.id}" in page
