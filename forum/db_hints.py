"""Query-planner workarounds, each with the reason and the measurement that called for it;
tests/test_db_hints.py checks every one with EXPLAIN on SQLite and PostgreSQL.

They change no result, only which index SQLite's planner may pick: `+column` is SQLite's
documented way to disqualify a term from indexing (https://sqlite.org/optoverview.html,
"Disqualifying WHERE clause terms using unary-+"). PostgreSQL gets the bare column, so its
planner keeps every choice."""

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


class unindexed(ColumnElement):
    """A column that SQLite must not choose an index for: `+column` there, the column
    elsewhere. Its type is the column's, so comparisons and results are unchanged."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]  # noqa: RUF012

    def __init__(self, column):
        self.column = column
        self.type = column.type


@compiles(unindexed)
def _compile_unindexed(element, compiler, **kw):
    return compiler.process(element.column, **kw)


@compiles(unindexed, "sqlite")
def _compile_unindexed_sqlite(element, compiler, **kw):
    return "+" + compiler.process(element.column, **kw)


def open_date(column):
    """The resolution date in the board's "open" filter (forum.lifecycle.open_clause).

    Nearly every open prediction's date is in the future, yet SQLite's planner prefers a
    range on the date (an index ending in resolution_date) and then sorts every open row
    (180 ms on 20,000 predictions) over walking the board's (article, hidden, status, sort)
    index and stopping after one page (0.1 ms)."""
    return unindexed(column)


def leaderboard_article_key(column):
    """The article a leaderboard or scorecard filters scores by (forum.leaderboard).

    Since migration 0018 no index leads with the article and holds the scores' totals (each
    resolve rewrote it nearly whole); the covering period index (resolved_at, user_id, brier,
    relative_brier, article_id) serves them. On an equality with the bare column, SQLite
    without statistics (a forum's database has none: only `forum demo-data` runs ANALYZE)
    walks the calibration index (article_id, final_probability, outcome) instead and reads
    the table row by row for each score. PostgreSQL plans from its statistics either way."""
    return unindexed(column)


def leaderboard_group_key(column):
    """The member a leaderboard groups scores by (forum.leaderboard.standings).

    Grouping by the bare column makes SQLite walk the (user_id, …) index with a table lookup
    per row; kept off the index, it scans the table (or the resolved_at index for a period)
    and groups in a temporary B-tree, 4-20 times faster at half a million scores. PostgreSQL
    plans a hash aggregate either way."""
    return unindexed(column)
