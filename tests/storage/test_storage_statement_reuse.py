"""Reading runs prepares few distinct statements whatever the number of runs read: each
distinct SQL text is a prepared statement every pooled connection keeps (sqlite3 caches
128 per connection), so an IN list whose length followed the data made a long-running
robot's memory grow run after run (benchmarks/memory_soak.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import event

from storage import Store
from tests.storage.builders import T0, result, tx


def test_transactions_of_any_number_of_runs_are_read_with_a_few_statements(
    tmp_path: Path,
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'r.db'}")
    try:
        for i in range(40):
            store.record_run(result(at=T0 + timedelta(minutes=i), run_id=f"run-{i:02}",
                                    transactions=(tx(f"Step {i}", 100.0 + i),)), None)
        texts: set[str] = set()

        def seen(_conn, _cursor, statement: str, *_args: object) -> None:
            if "FROM transactions" in statement:
                texts.add(statement)

        event.listen(store.db.engine, "before_cursor_execute", seen)
        for k in range(40):
            runs = store.runs(since=T0 + timedelta(minutes=k))
            assert [r.run_id for r in runs] == [f"run-{i:02}" for i in range(k, 40)]
            assert [[t.name for t in r.transactions] for r in runs] == [
                [f"Step {i}"] for i in range(k, 40)]  # padding repeats ids, never rows
        assert len(texts) <= 7  # 40 lengths, read as IN lists of 1, 2, 4, ... 64 ids
    finally:
        store.close()
