"""Copy a SQLite trial into PostgreSQL row for row (COPY), for the read-side benchmark.

`benchmarks/trial_dataset.py --url postgresql...` writes through `record_run`, which is the
honest path but takes hours for 300 k runs on a shared 2-core machine; the read side only
needs the same rows. The target is migrated to the latest revision first, every table is
copied with its ids (derived tables too: they are what the runs give), and the id
sequences are moved past them. Not run by the tests.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Boolean
from sqlalchemy.engine import make_url

from storage import Store
from storage.models import Base
from storage.types import UTCDateTime

BATCH = 20_000


def _rows(db: sqlite3.Connection, table: str, names: list[str], types: dict[str, Any]
          ) -> Iterator[tuple[Any, ...]]:
    booleans = {n for n, t in types.items() if t == "bool"}
    stamps = {n for n, t in types.items() if t == "time"}
    quoted = ", ".join(f'"{n}"' for n in names)
    order = "id" if "id" in names else "rowid"  # slot_claims (0006) has no id column
    cursor = db.execute(f"SELECT {quoted} FROM {table} ORDER BY {order}")
    while batch := cursor.fetchmany(BATCH):
        for row in batch:
            yield tuple(
                (None if v is None else bool(v)) if n in booleans
                else (None if v is None else f"{v}+00") if n in stamps
                else v
                for n, v in zip(names, row, strict=True)
            )


def copy(sqlite_path: Path, url: str) -> float:
    """Copy every table of the SQLite trial into the (empty) database at `url`; seconds."""
    started = time.perf_counter()
    Store.open(url, spool_path=Path("/tmp") / f"pgcopy-{time.time_ns()}.jsonl",
               replay=False).close()
    source = sqlite3.connect(sqlite_path)
    parsed = make_url(url)
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as pg:
        # the rows as they are: no trigger moves a journey's generation for each copied run
        # (the throwaway cluster's user is a superuser)
        pg.execute("SET session_replication_role = replica")
        for table in Base.metadata.sorted_tables:
            # a source at an older revision lacks the newer columns: their defaults fill them
            present = {row[1] for row in source.execute(f'PRAGMA table_info("{table.name}")')}
            names = [c.name for c in table.columns if c.name in present]
            types = {c.name: ("bool" if isinstance(c.type, Boolean) else
                              "time" if isinstance(c.type, UTCDateTime) else "")
                     for c in table.columns}
            pg.execute(f'TRUNCATE "{table.name}" CASCADE')
            with pg.cursor().copy(
                f'COPY "{table.name}" ({", ".join(chr(34) + n + chr(34) for n in names)}) '
                "FROM STDIN"
            ) as out:
                for row in _rows(source, table.name, names, types):
                    out.write_row(row)
            if "id" in names:
                pg.execute(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                           f"coalesce((SELECT max(id) FROM \"{table.name}\"), 0) + 1, false)")
            pg.commit()
        # as a database in service is: vacuumed (visibility map set, so index-only scans stay
        # index-only) and analysed; otherwise autovacuum runs during the measurements
        pg.execute("SET session_replication_role = DEFAULT")
        pg.commit()
        pg.autocommit = True
        pg.execute("VACUUM ANALYZE")
    return time.perf_counter() - started
