"""storage.sliding: the alert window's availability, kept per journey while its window holds
the same runs, always equals the raw runs' figures as writes come and the clock moves, and
reads again only the journeys a write or the clock changed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from storage import Store, generations, kpi, sliding
from tests.storage.builders import T0, result, tx

H = timedelta(hours=1)
SPAN = H


def trial(store: Store) -> None:
    """Three journeys, a run every 20 minutes for six hours (c fails on the hour)."""
    for minutes in range(0, 360, 20):
        for journey in ("a", "b", "c"):
            store.record_run(result(
                journey, "failed" if journey == "c" and minutes % 60 == 0 else "passed",
                at=T0 + timedelta(minutes=minutes), transactions=(tx("Login", 300.0),)))


def test_the_sliding_window_follows_writes_and_the_clock(store: Store,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    trial(store)
    read_again: list[set[str] | None] = []
    figures = kpi.availability

    def spied(*args: Any, journey_ids: Any = None, **kwargs: Any) -> Any:
        with store.db.read() as session:
            keys = generations.journey_keys(session)
        read_again.append(None if journey_ids is None else {keys[j] for j in journey_ids})
        return figures(*args, journey_ids=journey_ids, **kwargs)

    monkeypatch.setattr(kpi, "availability", spied)

    def check(now: Any) -> set[str] | None:
        """The figures at `now` equal the raw runs'; which journeys were read again."""
        read_again.clear()
        assert sliding.availability(store, SPAN, now) == \
            kpi._raw_availability(store, None, now - SPAN, now, None)
        assert len(read_again) <= 1
        return read_again[0] if read_again else set()

    now = T0 + 3 * H + timedelta(minutes=7)  # [2:07, 3:07): runs of 2:20, 2:40, 3:00
    assert check(now) is None  # a first read: every journey at once
    assert check(now) == set()
    now += timedelta(minutes=5)  # no run leaves or enters
    assert check(now) == set()
    now = T0 + 3 * H + timedelta(minutes=21)  # 2:20 has left, 3:20 has entered
    assert check(now) is None
    store.record_run(result("b", "failed", at=T0 + 2 * H + timedelta(minutes=50)))  # late
    assert check(now) == {"b"}
    # a run stamped ahead of the clock (another host's): not in the window until its time
    store.record_run(result("a", "failed", at=now + timedelta(minutes=2)))
    assert check(now) == {"a"}
    now += timedelta(minutes=3)
    assert check(now) == {"a"}  # it entered: the clock alone read it again
    with store.db.transaction() as session:  # a fix by hand: the trigger moves c
        session.execute(text("UPDATE runs SET status = 'failed' WHERE run_id IN "
                             "(SELECT run_id FROM runs WHERE journey_id = (SELECT id FROM "
                             "journeys WHERE key = 'c') ORDER BY started_at DESC LIMIT 2)"))
    assert check(now) == {"c"}
    now -= 30 * timedelta(minutes=1)  # a clock set back: read again, never an old figure
    assert check(now) is None
    assert check(now) == set()
