"""A longer history for the read-side benchmark: a SQLite trial with copies of itself before it.

    .venv/bin/python benchmarks/older_history.py trial.db trial90.db --days 90

Copies `trial.db` (from `benchmarks/trial_dataset.py`, at the latest migration) and adds older
copies of its runs, transactions, load measurements and figures kept at write time, each
shifted back by whole multiples of the trial's length, until the history spans `--days`
(steps and artifacts are left out: no page reads old ones). The shift is whole days, so the
hour and day rows of a copy are what `ronde db rebuild` would give it. The last `trial`
days are the original: `/`, `/metrics` and the journey pages show the same window on both
files, and `benchmarks/read_side.py --url` on each shows whether cost follows the window
shown or the history kept. Not run by the tests.
"""

from __future__ import annotations

import argparse
import math
import shutil
import sqlite3
import time
from datetime import datetime
from pathlib import Path

RUN_TIMES = ("scheduled_at", "started_at", "ended_at", "recorded_at")


def shifted(column: str, days: int) -> str:
    """The same ISO text (microseconds kept) `days` earlier."""
    return (f"CASE WHEN {column} IS NULL THEN NULL ELSE strftime('%Y-%m-%d %H:%M:%S', "
            f"{column}, '-{days} days') || substr({column}, 20) END")


def columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]


def copy_back(db: sqlite3.Connection, copy: int, days: int) -> None:
    """Insert copy number `copy` of the original rows, `days` earlier, with fresh ids."""
    offsets = {t: db.execute(f"SELECT max(id) FROM {t}").fetchone()[0] or 0
               for t in ("runs", "transactions", "measurements", "timing_hours",
                         "availability_hours")}

    def insert(table: str, values: dict[str, str], where: str = "") -> None:
        names = columns(db, table)
        chosen = [values.get(n, f'"{n}"') for n in names]
        quoted = ", ".join(f'"{n}"' for n in names)
        db.execute(f"INSERT INTO {table} ({quoted}) SELECT {', '.join(chosen)} "
                   f"FROM {table} WHERE id <= {originals[table]} {where}")

    tag = f"'~{copy}'"
    insert("runs", {
        "id": f"id + {offsets['runs']}",
        "run_id": f"run_id || {tag}", "round_id": f"round_id || {tag}",
        "confirms": f"CASE WHEN confirms IS NULL THEN NULL ELSE confirms || {tag} END",
        **{t: shifted(t, days) for t in RUN_TIMES},
    })
    insert("transactions", {"id": f"id + {offsets['transactions']}",
                            "run_pk": f"run_pk + {offsets['runs']}"})
    insert("measurements", {"id": f"id + {offsets['measurements']}",
                            "run_pk": f"run_pk + {offsets['runs']}"}, "AND name = 'load'")
    insert("timing_hours", {"id": f"id + {offsets['timing_hours']}",
                            "hour": shifted("hour", days)})
    insert("availability_hours", {"id": f"id + {offsets['availability_hours']}",
                                  "hour": shifted("hour", days)})


COUNTERS = ("first_ok", "first_total", "first_errors", "rounds_ok", "rounds_total",
            "rounds_errors", "failed_first", "flaky")


def merge_days(db: sqlite3.Connection) -> None:
    """Availability day rows summed again from the hour rows: the day where a copy meets the
    next (the trial starts and ends mid-day) got a row from each; writing keeps one. (Timing
    day rows hold histograms SQL cannot add: that day keeps two, which reads the same.)"""
    if "span" not in columns(db, "availability_hours"):
        return  # a trial from before migration 0007: no day rows
    sums = ", ".join(f"SUM({c})" for c in COUNTERS)
    midnight = "substr(hour, 1, 10) || ' 00:00:00.000000'"
    db.execute("DELETE FROM availability_hours WHERE span = 24")
    db.execute(f"INSERT INTO availability_hours (journey_id, hour, span, device_id, "
               f"{', '.join(COUNTERS)}) SELECT journey_id, {midnight}, 24, device_id, {sums} "
               f"FROM availability_hours WHERE span = 1 GROUP BY journey_id, {midnight}, "
               "device_id")


originals: dict[str, int] = {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--days", type=int, default=90, help="history to reach, in days")
    args = parser.parse_args()
    started = time.perf_counter()
    shutil.copyfile(args.source, args.target)
    db = sqlite3.connect(args.target)
    first, last = db.execute("SELECT min(started_at), max(started_at) FROM runs").fetchone()
    span = math.ceil((datetime.fromisoformat(last) - datetime.fromisoformat(first)
                      ).total_seconds() / 86_400)
    for table in ("runs", "transactions", "measurements", "timing_hours", "availability_hours"):
        originals[table] = db.execute(f"SELECT max(id) FROM {table}").fetchone()[0] or 0
    copies = max(0, math.ceil(args.days / span) - 1)
    for copy in range(1, copies + 1):
        copy_back(db, copy, copy * span)
        db.commit()
        print(f"copy {copy}/{copies}: {copy * span} days back "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
    merge_days(db)
    db.commit()
    runs = db.execute("SELECT count(*) FROM runs").fetchone()[0]
    print(f"{args.target}: {runs} runs over {span * (copies + 1)} days "
          f"in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
