"""The versions a request pins (forum.cache_versions.pinned): on SQLite each process and
thread keeps what it read while the database is unchanged, so a cached page's hit reads no
table, and a commit anywhere (another process's, another connection's, this process's own, in
any thread) is seen by the next request."""

import sqlite3

import pytest

from forum import cache_versions
from forum.cache_versions import SCORES, SITE
from forum.extensions import db
from tests.fixtures.database import counting_queries as statements_run

# Another connection writes, so the rows must be committed for real.
pytestmark = pytest.mark.real_commits


def pinned(app, *scopes: str) -> tuple[int, ...]:
    """What one request pins (its own app context: its own `g` and session)."""
    with app.app_context(), app.test_request_context("/"):
        return cache_versions.pinned(*scopes)


def reads_table(statements: list[str]) -> bool:
    return any("FROM cache_versions" in statement for statement in statements)


@pytest.fixture
def app(make_app):
    """A server with its page cache on: the cache whose hits the kept versions speed up."""
    server = make_app(PAGE_CACHE_SECONDS=3600)
    with server.app_context():
        yield server


@pytest.fixture
def sqlite_file(app) -> str:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's data_version: PostgreSQL reads the versions each request")
    return db.engine.url.database


def test_without_a_page_cache_every_request_reads(make_app, sqlite_file):
    uncached = make_app(PAGE_CACHE_SECONDS=0)
    pinned(uncached, SITE)
    with uncached.app_context(), statements_run() as seen:  # its engine's statements
        pinned(uncached, SITE)
    assert reads_table(seen) and not any("data_version" in s for s in seen), seen


def test_an_unchanged_database_is_not_read_again(app, sqlite_file):
    """Nor is a pooled connection taken: the data_version is asked on a connection beside
    the pool, so a cached page's hit runs no statement through the engine at all."""
    first = pinned(app, SITE, SCORES)
    with statements_run() as seen:
        assert pinned(app, SITE, SCORES) == first
        assert pinned(app, SCORES) == first[1:]
    assert seen == []
    scope = cache_versions.prediction(2_000_000_000)  # not read by this connection yet
    with statements_run() as seen:
        assert pinned(app, scope) == (0,)
    assert reads_table(seen)


def raise_scores_elsewhere(sqlite_file: str) -> None:
    """Raise `scores` as another process would: SQLAlchemy sees nothing of it."""
    other = sqlite3.connect(sqlite_file)
    try:
        other.execute("INSERT INTO cache_versions (scope, value) VALUES ('scores', 1) "
                      "ON CONFLICT (scope) DO UPDATE SET value = value + 1")
        other.commit()
    finally:
        other.close()


def test_a_commit_by_another_connection_is_seen_at_once(app, sqlite_file):
    before = pinned(app, SITE, SCORES)
    raise_scores_elsewhere(sqlite_file)
    assert pinned(app, SITE, SCORES) == (before[0], before[1] + 1)


def test_this_process_own_commits_are_seen_at_once(app, sqlite_file):
    """A connection's own commit leaves its data_version alone: the process counts them."""
    before = pinned(app, SITE)
    with app.app_context(), app.test_request_context("/"):
        cache_versions.touch(SITE)
        db.session.commit()
    assert pinned(app, SITE) == (before[0] + 1,)
    with db.engine.begin() as connection:  # a bare connection's commit counts too
        connection.exec_driver_sql("UPDATE cache_versions SET value = value + 1 "
                                   "WHERE scope = 'site'")
    assert pinned(app, SITE) == (before[0] + 2,)


def test_a_commit_in_another_thread_is_seen_at_once(app, sqlite_file):
    """Each thread asks a connection of its own; another thread's commit moves it too."""
    import threading

    before = pinned(app, SCORES)
    seen_there = []

    def write_then_pin():
        raise_scores_elsewhere(sqlite_file)
        seen_there.append(pinned(app, SCORES))

    thread = threading.Thread(target=write_then_pin)
    thread.start()
    thread.join()
    assert seen_there == [(before[0] + 1,)]
    assert pinned(app, SCORES) == (before[0] + 1,)


# `while_unchanged`: what a member's request reads of their own, kept while nothing commits


def asked(app, key=("question",), answer=None):
    """One request's `while_unchanged(key, …)`: (its answer, whether it ran the read)."""
    ran = []

    def compute():
        ran.append(True)
        return answer if answer is not None else len(ran)

    with app.app_context(), app.test_request_context("/"):
        return cache_versions.while_unchanged(key, compute), bool(ran)


def test_an_answer_is_kept_while_nothing_commits(app, sqlite_file):
    assert asked(app, answer="first") == ("first", True)
    assert asked(app, answer="second") == ("first", False)
    assert asked(app, ("another question",), answer="other") == ("other", True)


def test_any_commit_asks_again(app, sqlite_file):
    """Another process's commit, this process's own, and one on a bare connection."""
    asked(app, answer="before")
    raise_scores_elsewhere(sqlite_file)
    assert asked(app, answer="after another's") == ("after another's", True)
    with app.app_context(), app.test_request_context("/"):
        cache_versions.touch(SCORES)
        db.session.commit()
    assert asked(app, answer="after our own") == ("after our own", True)
    with db.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE cache_versions SET value = value + 1 "
                                   "WHERE scope = 'scores'")
    assert asked(app, answer="after a bare one") == ("after a bare one", True)
    assert asked(app, answer="unchanged") == ("after a bare one", False)


def test_a_session_that_wrote_reads_for_itself(app, sqlite_file):
    """Its own uncommitted rows are not the committed state an answer is kept for: it
    neither takes a kept answer nor keeps its own."""
    from forum.auth.services import register_user

    asked(app, answer="committed")
    with app.app_context(), app.test_request_context("/"):
        register_user("pending", "pending@example.com", "a long enough password")
        db.session.flush()
        ran = []
        assert cache_versions.while_unchanged(("question",), lambda: ran.append(1) or "mine") \
            == "mine"
        assert ran
        db.session.rollback()
    assert asked(app, answer="later") == ("committed", False)


def test_without_caches_every_request_reads(make_app, sqlite_file):
    uncached = make_app(PAGE_CACHE_SECONDS=0, FRAGMENT_CACHE_SECONDS=0)
    assert asked(uncached, answer="one") == ("one", True)
    assert asked(uncached, answer="two") == ("two", True)


def test_a_thread_keeps_a_bounded_number_of_answers(app, sqlite_file, monkeypatch):
    """The store holds at most MEMOS_KEPT entries (a long quiet stretch of many members): the
    answers past it are read every time rather than kept, until a commit empties the store."""
    monkeypatch.setattr(cache_versions, "MEMOS_KEPT", 5)
    answers = [asked(app, (number,), answer=f"answer {number}") for number in range(8)]
    assert all(ran for _answer, ran in answers)
    again = [asked(app, (number,), answer="again") for number in range(8)]
    kept = [answer for answer, ran in again if not ran]
    assert 0 < len(kept) < 5 and kept == [f"answer {n}" for n in range(len(kept))]
    assert all(answer == "again" for answer, ran in again if ran)
    assert len(cache_versions._Watcher.of(db.engine).kept) <= 5


def test_another_process_commit_is_seen_by_the_next_request(app, sqlite_file):
    """The data_version is asked once a request: a request sees the database as it was when
    it first asked (as its kept versions do), and the next request sees the commit."""
    with app.app_context(), app.test_request_context("/"):
        first = cache_versions.while_unchanged(("q",), lambda: "before")
        raise_scores_elsewhere(sqlite_file)
        assert cache_versions.while_unchanged(("q",), lambda: "after") == first == "before"
    assert asked(app, ("q",), answer="after") == ("after", True)
