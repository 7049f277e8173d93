"""The versions a request pins (forum.cache_versions.pinned) and the answers it keeps
(`while_unchanged`): each process and thread keeps what it read while the database is
unchanged (SQLite's data_version, PostgreSQL's snapshot), so a cached page's hit reads no
table, and a commit anywhere (another process's, another connection's, this process's own, in
any thread) is seen by the next request."""

import pytest
from sqlalchemy.dialects import postgresql

from forum import cache_versions
from forum.cache_versions import SCORES, SITE
from forum.extensions import db
from forum.models import CacheVersion
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
        pytest.skip("SQLite's statements: PostgreSQL reads the versions beside the engine")
    return db.engine.url.database


def test_without_a_page_cache_every_request_reads(make_app, app):
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


def raise_scores_elsewhere(app) -> None:
    """Raise `scores` as another process would: on a driver's connection of its own, so
    SQLAlchemy sees nothing of it."""
    with app.app_context():
        other = db.engine.raw_connection()
    try:
        other.cursor().execute(
            "INSERT INTO cache_versions (scope, value) VALUES ('scores', 1) "
            "ON CONFLICT (scope) DO UPDATE SET value = cache_versions.value + 1")
        other.commit()
    finally:
        other.close()


def test_a_commit_by_another_connection_is_seen_at_once(app):
    before = pinned(app, SITE, SCORES)
    raise_scores_elsewhere(app)
    assert pinned(app, SITE, SCORES) == (before[0], before[1] + 1)


def test_this_process_own_commits_are_seen_at_once(app):
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


def test_a_commit_in_another_thread_is_seen_at_once(app):
    """Each thread asks a connection of its own; another thread's commit moves it too."""
    import threading

    before = pinned(app, SCORES)
    seen_there = []

    def write_then_pin():
        raise_scores_elsewhere(app)
        seen_there.append(pinned(app, SCORES))

    thread = threading.Thread(target=write_then_pin)
    thread.start()
    thread.join()
    assert seen_there == [(before[0] + 1,)]
    assert pinned(app, SCORES) == (before[0] + 1,)


# `while_unchanged`: what a member's request reads of their own, kept while nothing commits


class Asked(tuple):
    """(the answer, whether the read ran), and whether the database changed, as seen from a
    connection of the test's own, between the previous ask and the end of this one
    (`moved`)."""

    ran = property(lambda self: self[1])
    moved: bool = False


_OUTSIDE: dict = {"connection": None, "before": None}


@pytest.fixture(autouse=True)
def _outside_connection():
    yield
    if _OUTSIDE["connection"] is not None:
        _OUTSIDE["connection"].close()
    _OUTSIDE.update(connection=None, before=None)


def server_snapshot(app) -> str | None:
    """PostgreSQL's snapshot, read on a connection of the test's own (not the watcher's, whose
    word the tests check); None on SQLite, where no other test worker writes to the file."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return None
        if _OUTSIDE["connection"] is None:
            pooled = db.engine.raw_connection()
            pooled.detach()
            _OUTSIDE["connection"] = pooled.dbapi_connection
            _OUTSIDE["connection"].autocommit = True
    return _OUTSIDE["connection"].execute("SELECT pg_current_snapshot()::text").fetchone()[0]


def asked(app, key=("question",), answer=None) -> Asked:
    """One request's `while_unchanged(key, …)`."""
    ran = []

    def compute():
        ran.append(True)
        return answer if answer is not None else len(ran)

    before = server_snapshot(app)
    with app.app_context(), app.test_request_context("/"):
        result = Asked((cache_versions.while_unchanged(key, compute), bool(ran)))
    after = server_snapshot(app)
    result.moved = _OUTSIDE["before"] is not None and _OUTSIDE["before"] != after
    _OUTSIDE["before"] = before
    return result


def kept(result: Asked, answer) -> bool:
    """The kept answer came back; or the read ran again because the database changed. Only
    the other test workers can change it meanwhile, on PostgreSQL, whose snapshot is the
    whole server's (their databases' writes move it: a read more, never a stale answer)."""
    return tuple(result) == (answer, False) or (result.ran and result.moved)


def test_an_answer_is_kept_while_nothing_commits(app):
    assert asked(app, answer="first") == ("first", True)
    assert kept(asked(app, answer="second"), "first")
    assert asked(app, ("another question",), answer="other") == ("other", True)


def test_any_commit_asks_again(app):
    """Another process's commit, this process's own, and one on a bare connection."""
    asked(app, answer="before")
    raise_scores_elsewhere(app)
    assert asked(app, answer="after another's") == ("after another's", True)
    with app.app_context(), app.test_request_context("/"):
        cache_versions.touch(SCORES)
        db.session.commit()
    assert asked(app, answer="after our own") == ("after our own", True)
    with db.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE cache_versions SET value = value + 1 "
                                   "WHERE scope = 'scores'")
    assert asked(app, answer="after a bare one") == ("after a bare one", True)
    assert kept(asked(app, answer="unchanged"), "after a bare one")


def test_a_session_that_wrote_reads_for_itself(app):
    """Its own uncommitted rows are not the committed state an answer is kept for: it
    neither takes a kept answer nor keeps its own."""
    from forum.auth.services import register_user

    asked(app, answer="committed")
    with app.app_context(), app.test_request_context("/"):
        cache_versions.while_unchanged(("first",), lambda: 0)  # asked before any read
        register_user("pending", "pending@example.com", "a long enough password")
        db.session.flush()
        ran = []
        assert cache_versions.while_unchanged(("question",), lambda: ran.append(1) or "mine") \
            == "mine"
        assert ran
        db.session.rollback()
    # Nothing was committed: SQLite's data_version stands still; on PostgreSQL the rolled-back
    # writer ended, which changes the snapshot and costs one read.
    kept_through_rollback = db.engine.dialect.name == "sqlite"
    assert asked(app, answer="later") == (
        ("committed", False) if kept_through_rollback else ("later", True))


def test_without_caches_every_request_reads(make_app, app):
    uncached = make_app(PAGE_CACHE_SECONDS=0, FRAGMENT_CACHE_SECONDS=0)
    assert asked(uncached, answer="one") == ("one", True)
    assert asked(uncached, answer="two") == ("two", True)


def test_a_thread_keeps_a_bounded_number_of_answers(app, monkeypatch):
    """The store holds at most MEMOS_KEPT entries (a long quiet stretch of many members): the
    answers past it are read every time rather than kept, until a commit empties the store."""
    monkeypatch.setattr(cache_versions, "MEMOS_KEPT", 5)
    answers = [asked(app, (number,), answer=f"answer {number}") for number in range(8)]
    assert all(ran for _answer, ran in answers)
    again = [asked(app, (number,), answer="again") for number in range(8)]
    held = [answer for answer, ran in again if not ran]
    if not any(result.moved for result in answers[1:] + again):  # see `kept`
        assert 0 < len(held) < 5 and held == [f"answer {n}" for n in range(len(held))]
    assert all(answer == "again" for answer, ran in again if ran)
    assert len(cache_versions._Watcher.of(db.engine).kept) <= 5


def test_a_commit_after_the_request_asked_is_not_mixed_with_what_it_kept(app):
    """A request that finds a commit made since it asked, when it reads versions it did not
    keep, takes no kept answer from then on: those answers are older than the versions, and
    a page filled with them would be kept under the new ones."""
    asked(app, answer="before the commit")
    with app.app_context(), app.test_request_context("/"):
        cache_versions.while_unchanged(("question",), lambda: "before the commit")
        raise_scores_elsewhere(app)
        versions = cache_versions.pinned(SCORES)  # not kept: read now, after the commit
        assert cache_versions.while_unchanged(("question",), lambda: "read again") \
            == "read again"
    assert pinned(app, SCORES) == versions


def test_another_process_commit_is_seen_by_the_next_request(app):
    """The data_version is asked once a request: a request sees the database as it was when
    it first asked (as its kept versions do), and the next request sees the commit."""
    with app.app_context(), app.test_request_context("/"):
        first = cache_versions.while_unchanged(("q",), lambda: "before")
        raise_scores_elsewhere(app)
        assert cache_versions.while_unchanged(("q",), lambda: "after") == first == "before"
    assert asked(app, ("q",), answer="after") == ("after", True)


# PostgreSQL: the snapshot and the versions are read on a held autocommit connection, one
# round trip a hit


@pytest.fixture
def postgres(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the snapshot watcher is PostgreSQL's (SQLite asks its data_version)")


def writing_transaction(app, name: str):
    """A driver's connection of its own with a transaction that wrote (so holds an id) and is
    still open."""
    with app.app_context():
        connection = db.engine.raw_connection()
    connection.cursor().execute(
        "INSERT INTO cache_versions (scope, value) VALUES (%s, 1) ON CONFLICT (scope) "
        "DO UPDATE SET value = cache_versions.value + 1", [name])
    return connection


def test_a_transaction_that_began_earlier_is_seen_when_it_commits(app, postgres):
    """The snapshot, not only its highest id: a writer that took its id before another one
    committed moves nothing but the list of those in progress when it commits itself."""
    earlier = writing_transaction(app, "test:earlier")
    later = writing_transaction(app, "test:later")
    try:
        assert asked(app, answer="both open") == ("both open", True)
        assert kept(asked(app, answer="unchanged"), "both open")
        later.commit()
        assert asked(app, answer="later committed") == ("later committed", True)
        earlier.commit()
        assert asked(app, answer="earlier committed") == ("earlier committed", True)
        assert kept(asked(app, answer="unchanged"), "earlier committed")
    finally:
        earlier.close()
        later.close()


def test_an_open_writer_changes_nothing_until_it_ends(app, postgres):
    """Taking an id commits nothing: answers stay kept until the writer ends (a rollback
    asks again too, which costs one read)."""
    asked(app, answer="kept")
    writer = writing_transaction(app, "test:open")
    try:
        assert kept(asked(app, answer="new"), "kept")
        writer.rollback()
        assert asked(app, answer="after the rollback") == ("after the rollback", True)
    finally:
        writer.close()


def test_postgresql_reads_the_versions_beside_the_pool(app, postgres):
    """No statement runs through the engine (no checkout, no BEGIN, no rollback), and a
    commit by another connection is seen by the next request."""
    before = pinned(app, SITE, SCORES)
    with statements_run() as seen:
        assert pinned(app, SITE, SCORES) == before
    assert seen == []
    with db.engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO cache_versions (scope, value) VALUES "
                                   "('scores', 1) ON CONFLICT (scope) DO UPDATE "
                                   "SET value = cache_versions.value + 1")
    assert pinned(app, SITE, SCORES) == (before[0], before[1] + 1)


def test_a_killed_reader_is_replaced_and_the_request_still_answers(app, postgres):
    """The server ends every other connection (a restart, an administrator): the request
    reads through the session instead (the pool replaces its own dead connections), and the
    next request makes a new reader."""
    from sqlalchemy import text as sql_text

    client = app.test_client()
    first = pinned(app, SITE)
    with db.engine.connect() as killer:
        killer.execute(sql_text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        killer.commit()
    assert pinned(app, SITE) == first
    assert client.get("/leaderboard/rules").status_code == 200
    with statements_run() as seen:
        assert pinned(app, SITE) == first
    assert seen == []


def test_a_session_that_wrote_reads_its_own_versions(app, postgres):
    """A request that raised a version in its own transaction sees it before committing."""
    before = pinned(app, SITE)
    with app.app_context(), app.test_request_context("/"):
        db.session.execute(postgresql.insert(CacheVersion).values(scope=SITE, value=1)
                           .on_conflict_do_update(index_elements=[CacheVersion.scope],
                                                  set_={"value": CacheVersion.value + 1}))
        cache_versions.unseen()
        assert cache_versions.pinned(SITE) == (before[0] + 1,)
        db.session.rollback()


def test_a_request_that_read_before_asking_keeps_nothing(app):
    """SQLite's transaction sees the database as of its first read: a request whose session
    read before the data_version was first asked may hold rows older than it, so it reads
    its answers and its versions for itself and keeps none of them."""
    from sqlalchemy import select

    from forum.models import User

    before = pinned(app, SITE)
    with app.app_context(), app.test_request_context("/"):
        db.session.execute(select(User.id).limit(1))  # the snapshot begins
        ran = []
        assert cache_versions.while_unchanged(("late",), lambda: ran.append(1) or "mine") \
            == "mine"
        assert ran
        with statements_run() as seen:
            assert cache_versions.pinned(SITE) == before
        assert reads_table(seen)
    assert asked(app, ("late",), answer="next") == ("next", True)


def test_a_commit_that_wrote_nothing_keeps_every_answer(app):
    asked(app, answer="kept")
    with app.app_context(), app.test_request_context("/"):
        db.session.execute(db.select(CacheVersion.scope).limit(1))
        db.session.commit()
    assert kept(asked(app, answer="new"), "kept")


def test_a_savepoint_rolled_back_leaves_the_transaction_marked_as_written(app):
    """Its other writes are still in the transaction: no kept answer stands for it."""
    from forum.auth.services import register_user

    asked(app, answer="committed")
    with app.app_context(), app.test_request_context("/"):
        cache_versions.while_unchanged(("first",), lambda: 0)  # asked before any read
        register_user("pending", "pending@example.com", "a long enough password")
        db.session.flush()
        savepoint = db.session.begin_nested()
        db.session.execute(db.select(CacheVersion.scope).limit(1))
        savepoint.rollback()
        ran = []
        assert cache_versions.while_unchanged(("question",), lambda: ran.append(1) or "mine") \
            == "mine"
        assert ran
        db.session.rollback()


def test_an_answer_keep_refuses_is_read_every_time(app):
    """A login that matched no session is not kept: forged keys would fill the store."""
    reads = []

    def read_nothing():
        reads.append(1)

    for _ in range(2):
        with app.app_context(), app.test_request_context("/"):
            assert cache_versions.while_unchanged(
                ("none",), read_nothing, keep=lambda value: value is not None) is None
    assert len(reads) == 2
