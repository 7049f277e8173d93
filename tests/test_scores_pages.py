"""Scores inside other pages: a resolved prediction's scores on its page, and the article's
scorecard (the crowd against the best forecasters, the readers' calibration)."""

import re

from forum.leaderboard.scorecards import article_scorecard, prediction_scores
from tests.test_scores import (  # noqa: F401  (fast_passwords is an autouse fixture)
    close_of,
    example_history,
    fast_passwords,
    history,
    resolve,
    users,
)


def queries(statements: list[str]) -> list[str]:
    """The statements that read scores (not BEGIN, not reloading the test's own objects)."""
    return [statement for statement in statements if "scores" in statement]


def score_card(html: str) -> str | None:
    found = re.search(r'<section class="card score-card".*?</section>', html, re.DOTALL)
    return found.group(0) if found else None


def test_open_prediction_shows_no_scores(client, article):
    prediction = example_history(article)
    assert score_card(client.get(f"/predictions/{prediction.id}").get_data(as_text=True)) is None


def test_resolved_prediction_shows_each_forecasters_score_and_the_crowds(client, article):
    prediction = example_history(article)
    resolve(prediction, "yes", outcome_time=close_of(prediction))
    card = score_card(client.get(f"/predictions/{prediction.id}").get_data(as_text=True))
    assert card is not None
    assert "Resolved" in card and "badge-yes" in card
    # The crowd when forecasts closed: median of 90 %, 20 % and 50 %; its Brier over the life.
    assert "<strong>50 %</strong>" in card and "<strong>0.251</strong>" in card
    assert card.index(">alice<") < card.index(">carol<") < card.index(">bob<")
    assert "−0.166" in card and "+0.293" in card and "0.085" in card
    assert "lower is better" in card.lower()


def test_the_viewer_sees_their_own_line(auth, client, article):
    prediction = example_history(article)
    resolve(prediction, "yes", outcome_time=close_of(prediction))
    auth.login("bob")
    card = score_card(client.get(f"/predictions/{prediction.id}").get_data(as_text=True))
    assert "You: Brier <strong>0.640</strong>" in card
    assert "worse than the crowd" in card and "Rank 3 of 3" in card
    assert re.search(r'<tr class="is-me">.*?bob', card, re.DOTALL)


def test_annulled_prediction_shows_no_scores(client, article):
    prediction = example_history(article)
    resolve(prediction, "annulled")
    assert score_card(client.get(f"/predictions/{prediction.id}").get_data(as_text=True)) is None


def test_prediction_scores_show_the_best_twenty_and_mine(app, article):
    readers = users(*(f"reader{index:02d}" for index in range(25)))
    alice, = users("alice")
    prediction = history(article, alice, [(reader, 0.03 * (index + 1), 1 + index / 10)
                                          for index, reader in enumerate(readers)])
    resolve(prediction, "yes", outcome_time=close_of(prediction))
    worst = readers[0]  # 3 %, and yes happened
    card = prediction_scores(prediction, worst)  # a User is authenticated
    assert card.total == 26 and len(card.shown) == 20
    assert card.mine.username == "reader00" and card.mine.rank == 26 and card.mine_hidden


def test_prediction_scores_cost_one_query(app, article, count_queries):
    prediction = example_history(article)
    resolve(prediction, "yes", outcome_time=close_of(prediction))
    assert prediction.status == "resolved"  # loaded before counting
    with count_queries() as statements:
        prediction_scores(prediction)
    assert len(queries(statements)) == 1


def test_article_scorecard_appears_once_a_prediction_resolves(client, article):
    prediction = example_history(article)
    html = client.get("/").get_data(as_text=True)
    assert 'id="scorecard"' not in html
    resolve(prediction, "yes", outcome_time=close_of(prediction))
    html = client.get("/").get_data(as_text=True)
    card = re.search(r'<section class="scorecard".*?</section>', html, re.DOTALL).group(0)
    assert "1 prediction on this article has resolved, scoring 3 forecasters" in card
    assert "<strong>0.251</strong>" in card  # the crowd's Brier on the one prediction
    assert card.index(">alice<") < card.index(">carol<") < card.index(">bob<")
    assert "calibration-chart" in card and "<desc" in card
    assert 'href="/leaderboard?article=test-article"' in card


def test_article_scorecard_averages_the_crowd_over_predictions(app, article):
    first = example_history(article)
    second = example_history(article, title="The summit will take place before the end of 2027")
    resolve(first, "yes", outcome_time=close_of(first))
    resolve(second, "no", outcome_time=close_of(second))
    card = article_scorecard(article)
    assert card.predictions == 2 and card.forecasters == 3
    assert abs(card.crowd_brier - (0.25075 + 0.26075) / 2) < 1e-12
    # carol 0; bob +0.29325 − 0.15675; alice −0.16575 + 0.32425
    assert [row.username for row in card.top] == ["carol", "bob", "alice"]
    assert card.calibrated_points == 6


def test_article_scorecard_costs_a_fixed_number_of_queries(app, article, count_queries):
    first = example_history(article)
    resolve(first, "yes", outcome_time=close_of(first))
    assert article.id
    with count_queries() as small:
        article_scorecard(article)
    for index in range(6):
        more = example_history(article, title=f"Another claim {index} will come true")
        resolve(more, "no", outcome_time=close_of(more))
    assert article.id
    with count_queries() as large:
        built = article_scorecard(article)
    with count_queries() as again:
        assert article_scorecard(article) is built  # kept until the scores change
    assert len(queries(small)) == len(queries(large)) == 5
    assert queries(again) == []  # only the versions are read (once a request in a page)
    assert len(again) == 1 and "cache_versions" in again[0]


def test_article_scorecard_follows_a_correction(app, article):
    prediction = example_history(article)
    resolve(prediction, "yes", outcome_time=close_of(prediction))
    assert [row.username for row in article_scorecard(article).top] == ["alice", "carol", "bob"]
    resolve(prediction, "no", correction=True)
    assert [row.username for row in article_scorecard(article).top] == ["bob", "carol", "alice"]
    resolve(prediction, "annulled", correction=True)
    assert article_scorecard(article) is None


def test_prediction_scores_follow_a_correction_and_a_deleted_account(app, article):
    """The ranking is kept per worker: a correction reorders it, a deleted account's line
    keeps its place under its new name."""
    from forum.auth.accounts import delete_account
    from forum.extensions import db
    from forum.models import User
    from tests.factories import DEFAULT_PASSWORD

    prediction = example_history(article)
    resolve(prediction, "yes", outcome_time=close_of(prediction))
    assert [line.username for line in prediction_scores(prediction).shown] == [
        "alice", "carol", "bob"]
    resolve(prediction, "no", correction=True)
    assert [line.username for line in prediction_scores(prediction).shown] == [
        "bob", "carol", "alice"]
    carol = db.session.scalar(db.select(User).where(User.username == "carol"))
    delete_account(carol, DEFAULT_PASSWORD)
    db.session.commit()
    names = [line.username for line in prediction_scores(prediction).shown]
    assert names[0] == "bob" and names[2] == "alice" and names[1].startswith("deleted-")
