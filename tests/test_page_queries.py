"""Each page's view model is assembled in a fixed number of queries (issue 14): the
prediction page (open, and resolved with its scores and resolution log), the article page
(with its scorecard), the leaderboard and a profile, for a visitor, a member and a moderator,
counted at two data sizes with every worker cache cold. The count may differ between viewers
(a member's own forecasts, votes, reports and unread count), never with the data."""

import re

import pytest

from forum.extensions import db
from forum.moderation.flags import create_flag
from tests.factories import make_article, make_comment, make_forecast, make_prediction
from tests.test_scores import (  # noqa: F401  (fast_passwords is an autouse fixture)
    close_of,
    fast_passwords,
    history,
    resolve,
    users,
)

KEPT = ("crowd_histories", "page_forecasts", "marked_articles", "article_scorecards")
VIEWERS = ("visitor", "reader0", "mod")


def build(size: int) -> dict[str, str]:
    """A site whose busy parts grow with `size`: forecasters, comments, reports, resolved
    predictions and scores. Returns the pages to count."""
    article = make_article()
    users("mod", role="moderator")
    alice, carol = users("alice", "carol")
    readers = users(*(f"reader{index}" for index in range(size)))
    busy = make_prediction(article, alice, title="A busy open prediction about the future")
    for index, reader in enumerate(readers):
        make_forecast(busy, reader, 0.1 + (index % 8) / 10)
        comment = make_comment(busy, reader, f"Comment number {index}.")
        create_flag(carol, "comment", comment.id, "spam")
    create_flag(readers[0], "prediction", busy.id, "unclear_criteria")
    resolved = disputed = None
    for number in range(size // 2):
        done = history(article, alice, [(reader, 0.2 + (index % 7) / 10, 1 + index % 5)
                                        for index, reader in enumerate(readers)],
                       title=f"A resolved claim number {number} about the future")
        make_comment(done, readers[0], "Called it.")
        resolution = resolve(done, "yes" if number % 2 else "no", outcome_time=close_of(done))
        resolved, disputed = resolved or done, disputed or resolution
    create_flag(readers[1], "resolution", disputed.id, "wrong_resolution")
    db.session.commit()
    return {"article": f"/articles/{article.slug}", "open prediction": f"/predictions/{busy.id}",
            "resolved prediction": f"/predictions/{resolved.id}", "leaderboard": "/leaderboard",
            "profile": "/users/alice", "scored profile": "/users/reader0"}


def count_pages(client, count_queries, pages: dict[str, str]) -> dict[str, int]:
    counts = {}
    for name, path in pages.items():
        for kept in KEPT:
            client.application.extensions.pop(kept, None)
        with count_queries() as statements:
            page = client.get(path)
        assert page.status_code == 200, (name, page.status_code)
        counts[name] = len(statements)
    return counts


@pytest.mark.real_commits  # empties the tables between the two sizes
@pytest.mark.parametrize("viewer", VIEWERS)
def test_pages_cost_the_same_queries_at_two_data_sizes(auth, client, count_queries, viewer):
    from tests.fixtures.database import empty_database

    measured = []
    for size in (2, 12):
        db.session.remove()
        empty_database()
        pages = build(size)
        if viewer != "visitor":
            auth.login(viewer)
        measured.append(count_pages(client, count_queries, pages))
        html = client.get(pages["resolved prediction"]).get_data(as_text=True)
        assert 'id="scores"' in html and 'id="resolution-' in html
        assert 'id="scorecard"' in client.get(pages["article"]).get_data(as_text=True)
        auth.logout()
    small, large = measured
    assert small == large, f"queries grew with the data: {small} vs {large}"


@pytest.mark.real_commits
def test_the_panel_shows_what_the_page_model_loaded(auth, client, count_queries):
    """The page model's reports and counts reach the page: a member sees their own reports,
    a moderator the counts; a visitor runs no report query at all."""
    pages = build(3)
    with count_queries() as statements:
        assert client.get(pages["open prediction"]).status_code == 200
    assert not any("FROM flags" in statement for statement in statements)
    auth.login("reader0")
    html = client.get(pages["open prediction"]).get_data(as_text=True)
    assert "You reported this prediction" in html
    auth.logout()
    auth.login("mod")
    html = client.get(pages["open prediction"]).get_data(as_text=True)
    assert re.search(r"1 open report on this prediction", html)
    assert html.count(">1 report<") == 3  # carol's report on each of the three comments
    html = client.get(pages["resolved prediction"]).get_data(as_text=True)
    assert "1 open report<" in html  # reader1's dispute of the resolution
    auth.logout()


def test_the_inbox_reads_the_unread_count_once(auth, client, count_queries):
    """The navigation bar and the inbox's heading share the layout's one count."""
    from tests.factories import make_user

    make_user("reader")
    auth.login("reader")
    with count_queries() as statements:
        assert client.get("/notifications").status_code == 200
    unread = [statement for statement in statements
              if "FROM notifications" in statement and "read_at IS NULL" in statement]
    assert len(unread) == 1


def test_a_visitor_s_layout_runs_no_query_of_its_own(client, article, count_queries):
    with count_queries() as statements:
        assert client.get("/leaderboard").status_code == 200
    assert not any("FROM notifications" in statement or "FROM audit_log" in statement
                   for statement in statements)


def test_a_suspended_member_s_page_reads_the_reason_once(auth, app, client, article,
                                                          count_queries):
    """The notice (base.html, through the layout) and the locked forms share one read."""
    from tests.factories import make_user
    from tests.test_suspension_notice import REASON, suspend

    make_user("mod", role="moderator")
    bob = make_user("bob")
    prediction = make_prediction(article, bob, title="Kim visits Moscow again before 2028")
    assert suspend(auth, app, bob).status_code == 302
    auth.login("bob")
    with count_queries() as statements:
        page = client.get(f"/predictions/{prediction.id}").get_data(as_text=True)
    assert REASON in page and 'class="suspended-lock" disabled' in page
    assert sum("FROM audit_log" in statement for statement in statements) == 1
