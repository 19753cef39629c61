"""UTCDateTime reads back timezone-aware UTC whatever text SQLite holds (its fast path parses
the stored wall time in one step; text with an offset of its own is converted), and on
PostgreSQL whatever zone the session has."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select, text

from storage import Store, kpi, series
from storage.series import Slices
from storage.types import UTCDateTime
from tests.storage.builders import result, tx

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


@pytest.mark.postgres
def test_postgres_sessions_read_utc_and_a_users_own_zone_gives_the_same_figures(
        postgres_url: str, tmp_path: Path) -> None:
    """Ronde's PostgreSQL sessions run in UTC (timestamps read as they come); a URL with its
    own `options` keeps its zone (the test cluster's is +05:30) and reads the same figures."""
    hour = datetime(2026, 7, 1, 18, 0, tzinfo=UTC)  # 23:30 in Kolkata: a local day ends inside
    at = [hour + timedelta(minutes=m) for m in (5, 25, 40, 55, 70, 95)]
    with Store.open(postgres_url, spool_path=tmp_path / "a.spool") as store:
        for k, when in enumerate(at):
            store.record_run(result("shop-login", "failed" if k == 2 else "passed", at=when,
                                    category="backend" if k == 2 else None,
                                    transactions=(tx("Launch", 700.0 + k, load=True),)))
    own = f"{postgres_url}?options={quote('-c TimeZone=Asia/Kolkata')}"
    seen = {}
    for url in (postgres_url, own):
        with Store.open(url, spool_path=tmp_path / "b.spool") as store:
            with store.db.engine.connect() as conn:
                zone = conn.execute(text("SHOW TimeZone")).scalar()
            seen[url] = (
                [r.started_at for r in store.runs("shop-login", limit=10)],
                kpi.availability(store, since=hour, until=hour + timedelta(hours=2)),
                series.hourly_availability(store.db, Slices.of(hour, hour + timedelta(hours=2), 2)),
                kpi.response_times(store, by=("journey",), since=hour - timedelta(minutes=30),
                                   until=hour + timedelta(minutes=80)),
            )
            assert zone == ("UTC" if url == postgres_url else "Asia/Kolkata")
    plain, kolkata = seen[postgres_url], seen[own]
    assert plain == kolkata
    assert sorted(plain[0]) == at
    assert all(t.utcoffset() == timedelta(0) for t in plain[0] + kolkata[0])
    assert [a.first_total for a in plain[1]] == [6]
