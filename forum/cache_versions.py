"""One invalidation scheme for every cache: versions, raised by the services that write.

Each cached thing (an anonymous page, a shared fragment of a member's page, a crowd history,
a scorecard) is keyed by the versions of the scopes it shows:

- `site`: what every page may show: members' names and roles, the articles, the navigation;
- `articles`: the articles' pages, their boards, lists and feeds, and the members' profiles
  (which list predictions with their figures); one scope for all articles, as the lists span
  them (the front page is whichever was published last);
- `prediction:<id>`: one prediction's page and its API objects;
- `scores`: the leaderboard, the profiles' scores, the scorecards.

A service that changes what a scope shows calls `touch(scope, …)` inside its transaction, and
one statement raises those counters just before the transaction commits, so the change and
its new versions become visible together, on every server. A write that no cached page shows
(a member's settings, a login's time stamp) says so with `unseen()`; one that writes only
tables no cached page shows (notifications, reports, the audit log, email deliveries, login
sessions, tokens) needn't. A transaction
that wrote without saying either raises every page's versions (`site`) and logs it; in tests
(`CACHE_VERSIONS_STRICT`) a request that does so fails, so a new write path cannot forget.

Readers take the versions before the data (`read`): a write that commits in between then
leaves a cache entry under versions nobody asks for again, never old data under new ones.
A request reads them once (`pinned`), and each process and thread keeps what it read while
the database is unchanged, asking only whether it changed: on SQLite `PRAGMA data_version`,
asked on a connection of its own that never writes, which moves when any connection of any
process commits (this process also counts its own commits); on PostgreSQL
`pg_current_snapshot()`, asked on a connection of its own in autocommit, which changes when
any transaction that wrote ends, on any server. So a cached page's hit reads no table and
takes no pooled connection while nothing is written, and every write is seen at once.
"""

import logging
import os
import sqlite3
import threading
import weakref
from collections.abc import Callable
from typing import TypeVar

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import bindparam, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from forum.extensions import db
from forum.models import CacheVersion

SITE = "site"
SCORES = "scores"
ARTICLES = "articles"
_SCOPES = "cache_scopes"  # session.info: the scopes this transaction touched (a set)
_UNSEEN = "cache_unseen"  # session.info: it declared its writes unseen
_WROTE = "cache_wrote"  # session.info: the tables it wrote
_INTERNAL = "cache_versions_internal"
_CHANGED = "cache_changed"  # session.info: this commit carries writes (counted in _Commits)
# Tables no cached page shows (members' own pages and the moderators' are never cached): a
# transaction that writes only these needs no declaration.
UNSEEN_TABLES = frozenset({"notifications", "flags", "audit_log", "email_deliveries",
                           "data_exports", "login_sessions", "api_tokens"})
log = logging.getLogger(__name__)

_READ = text("SELECT scope, value FROM cache_versions WHERE scope IN :scopes").bindparams(
    bindparam("scopes", expanding=True))
T = TypeVar("T")
_WHEN = object()  # the key, among the scopes, of (data_version, this process's commits)
_UNSET = object()
_FAILED = object()  # a watcher that could not ask the database


def prediction(prediction_id: int) -> str:
    return f"prediction:{prediction_id}"


def of_prediction(prediction_id: int) -> tuple[str, ...]:
    """What a change to one prediction (its figures, forecasts, votes, comments) shows on: its
    page, and the lists and profiles that show it."""
    return prediction(prediction_id), ARTICLES


def touch(*scopes: str) -> None:
    """Raise these scopes' versions when the current transaction commits."""
    db.session.info.setdefault(_SCOPES, set()).update(scopes)


def unseen() -> None:
    """Declare that the current transaction's writes show on no cached page (a `touch` in
    the same transaction still counts)."""
    db.session.info[_UNSEEN] = True


def read(*scopes: str) -> tuple[int, ...]:
    """The current versions of these scopes, in order (0 for one never raised); one query."""
    wanted = list(dict.fromkeys(scopes))
    rows = dict(db.session.connection().execute(_READ, {"scopes": wanted}).all())
    return tuple(rows.get(scope, 0) for scope in scopes)


def _bump(session: Session, scopes: set[str]) -> None:
    """Raise each scope by one in one statement (an upsert: a scope's first raise makes its
    row; the rows are taken in sorted order, so two writers never wait on each other in a
    cycle)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(CacheVersion).values([{"scope": scope, "value": 1}
                                             for scope in sorted(scopes)])
    statement = statement.on_conflict_do_update(
        index_elements=[CacheVersion.scope], set_={"value": CacheVersion.value + 1})
    session.execute(statement, execution_options={_INTERNAL: True})


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT: the transaction goes on
        return
    session.flush()  # commit() calls this hook before its own final flush
    scopes = session.info.pop(_SCOPES, set())
    unseen_writes = session.info.pop(_UNSEEN, False)
    wrote = session.info.pop(_WROTE, set())
    if wrote or scopes or unseen_writes:
        session.info[_CHANGED] = True
    wrote -= UNSEEN_TABLES
    if wrote and not scopes and not unseen_writes:
        scopes = {SITE}
        _undeclared(wrote)
    if scopes:
        _bump(session, scopes)


def _undeclared(tables: set[str]) -> None:
    where = ""
    if has_request_context():
        from flask import request

        where = f" in {request.method} {request.path}"
        if current_app.config.get("CACHE_VERSIONS_STRICT"):
            raise RuntimeError(f"A write to {', '.join(sorted(tables))}{where} declared no "
                               "cache scope: call cache_versions.touch(…) or unseen()")
    if has_app_context():
        log.warning("A write to %s%s declared no cache scope: every page's versions raised",
                    ", ".join(sorted(tables)), where)


def _mark_flush(session: Session, _context) -> None:
    for instance in (*session.new, *session.dirty, *session.deleted):
        session.info.setdefault(_WROTE, set()).add(instance.__table__.name)


def _mark_statement(state) -> None:
    if state.execution_options.get(_INTERNAL):
        return
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        state.session.info.setdefault(_WROTE, set()).add(getattr(table, "name", "?"))


def _forget(session: Session, previous_transaction) -> None:
    """A rolled-back transaction's marks go; a SAVEPOINT's rollback leaves the enclosing
    transaction's (its other writes are still there)."""
    if previous_transaction.nested:
        return
    for key in (_SCOPES, _UNSEEN, _WROTE, _CHANGED):
        session.info.pop(key, None)


def _after_commit(session: Session) -> None:
    """Count a commit that wrote (one that wrote nothing changes nothing kept)."""
    if session.info.pop(_CHANGED, False):
        _Commits.add()


_SESSION_CONNECTIONS: "weakref.WeakSet" = weakref.WeakSet()  # counted by _after_commit


def _after_begin(_session: Session, _transaction, connection) -> None:
    _SESSION_CONNECTIONS.add(connection)


def _bare_commit(connection) -> None:
    """Count a commit made on a connection no session owns (`engine.begin()`)."""
    if connection not in _SESSION_CONNECTIONS:
        _Commits.add()


class _Commits:
    """This process's commits so far (a connection's own don't move its data_version)."""

    count = 0
    _lock = threading.Lock()

    @classmethod
    def add(cls, *_args) -> None:
        with cls._lock:
            cls.count += 1


def install() -> None:
    """Listen on every session once: detect writes, raise the touched versions at commit;
    count this process's commits (a session's, or one made on a bare connection)."""
    if not event.contains(Session, "before_commit", _before_commit):
        event.listen(Session, "after_flush", _mark_flush)
        event.listen(Session, "do_orm_execute", _mark_statement)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_soft_rollback", _forget)
        event.listen(Session, "after_begin", _after_begin)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Engine, "commit", _bare_commit)


def pinned(*scopes: str) -> tuple[int, ...]:
    """`read`, once per request: the versions this request's caches are keyed by."""
    if not has_request_context():
        return read(*scopes)
    memo = g.setdefault("cache_versions", {})
    if scopes not in memo:
        memo[scopes] = _read_or_kept(scopes)
    return memo[scopes]


def _read_or_kept(scopes: tuple[str, ...]) -> tuple[int, ...]:
    """`read`, or what this process and thread read before when the database has not changed
    since (see the module's notes); without a cache there is no hit to spare a read, and
    every request reads. A session that wrote reads its own (uncommitted) versions."""
    if not _keeps_answers():
        return read(*scopes)
    watcher = _Watcher.of(db.engine)
    if watcher is None:
        return read(*scopes)
    kept, usable = watcher.current()
    if not usable or (db.session.registry.has() and _wrote(db.session())):
        return read(*scopes)
    missing = [scope for scope in dict.fromkeys(scopes) if scope not in kept]
    if missing:
        answer = watcher.read_versions(missing)
        if answer is None:  # the watcher's connection failed: the session says why
            return read(*scopes)
        values, unchanged = answer
        if not unchanged:
            # Something committed since this request asked: what it kept is older than these
            # versions, and must not be stored under them (a member's votes in a page kept
            # under the new versions, say). From here on the request keeps and takes nothing.
            if has_request_context():
                g.data_version_first = False
            return read(*scopes)
        kept.update(zip(missing, values, strict=True))
    return tuple(kept[scope] for scope in scopes)


class _Watcher:
    """A SQLite connection of this process and thread, beside the pool, that only asks
    `PRAGMA data_version`, with the versions and answers read while it answered the same
    (PostgreSQL's is `_SnapshotWatcher`, below).

    It never writes, so every commit moves its data_version, another process's and this
    one's alike; and a request whose versions are unchanged (a cached page's hit) checks out
    no pooled connection and begins no transaction. The versions themselves are read through
    the request's session, which sees what its own transaction wrote; a commit inside an
    enclosing transaction (the tests' rolled-back one) moves no data_version but is counted
    by `_Commits`, which the key holds too."""

    _local = threading.local()

    def __init__(self, engine: Engine):
        self.connection = self._connect(engine)
        self.pid = os.getpid()
        self.kept: dict = {}
        self.asked = None  # (commits, data_version) of the current request's ask

    def _connect(self, engine: Engine):
        arguments, options = engine.dialect.create_connect_args(engine.url)
        connection = sqlite3.connect(*arguments, **options)
        connection.isolation_level = None  # autocommit: it never holds a snapshot
        return connection

    @classmethod
    def of(cls, engine: Engine) -> "_Watcher | None":
        """This thread's watcher of the engine's database (made on first use, and again in a
        forked process): a SQLite file's, or PostgreSQL's (`_SnapshotWatcher`); None for an
        in-memory database, or a session bound to a connection of its own (the tests'
        rolled-back transaction, whose rows only that connection sees)."""
        if engine.dialect.name == "postgresql":
            bound = db.session.session_factory.kw.get("bind")
            if (bound is not None and bound is not engine) or (
                    has_request_context() and g.get("watcher_failed")):
                return None
            try:
                return _thread_instance(_Watcher._local, engine, _SnapshotWatcher)
            except Exception:  # no connection: the session's read says why
                log.debug("no snapshot watcher", exc_info=True)
                if has_request_context():
                    g.watcher_failed = True  # one wait for the connection a request, not several
                return None
        if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
            return None
        return _thread_instance(cls._local, engine, cls)

    def data_version(self):
        """What changes whenever the database does (PostgreSQL's watcher answers `_FAILED`
        when it could not ask)."""
        return self.connection.execute("PRAGMA data_version").fetchone()[0]

    def read_versions(self, scopes: list[str]) -> tuple[tuple[int, ...], bool] | None:
        """The versions, through the request's session (which sees what its own transaction
        wrote), and whether the database is still as it was when this request asked; None
        when they could not be read here."""
        values = read(*scopes)
        return values, (_Commits.count, self.data_version()) == self.asked

    def current(self) -> tuple[dict, bool]:
        """What this thread keeps for the database as it is now (emptied first when anything
        committed since it was last asked), and whether this request may use and add to it.

        Another process's commits are asked about once a request, and the answer holds for the
        request only if it came before its session's snapshot: SQLite's transaction sees the
        database as of its first read, so a session that had read before the data_version was
        asked may hold rows older than it. Such a request reads for itself (its versions too,
        in its own snapshot) and keeps nothing."""
        if has_request_context():
            state = g._get_current_object()
            data_version = state.get("data_version")
            if data_version is None:
                state.data_version_first = not _has_read()
                data_version = state.data_version = self.data_version()
            usable = state.data_version_first
        else:
            usable = not _has_read()
            data_version = self.data_version()
        if data_version is _FAILED:  # nothing is known of the database: keep nothing
            return {}, False
        when = self.asked = (_Commits.count, data_version)
        kept = self.kept
        if kept.get(_WHEN) != when:
            kept.clear()
            kept[_WHEN] = when
        return kept, usable


class _SnapshotWatcher(_Watcher):
    """PostgreSQL's watcher: a connection of this process and thread, detached from the pool
    and in autocommit, that asks `pg_current_snapshot()` and reads the versions (with the
    snapshot they were read in), one round trip each.

    A snapshot (xmin:xmax:the ids in progress) is exactly which transactions a statement
    would see as committed, so it changes when, and only when, a transaction that wrote (and
    so took an id) ends on any server: what SQLite's data_version says, for every server of
    the database at once (an aborted transaction changes it too, which only costs a read).
    The request's session runs in READ COMMITTED, so what it reads after the snapshot was
    asked is at least as new as the snapshot: an answer kept under it is never older than
    what it stands for. Through the session the versions took four round trips (the pool's
    ping at checkout, BEGIN, the read, the rollback at teardown), most of a cached page's
    hit, and a member's own reads a dozen more. Any error drops the connection and the
    request reads through its session, which answers a database that went away as every
    request does (the 503 page) and replaces killed connections; the next request makes a
    new watcher."""

    # The versions, and the snapshot they were read in (one statement, so one snapshot).
    _SQL = ("SELECT asked.snapshot, versions.scope, versions.value"
            " FROM (SELECT pg_current_snapshot()::text AS snapshot) AS asked"
            " LEFT JOIN cache_versions AS versions ON versions.scope = ANY(%s)")

    def _connect(self, engine: Engine):
        self.engine = weakref.ref(engine)  # the thread's store must not keep it alive
        pooled = engine.raw_connection()
        pooled.detach()  # closed with this object, not returned: the pool's size is the requests'
        connection = pooled.dbapi_connection
        connection.autocommit = True
        return connection

    def data_version(self):
        try:
            return self.connection.execute("SELECT pg_current_snapshot()::text").fetchone()[0]
        except Exception:  # noqa: BLE001 (any failure: the session's read says what it is)
            self._drop()
            return _FAILED

    def read_versions(self, scopes: list[str]) -> tuple[tuple[int, ...], bool] | None:
        try:
            rows = self.connection.execute(self._SQL, [scopes]).fetchall()
        except Exception:  # noqa: BLE001
            self._drop()
            return None
        found = {scope: value for _snapshot, scope, value in rows if scope is not None}
        values = tuple(found.get(scope, 0) for scope in scopes)
        return values, (_Commits.count, rows[0][0]) == self.asked

    def _drop(self) -> None:
        instances = getattr(_Watcher._local, "instances", {})
        engine = self.engine()
        if engine is not None and instances.get(engine) is self:
            del instances[engine]
        if has_request_context():
            g.watcher_failed = True  # one wait for the connection a request, not several
        self.kept = {}
        try:
            self.connection.close()
        except Exception:  # a dead connection may fail to close
            log.debug("closing a dead watcher", exc_info=True)


def _thread_instance(holder: threading.local, engine: Engine, make: Callable[[Engine], T]) -> T:
    """This thread's object for the engine (a watcher, a reader): made on first use, and
    again in a forked process, whose parent's connection it must not share."""
    instances = getattr(holder, "instances", None)
    if instances is None:
        instances = holder.instances = weakref.WeakKeyDictionary()
    instance = instances.get(engine)
    if instance is None or instance.pid != os.getpid():
        instance = instances[engine] = make(engine)
    return instance


def forget_kept() -> None:
    """Drop what this thread keeps for the database as it is: a rolled-back transaction (a
    test's) takes its rows away without a commit that would tell."""
    for watcher in getattr(_Watcher._local, "instances", {}).values():
        watcher.kept.clear()


MEMOS_KEPT = 4_000  # answers a thread keeps while the database is unchanged (a few a request)


def while_unchanged(key: tuple, compute: Callable[[], T],
                    keep: Callable[[T], bool] = lambda _value: True) -> T:
    """`compute()`, or what it answered before in this process and thread when the database
    has not changed since (`key` names the question and everything it depends on besides the
    data: it must be a pure read of committed rows).

    For what every request of a member reads of their own before anything else (their login
    session, their unread count): while nothing is written, the next request asks the same
    and gets the same, without a pooled connection. Any commit, by any process, empties it
    (`_Watcher.current`). Only on a SQLite file or PostgreSQL with the caches on (elsewhere,
    and in a session bound to a connection of its own, `compute()` every time), and only
    while this request's session has written nothing (its own uncommitted rows are not the
    committed state the answer is kept for) and had read nothing before the request first
    asked (`_Watcher.current`). An answer `keep` refuses is not kept
    (a login that matched no session: forged cookies would fill the store)."""
    watcher = _request_watcher()
    if watcher is None or (db.session.registry.has() and _wrote(db.session())):
        return compute()
    kept, usable = watcher.current()  # asked before compute(): a commit meanwhile empties it
    if not usable:
        return compute()
    memo = ("memo", *key)
    if memo in kept:
        return kept[memo]
    value = compute()
    if len(kept) < MEMOS_KEPT and keep(value):
        kept[memo] = value
    return value


def _request_watcher() -> "_Watcher | None":
    """The watcher `while_unchanged` keeps answers with (None: it keeps none), looked up once a
    request: a member's page asks several questions, each looking it up through the app."""
    if not has_request_context():
        return _Watcher.of(db.engine) if _keeps_answers() else None
    state = g._get_current_object()
    watcher = state.get("answers_watcher", _UNSET)
    if watcher is _UNSET:
        watcher = state.answers_watcher = _Watcher.of(db.engine) if _keeps_answers() else None
    return watcher


def _has_read() -> bool:
    """Whether this request's session has begun its transaction (without making a session
    when there is none: a cached page's hit never needs one)."""
    return db.session.registry.has() and db.session().in_transaction()


def _wrote(session: Session) -> bool:
    """Whether the session's transaction holds writes of its own (flushed or not)."""
    return bool(session.info.get(_WROTE) or session.new or session.dirty or session.deleted)


def _keeps_answers() -> bool:
    config = current_app.config
    return config.get("PAGE_CACHE_SECONDS", 0) > 0 or config.get("FRAGMENT_CACHE_SECONDS", 0) > 0
