"""The alert rules' recent history is topped up, not re-read: what it returns is always what a
full read of the store returns (the rules must not see a different history)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from scheduler.alerts.window import RecentRuns
from storage import Store
from tests.alerts.builders import T0, journey, result


def test_a_topped_up_window_equals_a_full_read(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'r.db'}", spool_path=tmp_path / "s.jsonl",
                       environ={})
    calls: list[dict[str, object]] = []
    runs = store.runs

    def counting(*args: object, **kw: object) -> object:
        calls.append(kw)
        return runs(*args, **kw)

    store.runs = counting  # type: ignore[method-assign]
    try:
        j = journey("shop-login")
        window = RecentRuns(store)
        for minute in range(5):
            store.record_run(result(T0 + timedelta(minutes=minute), journey=j.id), j)
        first = window.read(T0)
        assert [r.run_id for r in first] == [r.run_id for r in runs(since=T0)]
        # more results: a late one (started before the others), a failure, and an open run
        # completed by its result; plus one too old for the window
        late = result(T0 + timedelta(seconds=30), "failed", journey=j.id, category="display")
        store.start_run("open-1", j.id, "sim-1", None, journey=j)
        opened = replace(result(T0 + timedelta(minutes=6), journey=j.id), run_id="open-1")
        for run in (late, opened, result(T0 - timedelta(minutes=1), journey=j.id)):
            store.record_run(run, j)
        second = window.read(T0)
        assert [r.run_id for r in second] == [r.run_id for r in runs(since=T0)]
        assert calls[-1].get("recorded_since") is not None  # topped up, not re-read
        # the window slides: runs started before its new start are gone
        third = window.read(T0 + timedelta(minutes=3))
        assert [r.run_id for r in third] == [
            r.run_id for r in runs(since=T0 + timedelta(minutes=3))]
        # a window that moves back is read whole again
        again = window.read(T0 - timedelta(minutes=2))
        assert calls[-1].get("recorded_since") is None
        assert [r.run_id for r in again] == [
            r.run_id for r in runs(since=T0 - timedelta(minutes=2))]
    finally:
        store.close()
