"""Engines and sessions for both backends, and the mapping of driver failures to ours.

SQLite gets WAL (readers never block the writer), enforced foreign keys and a busy
timeout; PostgreSQL gets pre-ping (a restarted server is noticed on checkout) and a short
connect timeout (an unreachable server sends results to the spool quickly, not after minutes).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from storage.errors import StorageError, StorageUnavailable

BUSY_TIMEOUT_MS = 10_000
CONNECT_TIMEOUT_S = 5

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
    return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy, not pysqlite, emits BEGIN (see _sqlite_begin): SQLAlchemy's documented
    # recipe, which also gives Alembic real transactional DDL on SQLite.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    """Write transactions start IMMEDIATE: they take the write lock up front and wait for it
    (busy timeout), instead of failing with SQLITE_BUSY when a read upgrades to a write."""
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def safe_url(url: str) -> str:
    """The URL with its password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


class Database:
    """An engine and its session factory. Storage functions take this, callers never do."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        writer = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self.sessions = sessionmaker(writer, expire_on_commit=False)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction; driver failures become storage errors."""
        with translate_errors(self.url), self.sessions.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


@contextmanager
def translate_errors(url: str) -> Iterator[None]:
    try:
        yield
    except UNAVAILABLE as exc:
        raise StorageUnavailable(
            f"database {safe_url(url)} unreachable: {_first_line(exc)}"
        ) from exc
    except sa_exc.IntegrityError:
        raise  # callers turn these into domain errors (duplicates)
    except sa_exc.SQLAlchemyError as exc:
        raise StorageError(f"database {safe_url(url)}: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
