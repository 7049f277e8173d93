"""The board's pages as a reader sees them: the full board, the article's board section, a
prediction's page and the Atom feed; and a fixed number of queries however much data."""

import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import update

from forum import clock
from forum.board.citations import cite_id
from forum.extensions import db
from forum.models import Forecast
from tests.contract import HOT_ORDER, HOT_ROWS, hot_board
from tests.factories import make_comment, make_forecast, make_prediction, make_user

BOARD = "/articles/test-article/predictions"
ATOM = "{http://www.w3.org/2005/Atom}"


def row_ids(page: str) -> list[int]:
    """The predictions listed, in order."""
    return [int(found) for found in re.findall(r'<li class="prediction-row[^"]*" '
                                               r'id="prediction-(\d+)"', page)]


@pytest.fixture
def alice(app):
    return make_user("alice")


@pytest.fixture
def board_data(article, alice):
    """Four predictions that each win one sort."""
    bob, carol = make_user("bob"), make_user("carol")
    now = clock.now()
    old = make_prediction(article, alice, title="An old claim with many votes", days_ahead=400,
                          criteria="Judged by the Yonhap archive.",
                          created_at=now - timedelta(days=30))
    soon = make_prediction(article, bob, title="A claim that resolves soon", days_ahead=5,
                           created_at=now - timedelta(days=20))
    busy = make_prediction(article, carol, title="A claim with many forecasts", days_ahead=90,
                           created_at=now - timedelta(days=10))
    new = make_prediction(article, alice, title="The newest claim about 100% certainty_",
                          days_ahead=60, created_at=now - timedelta(days=1))
    from forum.board.services import vote_on_prediction

    vote_on_prediction(bob, old, 1)
    vote_on_prediction(carol, old, 1)
    db.session.commit()
    for user in (alice, bob):
        make_forecast(busy, user, 0.5)
    return {"old": old.id, "soon": soon.id, "busy": busy.id, "new": new.id}


# The full board ----------------------------------------------------------------------------

@pytest.mark.parametrize(("sort", "first"), [
    ("top", "old"), ("new", "new"), ("resolving", "soon"), ("forecasts", "busy")])
def test_each_sort_puts_its_winner_first(client, board_data, sort, first):
    page = client.get(f"{BOARD}?sort={sort}").text
    assert row_ids(page)[0] == board_data[first]
    assert f'class="tab is-current" href="{BOARD}?sort={sort}"' in page


def test_hot_is_the_default_and_orders_by_the_contracted_rank(client, article, alice,
                                                               monkeypatch):
    ids = hot_board(article, alice, monkeypatch)
    expected = [ids[name] for name in HOT_ORDER]
    assert row_ids(client.get(BOARD).text) == expected
    assert row_ids(client.get(f"{BOARD}?sort=hot").text) == expected


def test_the_stored_hot_rank_is_the_contracted_number(article, alice, monkeypatch):
    from forum.models import Prediction

    ids = hot_board(article, alice, monkeypatch)
    for name, (_, score, forecasters, hot) in HOT_ROWS.items():
        prediction = db.session.get(Prediction, ids[name])
        assert (prediction.vote_score, prediction.forecaster_count) == (score, forecasters)
        assert prediction.hot_rank == pytest.approx(hot, abs=1e-6), name


def test_resolving_soon_lists_open_predictions_before_closed_ones(client, board_data,
                                                                 monkeypatch):
    later = clock.now() + timedelta(days=7)  # "soon" has closed by then
    monkeypatch.setattr(clock, "now", lambda: later)
    ids = row_ids(client.get(f"{BOARD}?sort=resolving").text)
    assert ids[-1] == board_data["soon"]


def test_status_filters(client, board_data):
    from forum.models import Prediction

    resolved = db.session.get(Prediction, board_data["old"])
    resolved.status, resolved.outcome = "resolved", "yes"
    db.session.commit()
    assert row_ids(client.get(f"{BOARD}?status=resolved").text) == [board_data["old"]]
    assert board_data["old"] not in row_ids(client.get(f"{BOARD}?status=open").text)
    assert row_ids(client.get(f"{BOARD}?status=annulled").text) == []
    page = client.get(f"{BOARD}?status=annulled").text
    assert "No predictions match." in page


def test_search_covers_claims_and_criteria_and_treats_wildcards_as_text(client, board_data):
    assert row_ids(client.get(f"{BOARD}?q=yonhap").text) == [board_data["old"]]
    assert row_ids(client.get(f"{BOARD}?q=RESOLVES+SOON").text) == [board_data["soon"]]
    assert row_ids(client.get(f"{BOARD}?q=100%25").text) == [board_data["new"]]
    assert row_ids(client.get(f"{BOARD}?q=certainty_").text) == [board_data["new"]]
    page = client.get(f"{BOARD}?q=%3Cscript%3E").text
    assert "No predictions match." in page and "<script>" not in page.split("</header>")[-1]


def test_pagination_has_page_links_and_keeps_the_filters(client, article, alice):
    for index in range(45):
        make_prediction(article, alice, title=f"Numbered claim number {index:02d}",
                        days_ahead=10 + index)
    first = client.get(f"{BOARD}?sort=resolving").text
    assert len(row_ids(first)) == 20
    assert "page 1 of 3" in first
    assert re.search(rf'href="{BOARD}\?(sort=resolving&amp;page=2|page=2&amp;sort=resolving)"',
                     first)
    assert 'aria-current="page">1<' in first
    third = client.get(f"{BOARD}?sort=resolving&page=3").text
    assert len(row_ids(third)) == 5
    assert "Numbered claim number 44" in third
    fifth = client.get(f"{BOARD}?per_page=10&page=5").text
    assert len(row_ids(fifth)) == 5 and "per_page=10" in fifth.split('class="pagination"')[1]
    beyond = client.get(f"{BOARD}?per_page=10&page=6").text
    assert row_ids(beyond) == [] and "There is no page 6" in beyond


@pytest.mark.parametrize("query", ["sort=best", "status=maybe", "page=0", "page=x",
                                   "per_page=1000", "q=" + "x" * 201, "q=%00"])
def test_bad_list_arguments_are_422_not_500(client, board_data, query):
    response = client.get(f"{BOARD}?{query}")
    assert response.status_code == 422


def test_an_empty_board_invites_the_first_prediction(client, article):
    page = client.get(BOARD).text
    assert "No predictions yet." in page and "Be the first" in page
    assert 'href="/articles/test-article#share"' in page


def test_a_row_shows_everything_at_a_glance(client, article, alice):
    prediction = make_prediction(article, alice, probability=0.35, days_ahead=200)
    make_forecast(prediction, make_user("bob"), 0.55)
    make_comment(prediction, alice, "Context.")
    page = client.get(BOARD).text
    row = page.split(f'id="prediction-{prediction.id}"')[1].split("</li>")[0]
    assert "North Korea will hold a nuclear test in 2027" in row
    assert '<span class="big-number" data-crowd-median>45 %</span>' in row  # the crowd first
    assert "crowd · 2 forecasters" in row
    assert "alice (author) <strong>35 %</strong>" in row
    assert "1 comment<" in row
    assert 'class="sparkline"' in row
    assert 'class="badge badge-open"' in row
    date = prediction.resolution_date
    assert f'<time datetime="{date.isoformat()}" title="Forecasts close ' in row
    assert f'(the end of {date.isoformat()} UTC)' in row
    assert 'class="vote-score"' in row


def test_predictions_url_redirects_to_the_featured_board(client, article):
    response = client.get("/predictions")
    assert response.status_code == 302 and response.headers["Location"].endswith(BOARD)


def test_predictions_url_without_an_article_goes_home(client):
    assert client.get("/predictions").headers["Location"].endswith("/")


def test_the_board_of_an_unknown_article_is_404(client):
    assert client.get("/articles/nope/predictions").status_code == 404


# The article page --------------------------------------------------------------------------

def test_the_article_page_heads_the_board_with_its_prompt(client, article, alice):
    prediction = make_prediction(article, alice)
    page = client.get("/").text
    prompt = page.index("What are your predictions? Share your thoughts below!")
    assert page.index('id="article-body"') < prompt < page.index(f'id="prediction-{prediction.id}"')
    assert f'href="{BOARD}"' in page
    assert 'src="/static/js/board.js' in page


def test_members_get_the_share_form_with_every_field(auth, client, article, alice):
    auth.login()
    page = client.get("/articles/test-article?quote=A+second+paragraph").text
    form = page.split('id="share"')[1].split("</form>")[0]
    for name in ("title", "probability", "resolution_date", "criteria", "quote"):
        assert f'name="{name}"' in form, name
    assert 'type="range"' in form and 'min="1" max="99"' in form
    assert 'name="probability_slider"' not in form  # only the typed number is sent
    assert 'type="date"' in form
    assert "How will anyone know? Name the source." in form
    for label in ("End of this year", "In 6 months", "In a year"):
        assert label in form or label.replace("this", "next") in form
    assert re.search(r">\s*A second paragraph</textarea>", form)  # ?quote= fills it in
    assert "Predict on this passage" in page


def test_quoted_passages_are_marked_in_the_article_with_a_count(client, article, alice):
    quote = "A second paragraph, under a heading"
    first = make_prediction(article, alice, quote=quote, title="First claim citing the passage")
    make_prediction(article, alice, quote=quote, title="Second claim citing the passage")
    page = client.get("/").text
    body = page.split('id="article-body"')[1].split("</article>")[0]
    anchor = cite_id(quote)
    assert f'<mark class="cited" id="{anchor}">{quote}</mark>' in body
    assert 'data-count="2" aria-label="2 predictions cite this passage"' in body
    citations = page.split('id="cited"')[1]
    assert f'id="{anchor}-list"' in citations
    assert f'href="/predictions/{first.id}"' in citations
    show = client.get(f"/predictions/{first.id}").text
    assert f'href="/articles/test-article#{anchor}"' in show
    assert f"<blockquote><p>{quote}</p></blockquote>" in show


def test_a_quote_across_inline_markup_is_marked_piece_by_piece(client, alice):
    from tests.factories import make_article

    article = make_article("---\ntitle: T\nslug: marked\nprompt: P?\n---\n\n"
                           "Here is *some emphasised* text & more words.\n")
    make_prediction(article, alice, quote="some emphasised text & more")
    body = client.get("/articles/marked").text.split('id="article-body"')[1]
    assert re.search(r'<em><a class="cite-marker"[^>]*></a><mark class="cited" id="cite-\w+">'
                     r'some emphasised</mark></em>', body)
    assert '<mark class="cited"> text &amp; more</mark>' in body


def test_top_open_predictions_show_five_and_a_link_to_all(client, article, alice):
    for index in range(7):
        make_prediction(article, alice, title=f"Top list claim number {index}")
    page = client.get("/").text
    top = page.split('class="board-top"')[1].split('id="share"')[0]
    assert len(row_ids(top)) == 5
    assert "all 7 predictions" in top


def test_the_article_page_empty_state_invites_the_first_prediction(client, article):
    page = client.get("/").text
    assert "No open predictions yet." in page and "Be the first" in page


# The prediction page -----------------------------------------------------------------------

def test_the_prediction_page_shows_the_claim_numbers_chart_and_includes(auth, client, article,
                                                                        alice):
    prediction = make_prediction(article, alice, probability=0.35,
                                 created_at=clock.now() - timedelta(days=3),
                                 criteria="Resolves yes per **Reuters**.")
    bob = make_user("bob")
    make_forecast(prediction, bob, 0.6, created_at=clock.now() - timedelta(days=2))
    make_forecast(prediction, bob, 0.5, created_at=clock.now() - timedelta(days=1))
    auth.login("bob")
    page = client.get(f"/predictions/{prediction.id}").text
    assert '<h1 class="prediction-title">North Korea will hold a nuclear test in 2027</h1>' in page
    assert '<span class="big-number" data-crowd-median>42.5 %</span>' in page
    assert "crowd median · 2 forecasters" in page
    assert "alice (author) <strong>35 %</strong>" in page and "you <strong>50 %</strong>" in page
    assert "<strong>Reuters</strong>" in page
    svg = page.split('<svg class="chart crowd-chart"')[1].split("</svg>")[0]
    assert f'aria-labelledby="chart-{prediction.id}-title chart-{prediction.id}-desc"' in svg
    assert f'<title id="chart-{prediction.id}-title">' in svg and "<desc" in svg
    assert 'class="chart-line"' in svg and 'class="chart-author"' in svg
    assert svg.count('class="chart-mine"') == 2
    assert "0 %</text>" in svg and "100 %</text>" in svg
    assert "The chart&#39;s data as a table" in page or "The chart's data as a table" in page
    assert "style=" not in page and "<script>" not in page


def test_the_charts_data_table_lists_each_change_of_the_median_once(client, article, alice):
    """A forecast that leaves the median where it was adds no row: the table reads as the
    chart does, a row each time the line moves."""
    prediction = make_prediction(article, alice, probability=0.4)
    start = clock.now() - timedelta(days=5)
    db.session.execute(update(Forecast).where(Forecast.prediction_id == prediction.id)
                       .values(created_at=start))
    for day, name, probability in ((1, "bob", 0.4), (2, "carol", 0.6), (3, "dave", 0.8),
                                   (4, "erin", 0.5)):
        make_forecast(prediction, make_user(name), probability,
                      created_at=start + timedelta(days=day))
    # The median: 40 (alice), 40 (bob), 40 (carol), 50 (dave), 50 (erin): two changes.
    page = client.get(f"/predictions/{prediction.id}").text
    table = page.split("Crowd median after each change")[1].split("</table>")[0]
    assert re.findall(r"<td>(\d+ %)</td>", table) == ["50 %", "40 %"]  # newest first
    assert table.count("<tr>") == 3  # the header and two changes


def test_a_hidden_prediction_is_404_except_for_moderators(auth, client, article, alice):
    prediction = make_prediction(article, alice)
    prediction.hidden = True
    db.session.commit()
    assert client.get(f"/predictions/{prediction.id}").status_code == 404
    auth.login()
    assert client.get(f"/predictions/{prediction.id}").status_code == 404
    client.post("/logout")
    make_user("mod", role="moderator")
    auth.login("mod")
    response = client.get(f"/predictions/{prediction.id}")
    assert response.status_code == 200
    assert "Hidden by a moderator." in response.text


@pytest.mark.parametrize("path", ["/predictions/0", "/predictions/123456",
                                  "/predictions/99999999999999999999", "/predictions/abc"])
def test_unknown_predictions_are_404(client, path):
    assert client.get(path).status_code == 404


# The Atom feed -----------------------------------------------------------------------------

def test_the_feed_is_valid_atom_with_user_text_escaped(client, article, alice):
    make_prediction(article, alice, title="First <b>bold</b> & claim",
                    created_at=clock.now() - timedelta(days=1))
    make_prediction(article, alice, title="Second claim ]]> with \u2028 odd text",
                    criteria="Per <script>alert(1)</script> & [link](https://example.org).")
    response = client.get(f"{BOARD}.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = ElementTree.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}title").text == "New predictions: A Test Article About the Future"
    assert root.find(f"{ATOM}updated").text.endswith("Z")
    entries = root.findall(f"{ATOM}entry")
    assert [entry.find(f"{ATOM}title").text for entry in entries] == [
        "Second claim ]]> with \u2028 odd text", "First <b>bold</b> & claim"]
    first = entries[0]
    assert first.find(f"{ATOM}id").text.startswith("tag:")
    assert first.find(f"{ATOM}link").get("href").startswith("http://localhost/predictions/")
    assert first.find(f"{ATOM}author/{ATOM}name").text == "alice"
    content = first.find(f"{ATOM}content")
    assert content.get("type") == "html"
    assert "<script>" not in content.text and "&lt;script&gt;" in content.text
    assert b"<b>bold</b>" not in response.data


def test_hidden_predictions_stay_out_of_the_feed(client, article, alice):
    prediction = make_prediction(article, alice, title="A claim to be hidden soon")
    prediction.hidden = True
    db.session.commit()
    root = ElementTree.fromstring(client.get(f"{BOARD}.atom").data)
    assert root.findall(f"{ATOM}entry") == []


def test_the_feed_of_an_unknown_article_is_404(client):
    assert client.get("/articles/nope/predictions.atom").status_code == 404


# A fixed number of queries -----------------------------------------------------------------

def build(article, size: int, per_prediction: int):
    """`size` predictions; the first has `per_prediction` forecasts, comments and votes."""
    users = [make_user(f"user{index}") for index in range(4)]
    predictions = [make_prediction(article, users[index % 4], title=f"Claim about the future {index}",
                                   quote="A second paragraph" if index % 2 else None)
                   for index in range(size)]
    target = predictions[0]
    from forum.board.services import vote_on_comment, vote_on_prediction

    for index in range(per_prediction):
        make_forecast(target, users[1 + index % 3], 0.1 + (index % 80) / 100)
        parent = make_comment(target, users[index % 4], f"Comment {index}")
        vote_on_comment(users[(index + 1) % 4], parent, 1)
        db.session.commit()
    for index, prediction in enumerate(predictions[1:], start=1):
        voter = users[(index + 1) % 4]
        vote_on_prediction(voter, prediction, 1)
        make_forecast(prediction, voter, 0.4)
    db.session.commit()
    return target.id, users[0].username


def page_queries(client, count_queries, paths) -> dict[str, int]:
    """Statements per page with a cold sparkline cache (the most a page ever runs)."""
    counts = {}
    for path in paths:
        for kept in ("crowd_histories", "page_forecasts", "marked_articles"):
            client.application.extensions.pop(kept, None)
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        counts[re.sub(r"\d+", "N", path)] = len(statements)
    return counts


@pytest.mark.real_commits  # empties the tables between the two sizes
@pytest.mark.parametrize("logged_in", [False, True])
def test_pages_run_the_same_number_of_queries_at_two_data_sizes(auth, app, client, count_queries,
                                                                logged_in):
    from tests.factories import make_article
    from tests.fixtures.database import empty_database

    measured = []
    for size, per_prediction in ((3, 5), (30, 50)):
        db.session.remove()
        empty_database()
        target, username = build(make_article(), size, per_prediction)
        if logged_in:
            auth.login(username)
        paths = ["/", "/articles/test-article", BOARD, f"{BOARD}?sort=top&status=open",
                 f"/predictions/{target}", f"/predictions/{target}?forecasts_page=2"]
        measured.append(page_queries(client, count_queries, paths))
    small, large = measured
    assert small == large, f"queries grew with the data: {small} vs {large}"


def test_a_kept_sparkline_skips_the_forecasts_query_until_a_new_forecast(article, client,
                                                                          count_queries):
    users = [make_user(f"sparky{index}") for index in range(3)]
    prediction = make_prediction(article, users[0], title="Sparklines stay current")
    make_forecast(prediction, users[1], 0.2)
    db.session.commit()
    client.get(BOARD)  # computes and keeps the crowd history
    with count_queries() as statements:
        before = client.get(BOARD).text
    assert not any("FROM forecasts" in statement for statement in statements)
    make_forecast(prediction, users[2], 0.9)
    db.session.commit()
    with count_queries() as statements:
        after = client.get(BOARD).text
    assert any("FROM forecasts" in statement for statement in statements)
    sparkline = re.compile(r'<svg class="sparkline".*?</svg>', re.DOTALL)
    assert sparkline.search(before).group(0) != sparkline.search(after).group(0)


def test_a_kept_prediction_page_shows_a_new_forecast_at_once(article, client, count_queries):
    users = [make_user(f"keeper{index}") for index in range(3)]
    prediction = make_prediction(article, users[0], title="The page keeps up with forecasts")
    make_forecast(prediction, users[1], 0.2)
    db.session.commit()
    before = client.get(f"/predictions/{prediction.id}").text
    with count_queries() as statements:
        assert client.get(f"/predictions/{prediction.id}").text.count("<tr") == before.count("<tr")
    assert not any("FROM forecasts" in statement for statement in statements)
    make_forecast(prediction, users[2], 0.9)
    db.session.commit()
    after = client.get(f"/predictions/{prediction.id}").text
    assert 'Every forecast <span class="count">3</span>' in after
    assert "keeper2" in after and after.count("<tr") > before.count("<tr")
