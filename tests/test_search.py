"""Word search (issue 15): words in any order and case over claims, criteria and comments,
ranked and highlighted, on the board page and the API's `q`, on SQLite (FTS5 and per-prediction
comment words) and PostgreSQL (per-prediction words); hidden and deleted text never found; odd
input never a 500."""

import random
import re

import pytest
from sqlalchemy import update

from forum import search
from forum.comments.services import delete_comment, edit_comment
from forum.extensions import db
from forum.models import Prediction
from forum.moderation.services import set_hidden
from tests.api_support import Api, error_of
from tests.factories import make_comment, make_prediction, make_user
from tests.test_board_pages import BOARD, row_ids

API = "/articles/test-article/predictions"


@pytest.fixture
def api(client):
    return Api(client)


@pytest.fixture
def bob(app):
    return make_user("bob")


@pytest.fixture
def moderator(app):
    return make_user("mod", role="moderator")


def found(client, q: str, **args) -> list[int]:
    response = client.get(BOARD, query_string={"q": q, **args})
    assert response.status_code == 200, response.text
    return row_ids(response.text)


def api_found(api, q: str, **args) -> list[int]:
    response = api.get(API, query_string={"q": q, **args})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["total"] >= len(body["items"])
    return [item["id"] for item in body["items"]]


def test_words_in_any_order_and_case_find_the_claim(client, api, article, alice):
    summit = make_prediction(article, alice,
                             title="Kim Jong Un and Donald Trump will meet before 2028")
    make_prediction(article, alice, title="Kim Jong Un will visit Moscow")
    make_prediction(article, alice, title="Donald Trump will visit Seoul")
    for q in ("Kim Trump", "trump KIM", "  kim   jong  trump ", "Kim and Trump", "Trump, Kim!"):
        assert found(client, q) == [summit.id], q
        assert api_found(api, q) == [summit.id], q


def test_every_word_must_be_found_somewhere_in_the_prediction(client, api, article, alice,
                                                              bob):
    both = make_prediction(article, alice,
                           title="North Korea will reopen Yongbyon to inspectors by 2027")
    criteria = make_prediction(article, alice, title="Yongbyon will restart in 2027",
                               criteria="Yes if IAEA inspectors confirm it.")
    in_comment = make_prediction(article, alice, title="Yongbyon will be dismantled")
    make_comment(in_comment, bob, "The **inspectors** would have to be let back in first.")
    only_one = make_prediction(article, alice, title="Yongbyon will stay closed")
    make_comment(only_one, bob, "Nothing to inspect there any more.")
    assert set(found(client, "Yongbyon inspectors")) == {both.id, criteria.id, in_comment.id}
    assert set(api_found(api, "inspectors yongbyon")) == {both.id, criteria.id, in_comment.id}
    # Stemming: the singular finds the plural.
    assert set(found(client, "inspector")) == {both.id, criteria.id, in_comment.id}


def test_results_are_ranked_claim_before_criteria_before_comment(client, api, article, alice,
                                                                 bob):
    in_comment = make_prediction(article, alice, title="A summit will take place")
    make_comment(in_comment, bob, "Watch Panmunjom for the venue.")
    in_criteria = make_prediction(article, alice, title="Talks will resume",
                                  criteria="Resolves yes on a meeting at Panmunjom.")
    in_claim = make_prediction(article, alice, title="Leaders will meet at Panmunjom")
    expected = [in_claim.id, in_criteria.id, in_comment.id]
    assert found(client, "panmunjom") == expected
    assert found(client, "panmunjom", sort="relevance") == expected
    assert api_found(api, "panmunjom", sort="relevance") == expected
    # Another sort still applies to the matches only.
    assert found(client, "panmunjom", sort="resolving") == expected[::-1]  # same date: by id
    assert api_found(api, "panmunjom", sort="resolving") == expected[::-1]


def test_the_api_keeps_the_contracted_default_sort_with_a_search(api, article, alice, bob):
    """SPEC.md §7: `sort` defaults to hot, with `q` too; the best matches first is asked for
    with sort=relevance, which needs a search."""
    in_comment = make_prediction(article, alice, title="A summit will take place")
    make_comment(in_comment, bob, "Watch Panmunjom for the venue.")
    in_claim = make_prediction(article, alice, title="Leaders will meet at Panmunjom")
    for prediction, rank in ((in_comment, 9.0), (in_claim, 1.0)):
        db.session.execute(update(Prediction).where(Prediction.id == prediction.id)
                           .values(hot_rank=rank))
    db.session.commit()
    assert api_found(api, "panmunjom") == [in_comment.id, in_claim.id]
    assert api_found(api, "panmunjom", sort="hot") == [in_comment.id, in_claim.id]
    assert api_found(api, "panmunjom", sort="relevance") == [in_claim.id, in_comment.id]
    for args in ({"sort": "relevance"}, {"sort": "relevance", "q": "  "}, {"sort": "best"}):
        response = api.get(API, query_string=args)
        assert response.status_code == 422, args
        assert set(error_of(response)["fields"]) == {"sort"}, args


def test_matching_words_are_highlighted_over_escaped_text(client, article, alice, bob):
    tricky = make_prediction(article, alice, title='<b>Kim</b> & "Trump" <script>x</script>')
    page = client.get(BOARD, query_string={"q": "kim trump"}).text
    assert row_ids(page) == [tricky.id]
    title = re.search(r'<h(\d) class="row-title"><a [^>]*>(.*?)</a></h\1>', page).group(2)
    assert title == ("&lt;b&gt;<mark>Kim</mark>&lt;/b&gt; &amp; &#34;<mark>Trump</mark>&#34; "
                     "&lt;script&gt;x&lt;/script&gt;")
    assert "<script>x" not in page and "<b>Kim" not in page


def test_a_match_outside_the_claim_shows_where_it_was_found(client, article, alice, bob):
    prediction = make_prediction(article, alice, title="A summit will take place")
    make_comment(prediction, bob, "Nothing yet.")
    make_comment(prediction, bob, "The <em>venue</em> will be **Panmunjom**, say diplomats.")
    page = client.get(BOARD, query_string={"q": "panmunjom summit"}).text
    snippet = re.search(r'<p class="row-snippet">(.*?)</p>', page).group(1)
    assert "In a comment" in snippet
    assert "<mark>Panmunjom</mark>" in snippet
    assert "&lt;em&gt;venue&lt;/em&gt;" in snippet  # the comment's own markup is text here
    assert "<mark>summit</mark>" in page  # in the claim


def test_hidden_and_deleted_comments_are_never_found(client, api, article, alice, bob,
                                                     moderator):
    prediction = make_prediction(article, alice, title="A summit will take place")
    hidden = make_comment(prediction, bob, "Spam about zanzibar watches.")
    deleted = make_comment(prediction, bob, "A note on timbuktu.")
    edited = make_comment(prediction, bob, "First thought: ouagadougou.")
    for word in ("zanzibar", "timbuktu", "ouagadougou"):
        assert found(client, word) == [prediction.id], word

    set_hidden("comment", hidden.id, moderator, "Spam.", hidden=True)
    delete_comment(deleted, bob)
    edit_comment(edited, bob, "Second thought: reykjavik.")
    db.session.commit()
    for word in ("zanzibar", "timbuktu", "ouagadougou"):
        assert found(client, word) == [], word
        assert api_found(api, word) == [], word
        assert api_found(Api(client).as_user(moderator), word) == [], word
    assert found(client, "reykjavik") == [prediction.id]

    set_hidden("comment", hidden.id, moderator, "Restored.", hidden=False)
    db.session.commit()
    assert found(client, "zanzibar") == [prediction.id]


def test_a_word_stays_found_while_another_shown_comment_holds_it(client, api, article, alice,
                                                                bob, moderator):
    """Per prediction, the index keeps the words of its shown comments (one row per word and
    prediction on both databases, rebuilt when a comment is hidden, restored, edited or
    deleted)."""
    prediction = make_prediction(article, alice, title="A summit will take place")
    first = make_comment(prediction, bob, "Zanzibar first.")
    second = make_comment(prediction, bob, "Zanzibar again, and timbuktu.")
    set_hidden("comment", second.id, moderator, "Spam.", hidden=True)
    db.session.commit()
    assert found(client, "zanzibar") == [prediction.id]
    assert found(client, "timbuktu") == []
    edit_comment(first, bob, "Nothing to see now.")
    db.session.commit()
    assert found(client, "zanzibar") == []
    assert api_found(api, "nothing see") == [prediction.id]
    set_hidden("comment", second.id, moderator, "Restored.", hidden=False)
    db.session.commit()
    assert found(client, "zanzibar timbuktu") == [prediction.id]
    delete_comment(second, bob)
    db.session.commit()
    assert found(client, "zanzibar") == [] and found(client, "timbuktu") == []
    assert found(client, "nothing") == [prediction.id]


def test_hidden_predictions_are_not_found(client, api, article, alice, moderator):
    prediction = make_prediction(article, alice, title="Kim Jong Un and Donald Trump will meet")
    set_hidden("prediction", prediction.id, moderator, "Duplicate.", hidden=True)
    db.session.commit()
    assert found(client, "Kim Trump") == []
    assert api_found(api, "Kim Trump") == []
    assert api.get(API, query_string={"q": "Kim Trump"}).get_json()["total"] == 0


def test_an_edited_claim_is_found_by_its_new_words_only(client, auth, article, alice):
    prediction = make_prediction(article, alice, title="Kim Jong Un will visit Moscow")
    from dataclasses import replace

    from forum.board.services import edit_prediction
    from forum.board.validation import PredictionDraft

    draft = PredictionDraft(title="Kim Jong Un will visit Beijing", criteria=prediction.criteria,
                            probability=prediction.author_probability,
                            resolution_date=prediction.resolution_date, quote=None)
    edit_prediction(prediction, alice, replace(draft))
    db.session.commit()
    assert found(client, "moscow") == []
    assert found(client, "beijing") == [prediction.id]


def test_where_a_word_is_found_follows_each_edit_of_claim_criteria_and_comments(
        client, article, alice, bob, moderator):
    """One row per word and prediction records every place the word is in: editing the claim
    keeps the comments' words, hiding a comment keeps the claim's, and the rank follows."""
    from forum.board.services import edit_prediction
    from forum.board.validation import PredictionDraft

    def edit(prediction, title, criteria):
        edit_prediction(prediction, alice, PredictionDraft(
            title=title, criteria=criteria, probability=prediction.author_probability,
            resolution_date=prediction.resolution_date, quote=None))
        db.session.commit()

    moving = make_prediction(article, alice, title="Zanzibar will host the talks",
                             criteria="Resolves yes on a signed zanzibar accord.")
    comment = make_comment(moving, bob, "Zanzibar is likely.")
    steady = make_prediction(article, alice, title="Talks will resume",
                             criteria="Resolves yes on a zanzibar meeting.")
    assert found(client, "zanzibar") == [moving.id, steady.id]  # claim, then criteria

    edit(moving, "The talks will move", "Resolves yes on a signed accord.")
    assert found(client, "zanzibar") == [steady.id, moving.id]  # criteria, then a comment
    set_hidden("comment", comment.id, moderator, "Spam.", hidden=True)
    db.session.commit()
    assert found(client, "zanzibar") == [steady.id]

    edit(moving, "Zanzibar will host the talks after all", "Resolves yes on a signed accord.")
    set_hidden("comment", comment.id, moderator, "Restored.", hidden=False)
    db.session.commit()
    assert found(client, "zanzibar") == [moving.id, steady.id]
    delete_comment(comment, bob)
    db.session.commit()
    assert found(client, "zanzibar") == [moving.id, steady.id]
    assert found(client, "zanzibar likely") == []
    edit(steady, "Talks will resume", "Resolves yes on a meeting.")
    assert found(client, "zanzibar") == [moving.id]


ODD_QUERIES = [
    '"Kim', 'Kim"', '"Kim Trump"', "Kim*", "*", "-Kim", "Kim -Trump", "Kim NEAR Trump",
    "NEAR(Kim Trump)", "Kim OR Trump", "Kim AND Trump", "NOT Kim", "(Kim", "Kim)", ")(",
    "Kim:Trump", "title:Kim", "^Kim", "Kim & Trump | !x", "Kim <-> Trump", "Kim:*",
    "'Kim'", "\\Kim", "{Kim}", "[Kim]", "Kim;DROP TABLE predictions", "%", "_", "100%",
    "Kïm Trümp", "金正恩", "Ким", "x" * 200, " ".join(["kim"] * 60)[:200],
]


@pytest.mark.parametrize("q", ODD_QUERIES)
def test_odd_input_gives_results_or_a_message_never_an_error(client, api, article, alice, q):
    make_prediction(article, alice, title="Kim Jong Un and Donald Trump will meet")
    page = client.get(BOARD, query_string={"q": q})
    assert page.status_code in (200, 422), page.status_code
    if page.status_code == 422:
        assert "Search for" in page.text
    response = api.get(API, query_string={"q": q})
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert set(error_of(response)["fields"]) == {"q"}


@pytest.mark.parametrize("q, expected", [
    ("Kim*", True), ('"Kim Trump"', True), ("Kim OR Trump", True),
    ("NEAR(Kim Trump)", False),  # NEAR is a word to find, not an operator
    ("-Kim", True), ("(Kim", True), ("Kïm Trümp", True), ("KIM:TRUMP", True),
    ("Kim OR Zanzibar", False),  # OR is a common word here, not an operator
])
def test_query_syntax_is_read_as_words(client, article, alice, q, expected):
    prediction = make_prediction(article, alice, title="Kim Jong Un and Donald Trump will meet")
    assert found(client, q) == ([prediction.id] if expected else [])


@pytest.mark.parametrize("q, message", [
    ("!!! ??? ...", "not only punctuation"),
    ("*", "not only punctuation"),
    ("the and of", "very common"),
    ("OR", "very common"),
    (" ".join(f"word{n}" for n in range(13)), "at most 12 words"),
    ("x" * 201, "at most 200 characters"),
    ("kim\x07", "control"),
])
def test_a_search_with_nothing_to_find_says_why(client, api, article, q, message):
    page = client.get(BOARD, query_string={"q": q})
    assert page.status_code == 422
    assert message in page.text
    response = api.get(API, query_string={"q": q})
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"q"}


def test_pages_of_search_results(client, api, article, alice):
    ids = [make_prediction(article, alice, title=f"Kim will meet Trump, take {n}").id
           for n in range(5)]
    body = api.get(API, query_string={"q": "kim trump", "per_page": 2, "page": 3}).get_json()
    assert body["total"] == 5 and len(body["items"]) == 1
    past = api.get(API, query_string={"q": "kim trump", "per_page": 2, "page": 9}).get_json()
    assert past["total"] == 5 and past["items"] == []
    every = [item["id"] for page in (1, 2, 3) for item in api.get(
        API, query_string={"q": "kim trump", "per_page": 2, "page": page}).get_json()["items"]]
    assert sorted(every) == sorted(ids)


@pytest.mark.parametrize("sort", ["top", "new", "resolving", "forecasts"])
def test_pages_of_search_results_in_another_sort(api, article, alice, bob, sort):
    """Every page of a search in another order holds the matches in the board's own order,
    each once (a search's conditions join the words' table, which the page's ids must not
    correlate with the outer query's rows)."""
    ids = [make_prediction(article, alice, title=f"Kim will meet Trump, take {n}").id
           for n in range(5)]
    make_prediction(article, alice, title="Something else entirely")
    make_comment(db.session.get(Prediction, ids[3]), bob, "Yongbyon first.")
    board = [item["id"] for item in api.get(
        API, query_string={"sort": sort, "per_page": 50}).get_json()["items"]]
    pages = [api.get(API, query_string={"q": "kim trump", "sort": sort, "per_page": 2,
                                        "page": page}).get_json() for page in (1, 2, 3)]
    assert [(body["total"], len(body["items"])) for body in pages] == [(5, 2), (5, 2), (5, 1)]
    assert [item["id"] for body in pages for item in body["items"]] == [
        item for item in board if item in ids]
    assert api_found(api, "yongbyon trump", sort=sort) == [ids[3]]


def test_a_search_with_a_status_filter(client, article, alice):
    prediction = make_prediction(article, alice, title="Kim and Trump will meet")
    assert found(client, "kim trump", status="open") == [prediction.id]
    assert found(client, "kim trump", status="resolved") == []


def test_the_search_runs_in_a_fixed_number_of_queries(client, article, alice, bob,
                                                      count_queries):
    for n in range(6):
        prediction = make_prediction(article, alice, title=f"Claim {n} about a summit")
        make_comment(prediction, bob, "Panmunjom is the likely venue.")
    with count_queries() as queries:
        assert len(found(client, "summit panmunjom")) == 6
    few = len(queries)
    for n in range(6):
        prediction = make_prediction(article, alice, title=f"Claim {n} about a summit again")
        make_comment(prediction, bob, "Panmunjom is the likely venue.")
    with count_queries() as queries:
        assert len(found(client, "summit panmunjom")) == 12
    assert len(queries) == few


def _placed(article, alice, bob, rng, number: int) -> tuple[object, int]:
    """A prediction with "zircon" and "quasar" each in its claim, its criteria, both, a
    comment or nowhere; returns it with its expected score (None when a word is missing)."""
    where = [rng.choice(("title", "criteria", "both", "comment", "comment", "nowhere"))
             for _ in range(2)]
    title, criteria, comment = [f"Claim {number} about"], ["Resolves yes if"], ["A note on"]
    score = 0
    for word, place in zip(("zircon", "quasar"), where, strict=True):
        if place in ("title", "both"):
            title.append(word)
            score += search.TITLE_SCORE
        if place in ("criteria", "both"):
            criteria.append(word)
            score += search.CRITERIA_SCORE
        if place == "comment":
            comment.append(word)
    prediction = make_prediction(article, alice, title=" ".join(title) + " lasting",
                                 criteria=" ".join(criteria) + " it happens.")
    make_comment(prediction, bob, " ".join(comment) + " this.")
    return prediction, (None if "nowhere" in where else score)


@pytest.mark.parametrize("size", [14, 48])
def test_many_matches_are_ranked_and_paged_by_score_then_hot_rank(client, api, article, alice,
                                                                  bob, moderator, size):
    """The whole order, page by page: claim words before criteria words before comments,
    then the busier (the hot rank, with ties on purpose), then the newer; hidden ones left
    out; and the count."""
    rng = random.Random(size)
    expected = []
    for number in range(size):
        prediction, score = _placed(article, alice, bob, rng, number)
        rank = float(rng.randrange(4))  # few values: many ties, broken by the newer
        db.session.execute(update(Prediction).where(Prediction.id == prediction.id)
                           .values(hot_rank=rank))
        if number % 7 == 3:
            set_hidden("prediction", prediction.id, moderator, "Duplicate.", hidden=True)
        elif score is not None:
            expected.append((-score, -rank, -prediction.id))
    db.session.commit()
    order = [-key[2] for key in sorted(expected)]
    pages, page = [], 1
    while True:
        body = api.get(API, query_string={"q": "quasar zircon", "sort": "relevance",
                                          "per_page": 5, "page": page}).get_json()
        assert body["total"] == len(order)
        if not body["items"]:
            break
        pages += [item["id"] for item in body["items"]]
        page += 1
    assert pages == order
    assert found(client, "Zircon QUASAR") == order[:20]
