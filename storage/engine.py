"""Engines and sessions for both backends, and the mapping of driver failures to ours.

SQLite gets WAL (readers never block the writer), enforced foreign keys and a busy
timeout; PostgreSQL gets pre-ping (a restarted server is noticed on checkout) and a short
connect timeout (an unreachable server sends results to the spool quickly, not after minutes).
Every transaction waits for another process's lock at most its lock timeout (SQLite's
busy_timeout, PostgreSQL's lock_timeout): writes `BUSY_TIMEOUT_MS` (off the schedule, in the
robot's writer thread), reads `READ_TIMEOUT_MS`, so a locked database is a quick StorageBusy.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from storage.errors import (
    StorageBusy,
    StorageConflict,
    StorageError,
    StorageFull,
    StorageUnavailable,
)

BUSY_TIMEOUT_MS = 10_000  # writes wait this long for another process's lock
READ_TIMEOUT_MS = 2_000  # reads (commands, dashboard, alert rules) give up sooner
CONNECT_TIMEOUT_S = 5
BUSY_MESSAGE = "database busy (locked by another process): try again"

_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_FULL = 5, 6, 13
_PG_LOCK_NOT_AVAILABLE, _PG_DISK_FULL = "55P03", "53100"
# deadlock_detected, serialization_failure: the server rolled the transaction back
_PG_CONFLICTS = ("40P01", "40001")

# Driver failures that mean "the database cannot be reached right now" (retry later).
UNAVAILABLE = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
)


def make_engine(url: str) -> Engine:
    """The engine for `url`; an unknown database, a missing driver or a malformed URL is a
    StorageError naming only the URL's scheme (never its password)."""
    try:
        return _make_engine(url)
    except (ImportError, sa_exc.ArgumentError) as exc:  # NoSuchModuleError is an ArgumentError
        scheme = url.split("://", 1)[0] if "://" in url else url[:20]
        raise StorageError(
            f"database URL {scheme}://...: {_first_line(exc)} (Ronde stores into SQLite or "
            "PostgreSQL: expected sqlite:///path/ronde.db or postgresql+psycopg://user@host/db)"
        ) from exc


def _make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        in_memory = parsed.database in (None, "", ":memory:")
        if not in_memory:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)  # type: ignore[arg-type]
        engine = create_engine(
            parsed,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            # one shared connection, or each would see its own empty in-memory database
            **({"poolclass": StaticPool} if in_memory else {}),
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_S
    own_options = parsed.get_backend_name() == "postgresql" and "options" not in parsed.query
    if own_options:
        # timestamps come back in UTC whatever the server's zone: read as they are, where
        # another zone costs a conversion per value (2 400 on the overview's strips); the
        # connection waits on a lock as a read does, so a read transaction sets nothing
        connect_args["options"] = f"-c TimeZone=UTC -c lock_timeout={READ_TIMEOUT_MS}"
    engine = create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
    if parsed.get_backend_name() == "postgresql":
        event.listen(engine, "begin", _postgres_begin_beyond_reads if own_options
                     else _postgres_begin)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy, not pysqlite, emits BEGIN (see _sqlite_begin): SQLAlchemy's documented
    # recipe, which also gives Alembic real transactional DDL on SQLite.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    _wal(cursor)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _wal(cursor: Any) -> None:
    """Switch the file to WAL (once per file; a no-op after). Robots opening a new file at
    once race for the lock the switch takes, and SQLite may answer "locked" at once instead
    of waiting its busy timeout: retry within that timeout, then let the error speak."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(0.01)


def _sqlite_begin(connection: Connection) -> None:
    """Write transactions start IMMEDIATE: they take the write lock up front and wait for it
    (busy timeout), instead of failing with SQLITE_BUSY when a read upgrades to a write."""
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"PRAGMA busy_timeout={_lock_timeout_ms(connection)}")
    connection.exec_driver_sql(f"BEGIN {mode}")


def _postgres_begin(connection: Connection) -> None:
    """A table locked by another session (LOCK TABLE) fails the statement after the lock
    timeout, instead of waiting for ever."""
    connection.exec_driver_sql(f"SET LOCAL lock_timeout = {_lock_timeout_ms(connection)}")


def _postgres_begin_beyond_reads(connection: Connection) -> None:
    """`_postgres_begin` on a connection that already waits READ_TIMEOUT_MS: only a write or
    an explicit timeout sets its own (a round trip less for each of a page's reads)."""
    timeout = _lock_timeout_ms(connection)
    if timeout != READ_TIMEOUT_MS:
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {timeout}")


def _lock_timeout_ms(connection: Connection) -> int:
    """The transaction's `lock_timeout_ms` option, else by kind: writes (IMMEDIATE) wait
    longer than reads."""
    options = connection.get_execution_options()
    if "lock_timeout_ms" in options:
        return max(int(options["lock_timeout_ms"]), 1)
    return BUSY_TIMEOUT_MS if options.get("sqlite_begin") == "IMMEDIATE" else READ_TIMEOUT_MS


def safe_url(url: str) -> str:
    """The URL with its password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


class Database:
    """An engine and its session factory. Storage functions take this, callers never do."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._writer = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self.sessions = sessionmaker(self._writer, expire_on_commit=False)
        self.readers = sessionmaker(self.engine, expire_on_commit=False)
        self._reading: ContextVar[Session | None] = ContextVar(f"reading-{id(self)}",
                                                               default=None)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self, *, lock_timeout_ms: int | None = None) -> Iterator[Session]:
        """A write transaction (waits `lock_timeout_ms`, default BUSY_TIMEOUT_MS, for another
        process's lock); driver failures become storage errors."""
        sessions = self.sessions if lock_timeout_ms is None else sessionmaker(
            self._writer.execution_options(lock_timeout_ms=lock_timeout_ms),
            expire_on_commit=False,
        )
        with translate_errors(self.url), sessions.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction: never takes SQLite's write lock (WAL readers go on while
        another process writes), and gives up after READ_TIMEOUT_MS on a lock. A read opened
        inside another (same thread or task) joins it: a page that wraps its ~15 reads in
        one pays one BEGIN and one connection checkout, and on SQLite reads one snapshot."""
        outer = self._reading.get()
        if outer is not None:
            with translate_errors(self.url):
                yield outer
            return
        with translate_errors(self.url), self.readers.begin() as session:
            token = self._reading.set(session)
            try:
                yield session
            finally:
                self._reading.reset(token)

    def dispose(self) -> None:
        self.engine.dispose()


@contextmanager
def translate_errors(url: str) -> Iterator[None]:
    try:
        yield
    except UNAVAILABLE as exc:
        raise unavailable(url, exc) from exc
    except sa_exc.IntegrityError:
        raise  # callers turn these into domain errors (duplicates)
    except sa_exc.SQLAlchemyError as exc:
        raise StorageError(f"database {safe_url(url)}: {_first_line(exc)}") from exc


def unavailable(url: str, exc: BaseException) -> StorageUnavailable:
    """The driver's failure as ours: busy (another process's lock), in conflict (a deadlock
    the server broke by rolling this transaction back), full (disk), or down."""
    orig = getattr(exc, "orig", None) or exc
    code = getattr(orig, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    sqlstate = getattr(orig, "sqlstate", None)
    text = _first_line(exc)
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED) or sqlstate == _PG_LOCK_NOT_AVAILABLE or (
        primary is None and "database is locked" in text
    ):
        return StorageBusy(f"{BUSY_MESSAGE} ({safe_url(url)}: {text})")
    if sqlstate in _PG_CONFLICTS:
        return StorageConflict(f"database busy: a concurrent write conflicted and this one was "
                               f"rolled back, nothing written ({safe_url(url)}: {text})")
    if primary == _SQLITE_FULL or sqlstate == _PG_DISK_FULL:
        return StorageFull(f"database {safe_url(url)}: disk full ({text})")
    return StorageUnavailable(f"database {safe_url(url)} unreachable: {text}")


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
