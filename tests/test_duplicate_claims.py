"""A new claim that matches an open prediction on the same article is held back with a
warning that shows it; the author may post anyway; different claims pass (issue 13 item 10)."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum import clock
from forum.board.duplicates import Claim, is_duplicate, open_matches
from forum.extensions import db
from forum.models import Prediction
from tests.api_support import Api
from tests.factories import make_article, make_prediction, make_user
from tests.moderation_support import fast_passwords  # noqa: F401

ORIGINAL = "North Korea will hold a nuclear test in 2027"


def form(title: str, **extra) -> dict:
    return {"title": title, "probability": "30",
            "resolution_date": (clock.today() + timedelta(days=300)).isoformat(),
            "criteria": "Resolves yes if the CTBTO or a government confirms a test.",
            "quote": "", **extra}


def predictions() -> int:
    return db.session.scalar(select(func.count(Prediction.id)))


@pytest.fixture
def board(app, article):
    bob = make_user("bob")
    make_user("alice")
    original = make_prediction(article, bob, title=ORIGINAL)
    return {"article": article, "bob": bob, "original": original}


@pytest.mark.parametrize("title", [
    ORIGINAL,
    "north korea WILL hold a nuclear test in 2027!",
    "In 2027, North Korea will hold a nuclear test",
    "Nort Korea will hold a nuclear tset in 2027",
    "North Korea holds a nuclear test in 2027",
])
def test_a_matching_claim_is_held_back_and_the_open_one_shown(auth, client, board, title):
    assert auth.on(client).login("alice").status_code == 302
    for source, path in (("article", "/articles/test-article"),
                         ("board", "/articles/test-article/predictions/new")):
        response = client.post("/articles/test-article/predictions",
                               data=form(title, source=source))
        assert response.status_code == 422, source
        page = html.unescape(response.get_data(as_text=True))
        warning = re.search(r'<div class="duplicate-warning"[^>]*>(.*?)</div>', page, re.DOTALL)
        assert warning, path
        assert f'href="/predictions/{board["original"].id}">{ORIGINAL}</a>' in warning.group(1)
        assert "by bob" in warning.group(1)
        assert 'name="post_anyway" value="1"' in warning.group(1)
        assert f'value="{title}"' in page  # what was typed is kept
    assert predictions() == 1


def test_posting_anyway_posts_it(auth, client, board):
    assert auth.on(client).login("alice").status_code == 302
    response = client.post("/articles/test-article/predictions",
                           data=form(ORIGINAL, post_anyway="1"))
    assert response.status_code == 303
    assert predictions() == 2


@pytest.mark.parametrize("title", [
    "North Korea will hold a nuclear test in 2028",
    "North Korea will not hold a nuclear test in 2027",
    "North Korea will hold a nuclear test after 2027",
    "Kim Jong Un visits Moscow before the end of 2027",
    "South Korea and Japan sign a defence pact in 2027",
])
def test_a_different_claim_is_posted_without_a_warning(auth, client, board, title):
    assert auth.on(client).login("alice").status_code == 302
    response = client.post("/articles/test-article/predictions", data=form(title))
    assert response.status_code == 303
    assert predictions() == 2


def test_only_open_visible_predictions_of_the_same_article_count(auth, client, board):
    other = make_article(
        "---\ntitle: Another Article About Things\nslug: another\nprompt: Predict?\n---\n\n"
        "Some text about the world.\n", "another.md")
    make_prediction(other, board["bob"], title="Seoul hosts an inter-Korean summit in 2027")
    hidden = make_prediction(board["article"], board["bob"],
                             title="The UN lifts its sanctions on Pyongyang in 2027")
    hidden.hidden = True
    closed = make_prediction(board["article"], board["bob"],
                             title="Pyongyang reopens the Kaesong complex in 2027")
    closed.resolution_date = clock.today() - timedelta(days=1)
    db.session.commit()
    assert auth.on(client).login("alice").status_code == 302
    for title in ("Seoul hosts an inter-Korean summit in 2027",
                  "The UN lifts its sanctions on Pyongyang in 2027",
                  "Pyongyang reopens the Kaesong complex in 2027"):
        response = client.post("/articles/test-article/predictions", data=form(title))
        assert response.status_code == 303, title


def test_a_held_back_post_spends_no_posting_budget(auth, make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    with app.app_context():
        article = make_article()
        make_prediction(article, make_user("bob"), title=ORIGINAL)
        make_user("alice")
    client = app.test_client()
    assert auth.on(client).login("alice").status_code == 302
    url = "/articles/test-article/predictions"
    assert {client.post(url, data=form(ORIGINAL)).status_code for _ in range(12)} == {422}
    posted = [client.post(url, data=form(f"Pyongyang launches satellite number {n} in 2027"))
              .status_code for n in range(10)]
    assert posted == [303] * 10  # the ten posts of the hour are all still there


def test_the_api_is_unchanged_and_posts_a_matching_claim(client, board):
    api = Api(client).as_user(make_user("carol"))
    response = api.post("/articles/test-article/predictions", json={
        "title": ORIGINAL, "criteria": "Resolves yes if a test is confirmed.",
        "probability": 0.3,
        "resolution_date": (clock.today() + timedelta(days=90)).isoformat()})
    assert response.status_code == 201


def test_the_rule_ignores_case_punctuation_order_and_typos_but_not_meaning():
    assert is_duplicate("Kim and Trump meet in person before 2027",
                        "Trump and Kim meet in person before 2027")
    assert is_duplicate("The regime’s “new era” begins", "The regime's \"new era\" begins")
    assert not is_duplicate("Kim and Trump meet in person before 2027",
                            "Kim and Moon meet in person before 2027")
    assert not is_duplicate("China imposes new sanctions on North Korea",
                            "South Korea imposes new sanctions on North Korea")
    assert Claim.of("A test in 2027").numbers == {"2027"}


def test_matches_are_found_among_many_open_predictions(app, article):
    bob = make_user("bob")
    for index in range(60):
        make_prediction(article, bob, title=f"Claim number {index} about the peninsula")
    target = make_prediction(article, bob, title="Kim Jong Un travels to Vladivostok in 2027")
    found = open_matches(article, "Kim Jong Un travels to Vladivostock in 2027")
    assert [p.id for p in found] == [target.id]
