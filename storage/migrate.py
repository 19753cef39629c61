"""Alembic, configured in code: the migrations ship inside the package, no alembic.ini needed.

`upgrade()` is what `Store.open` and `ronde db upgrade` run. On PostgreSQL an advisory lock
serialises robots starting together; the revision is checked first so an up-to-date
database costs one query. Alembic itself is imported only when there is something to
migrate: importing it and reading its scripts cost about half a second, on every `ronde
run` and every dashboard start, for a database already at head.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from storage.errors import StorageError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
PG_LOCK_ID = 0x726F6E6465  # "ronde"
VERSION_TABLE = "alembic_version"
_ASSIGNED = re.compile(r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*(None|["']([^"']+)["'])""",
                       re.MULTILINE)


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _known(revision: str) -> bool:
    return revision in _revisions()


def _revisions() -> dict[str, str | None]:
    """revision -> down_revision of every migration script, read as text (no Alembic)."""
    chain: dict[str, str | None] = {}
    for script in sorted((MIGRATIONS / "versions").glob("*.py")):
        found = {m.group(1): m.group(3) for m in _ASSIGNED.finditer(script.read_text())}
        if found.get("revision"):
            chain[found["revision"]] = found.get("down_revision")  # type: ignore[index]
    return chain


def head_revision() -> str:
    """The revision no other migration revises (the chain is linear)."""
    chain = _revisions()
    heads = sorted(set(chain) - {down for down in chain.values() if down})
    if len(heads) != 1:
        raise StorageError(f"the migrations have {len(heads)} heads ({heads}): expected one")
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    """The database's revision (None before the first migration), one cheap read."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
    if len(rows) > 1:
        raise StorageError(f"the database has {len(rows)} revisions in {VERSION_TABLE}: "
                           "expected one (migrated by a branching Alembic history?)")
    return str(rows[0][0]) if rows else None


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Migrate to `revision`; returns the revision the database is at afterwards."""
    current = current_revision(engine)
    if revision == "head" and current == head_revision():
        return current
    if current is not None and not _known(current):
        raise StorageError(
            f"the database is at revision {current}, which this version of Ronde does not "
            "know: it was migrated by a newer Ronde; upgrade Ronde, or use another database"
        )
    from alembic import command

    # Robots starting together: the first migrates, the others wait for it, then find the
    # database at head (SQLite: the write lock taken up front; PostgreSQL: an advisory lock).
    with _migrating(engine) as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": PG_LOCK_ID})
        command.upgrade(alembic_config(connection), revision)
    return current_revision(engine)


def downgrade(engine: Engine, revision: str) -> str | None:
    """Migrate back to `revision` ("base" for an empty database)."""
    from alembic import command

    with _migrating(engine) as connection:
        command.downgrade(alembic_config(connection), revision)
    return current_revision(engine)


@contextmanager
def _migrating(engine: Engine) -> Iterator[Connection]:
    """One write transaction for the whole migration. On SQLite, with foreign keys off for
    its duration: a batch migration rebuilds a table by dropping the old one, and SQLite's
    DROP TABLE would cascade to the children's rows (a run's transactions, steps...). The
    keys are checked before the commit and switched back on afterwards."""
    with engine.connect() as connection:
        connection.execution_options(sqlite_begin="IMMEDIATE")
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # outside any transaction, or SQLite ignores it
            _driver_sql(connection, "PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                yield connection
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise StorageError("the migration would break foreign keys: rolled back")
        finally:
            if sqlite:
                _driver_sql(connection, "PRAGMA foreign_keys=ON")


def _driver_sql(connection: Connection, sql: str) -> None:
    """Straight to the driver: SQLAlchemy would open a transaction around it first."""
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
    finally:
        cursor.close()
