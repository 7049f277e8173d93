"""Each query-planner workaround of forum/db_hints.py, checked with EXPLAIN on the statement
the code really runs: on SQLite the hint keeps the planner off the index it would wrongly
pick (and without the hint it does pick it); on PostgreSQL the hint is the bare column, so
every index stays available. Also the slim indexes a resolve's writes called for (migrations
0017-0019), checked the same way on the statements that read them."""

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, event

from forum import clock
from forum.board.queries import list_predictions
from forum.extensions import db
from forum.leaderboard.scorecards import _build_scorecard
from forum.leaderboard.standings import score_filter, standings
from forum.models import Score
from forum.notifications.services import mark_all_read, notify, unread_count
from tests.factories import make_article, make_prediction, make_user


@contextmanager
def statements_run():
    """The (SQL, parameters) of every statement run inside the block."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def dialect() -> str:
    return db.engine.dialect.name


def plan(statement: str, parameters, *, index_only: bool = False) -> str:
    """The query plan as one string; `index_only`: PostgreSQL may not scan tables whole, so
    the plan shows whether an index can serve the statement at all."""
    with db.engine.connect() as connection:
        if dialect() == "sqlite":
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            return "\n".join(row[-1] for row in rows)
        with connection.begin():
            if index_only:
                connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters)
            return "\n".join(row[0] for row in rows)


def plan_without_statistics(statement: str, parameters) -> str:
    """SQLite's plan in a new, empty database of the same schema: no statistics, as in a
    forum's own database (the test database may hold some that other tests' ANALYZE left)."""
    engine = create_engine("sqlite://")
    try:
        db.metadata.create_all(engine)
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            return "\n".join(row[-1] for row in rows)
    finally:
        engine.dispose()


def the_statement(seen, *fragments: str):
    matching = [(sql, params) for sql, params in seen if all(f in sql for f in fragments)]
    assert matching, f"no statement with {fragments}"
    return matching[0]


# EXPLAIN runs on a connection of its own, which must see the rows the test wrote.
pytestmark = pytest.mark.real_commits


@pytest.fixture(autouse=True)
def _no_statistics_left_over(app):
    """Plan as a database without statistics does: those a test before left (demo data runs
    ANALYZE) would make the plans depend on the tests' order."""
    if dialect() == "sqlite":
        with db.engine.begin() as connection:
            for table in ("sqlite_stat1", "sqlite_stat4"):
                connection.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")


@pytest.fixture
def board(article):
    alice = make_user("alice")
    for number in range(6):
        make_prediction(article, alice, title=f"Claim number {number} about the summit")
    return article


def test_the_open_filter_leaves_the_board_index_to_the_planner(board):
    with statements_run() as seen:
        page = list_predictions(board, status="open", sort="hot", per_page=2)
    assert page.total == 6 and len(page.items) == 2
    sql, parameters = the_statement(seen, "resolution_date", "hot_rank DESC", "LIMIT")
    if dialect() == "sqlite":
        assert "+predictions.resolution_date >=" in sql
        hinted = plan(sql, parameters)  # walks the sort's index, stops after the page
        assert "USING INDEX ix_predictions_board_status_hot (article_id=? AND hidden=? AND " \
            "status=?)" in hinted
        assert "resolution_date>" not in hinted
        bare = plan(sql.replace("+predictions.resolution_date", "predictions.resolution_date"),
                    parameters)
        # what the hint prevents: the date's index (a range, or a scan of the board's date
        # index, depending on the table's size), then every open row sorted
        assert "resolution_date>?)" in bare or "ix_predictions_board_resolving" in bare
        assert "USE TEMP B-TREE FOR ORDER BY" in bare
    else:
        assert "+predictions" not in sql and "predictions.resolution_date >=" in sql
        assert re.search(r"Index (Only )?Scan (Backward )?(using|on) ix_predictions_board_",
                         plan(sql, parameters, index_only=True))


def test_the_leaderboard_groups_without_walking_the_member_index(app):
    article = make_article()
    members = [make_user(f"member{n}") for n in range(3)]
    author = make_user("author")
    for number in range(4):
        prediction = make_prediction(article, author, title=f"Resolved claim number {number}")
        for rank, member in enumerate(members):
            db.session.add(Score(
                user_id=member.id, prediction_id=prediction.id, article_id=article.id,
                outcome=True, brier=0.1 * (rank + 1), crowd_brier=0.2, coverage=1.0,
                relative_brier=0.1 * rank - 0.1, final_probability=0.7,
                resolved_at=clock.now()))
    db.session.commit()
    with statements_run() as seen:
        rows = standings(score_filter())
    assert [row.username for row in rows] == ["member0", "member1", "member2"]
    sql, parameters = the_statement(seen, "GROUP BY")
    if dialect() == "sqlite":
        assert "GROUP BY +scores.user_id" in sql
        hinted = plan(sql, parameters)
        assert "USE TEMP B-TREE FOR GROUP BY" in hinted
        # the one index that leads with the member is the unique (user_id, prediction_id)
        # pair: walking it reads the table row by row (2-3 times slower at full size)
        assert "sqlite_autoindex_scores" not in hinted
        bare = plan(sql.replace("+scores.user_id", "scores.user_id"), parameters)
        assert "USING INDEX sqlite_autoindex_scores" in bare  # what the hint prevents
    else:
        assert "+scores" not in sql and "GROUP BY scores.user_id" in sql
        postgres = plan(sql, parameters, index_only=True)
        assert "Group Key: scores.user_id" in postgres
        # any index of the table will do (which one depends on the statistics other tests
        # left: CI once saw the primary key's or the unique pair's): the bare column keeps
        # them all available
        assert re.search(r"Index (Only )?Scan (Backward )?(using|on) (ix|uq|pk)_scores",
                         postgres), postgres


def test_the_articles_standings_and_scorecard_read_the_period_index(app):
    article = make_article()
    author, member = make_user("author"), make_user("member")
    prediction = make_prediction(article, author, title="A resolved claim for the scorecard")
    db.session.add(Score(
        user_id=member.id, prediction_id=prediction.id, article_id=article.id, outcome=True,
        brier=0.1, crowd_brier=0.2, coverage=1.0, relative_brier=-0.1, final_probability=0.7,
        resolved_at=clock.now()))
    db.session.commit()
    with statements_run() as seen:
        rows = standings(score_filter(article_id=article.id))
        card = _build_scorecard(article.id)
    assert [row.username for row in rows] == ["member"]
    assert card.forecasters == 1 and card.forecaster_brier == pytest.approx(0.1)
    statements = [the_statement(seen, "GROUP BY", "article_id"),
                  the_statement(seen, "count(distinct(scores.user_id))")]
    for sql, parameters in statements:
        if dialect() == "sqlite":
            assert "+scores.article_id = ?" in sql
            assert "SCAN scores USING COVERING INDEX ix_scores_resolved_totals" in plan(
                sql, parameters)
            bare = plan_without_statistics(
                sql.replace("+scores.article_id", "scores.article_id"), parameters)
            assert "USING INDEX ix_scores_article_calibration" in bare  # what the hint prevents
            assert "COVERING INDEX ix_scores_resolved_totals" in plan_without_statistics(
                sql, parameters)
        else:
            assert "+scores" not in sql and "scores.article_id = %(" in sql


def test_the_unread_count_and_mark_all_read_use_the_partial_unread_index(app):
    member = make_user("member")
    notify(member.id, kind="resolved", event_key="resolution:1", message="It resolved YES.")
    notify(member.id, kind="resolved", event_key="resolution:2", message="It resolved NO.")
    db.session.commit()
    with statements_run() as seen:
        assert unread_count(member, cap=99) == 2
        assert mark_all_read(member) == 2
    db.session.commit()
    assert unread_count(member, cap=99) == 0
    for fragment in ("count(*)", "UPDATE notifications"):
        sql, parameters = the_statement(seen, fragment)
        if dialect() == "sqlite":
            assert "USING INDEX ix_notifications_unread" in plan(sql, parameters), sql
        else:
            postgres = plan(sql, parameters, index_only=True)  # either, by its statistics
            assert "ix_notifications_u" in postgres, postgres
