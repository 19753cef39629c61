"""UTCDateTime reads back timezone-aware UTC whatever text SQLite holds (its fast path parses
the stored wall time in one step; text with an offset of its own is converted)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select, text

from storage.types import UTCDateTime

METADATA = MetaData()
STAMPS = Table("stamps", METADATA, Column("id", Integer, primary_key=True),
               Column("at", UTCDateTime()))


def test_sqlite_text_reads_back_aware_utc() -> None:
    engine = create_engine("sqlite://")
    METADATA.create_all(engine)
    paris = timezone(timedelta(hours=2))
    with engine.begin() as conn:
        conn.execute(insert(STAMPS), [
            {"id": 1, "at": datetime(2026, 7, 1, 12, 30, 5, 123456, tzinfo=UTC)},
            {"id": 2, "at": datetime(2026, 7, 1, 14, 30, tzinfo=paris)},
        ])
        for pk, stored in ((3, "2026-07-01 09:15:00"), (4, "2026-07-01T11:00:00+02:00"),
                           (5, None)):
            conn.execute(text("INSERT INTO stamps (id, at) VALUES (:id, :at)"),
                         {"id": pk, "at": stored})
        read = dict(conn.execute(select(STAMPS.c.id, STAMPS.c.at)).all())
        stored_text = conn.execute(text("SELECT at FROM stamps WHERE id = 2")).scalar()
    assert read == {1: datetime(2026, 7, 1, 12, 30, 5, 123456, tzinfo=UTC),
                    2: datetime(2026, 7, 1, 12, 30, tzinfo=UTC),
                    3: datetime(2026, 7, 1, 9, 15, tzinfo=UTC),
                    4: datetime(2026, 7, 1, 9, 0, tzinfo=UTC),
                    5: None}
    assert all(v is None or v.utcoffset() == timedelta(0) for v in read.values())
    assert stored_text.startswith("2026-07-01 12:30:00")  # stored as UTC wall time


def test_naive_datetime_refused() -> None:
    engine = create_engine("sqlite://")
    METADATA.create_all(engine)
    with engine.begin() as conn, pytest.raises(Exception, match="naive datetime"):
        conn.execute(insert(STAMPS), {"id": 1, "at": datetime(2026, 7, 1, 12, 30)})
