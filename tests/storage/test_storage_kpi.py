"""Every KPI on a hand-computed dataset, on SQLite and on PostgreSQL (same numbers on both).

The dataset (2026-03-02, UTC), two journeys:

shop-login  first attempt               confirmation               tx Launch / Login (ms)
  R1 08:00  passed   sim-1                                          1000 / 400
  R2 08:10  degraded sim-2                                          1200 / 3500
  R3 08:20  failed   sim-1 display      R3b passed sim-2            900 / -   ; 1100 / 600
  R4 09:00  failed   sim-1 backend      R4b failed sim-2 backend    800 / -   ; 1300 / -
  R5 09:10  error    (no device)
  R6 09:20  failed   sim-1 auth         R6b error sim-2 session     950 / -
  R7 09:30  passed   sim-2                                          1050 / 500
shop-search
  S1 08:05  passed   sim-1                                          2000 / Search 300
  S2 08:15  passed   sim-1                                          2200 / 100
  S3 09:05  failed   sim-2 timeout                                  2100 / -
  S4 09:15  error    sim-2 robot
Load time = Launch + 5 ms. Outside the window: one passed run the evening before
(Launch 5000), and one run still open.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, text

from storage import Store, histograms, kpi, series
from tests.storage.builders import result, tx

DAY = datetime(2026, 3, 2, tzinfo=UTC)
NEXT = DAY + timedelta(days=1)


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return DAY.replace(hour=hour, minute=minute, second=second)


def run(journey: str, rid: str, status: str, when: datetime, device: str, *txs: object,
        category: str | None = None, confirms: str | None = None, attempt: int = 1) -> object:
    launch = next((t for t in txs if t.is_load and t.response_ms), None)  # type: ignore[attr-defined]
    return result(journey, status, device=device, at=when, category=category, run_id=rid,
                  confirms=confirms, attempt=attempt, transactions=tuple(txs),  # type: ignore[arg-type]
                  load_ms=None if launch is None else launch.response_ms + 5)  # type: ignore[attr-defined]


def L(ms: float) -> object:  # short, so the dataset reads like the table above
    return tx("Launch", ms, load=True)


def login(ms: float | None, status: str = "passed") -> object:
    return tx("Login", ms, status)


def search(ms: float | None, status: str = "passed") -> object:
    return tx("Search", ms, status)


DATASET = [
    run("shop-login", "R1", "passed", at(8, 0), "sim-1", L(1000), login(400)),
    run("shop-login", "R2", "degraded", at(8, 10), "sim-2", L(1200), login(3500, "degraded")),
    run("shop-login", "R3", "failed", at(8, 20), "sim-1", L(900), login(None, "failed"),
        category="display"),
    run("shop-login", "R3b", "passed", at(8, 20, 30), "sim-2", L(1100), login(600),
        confirms="R3", attempt=2),
    run("shop-login", "R4", "failed", at(9, 0), "sim-1", L(800), login(None, "failed"),
        category="backend"),
    run("shop-login", "R4b", "failed", at(9, 0, 30), "sim-2", L(1300), login(None, "failed"),
        category="backend", confirms="R4", attempt=2),
    run("shop-login", "R5", "error", at(9, 10), "", category="no_device"),
    run("shop-login", "R6", "failed", at(9, 20), "sim-1", L(950), login(None, "failed"),
        category="authentication"),
    run("shop-login", "R6b", "error", at(9, 20, 30), "sim-2", category="session",
        confirms="R6", attempt=2),
    run("shop-login", "R7", "passed", at(9, 30), "sim-2", L(1050), login(500)),
    run("shop-search", "S1", "passed", at(8, 5), "sim-1", L(2000), search(300)),
    run("shop-search", "S2", "passed", at(8, 15), "sim-1", L(2200), search(100)),
    run("shop-search", "S3", "failed", at(9, 5), "sim-2", L(2100), search(None, "failed"),
        category="timeout"),
    run("shop-search", "S4", "error", at(9, 15), "sim-2", category="robot"),
    run("shop-login", "OLD", "passed", DAY - timedelta(hours=1), "sim-1", L(5000), login(9000)),
]


@pytest.fixture
def data(store: Store) -> Store:
    for item in DATASET:
        store.record_run(item)  # type: ignore[arg-type]
    store.start_run("OPEN", "shop-login", "sim-1", at(9, 45), 1, None, "robot-1")
    return store


def test_availability(data: Store) -> None:
    login_, search_ = kpi.availability(data, since=DAY, until=NEXT)
    assert (login_.journey, login_.first_ok, login_.first_total, login_.first_errors) == (
        "shop-login", 3, 6, 1)
    assert (login_.rounds_ok, login_.rounds_total, login_.rounds_errors) == (4, 6, 1)
    assert login_.first_attempt == pytest.approx(0.5)
    assert login_.confirmed == pytest.approx(4 / 6)
    assert (search_.first_ok, search_.first_total, search_.first_errors) == (2, 3, 1)
    assert (search_.rounds_ok, search_.rounds_total, search_.rounds_errors) == (2, 3, 1)
    # the evening before counts when the window includes it; filters by journey and device
    (everything,) = kpi.availability(data, journey="shop-login")
    assert (everything.first_ok, everything.first_total, everything.rounds_ok) == (4, 7, 5)
    (on_sim2,) = kpi.availability(data, journey="shop-login", since=DAY, device="sim-2")
    assert (on_sim2.first_ok, on_sim2.first_total, on_sim2.rounds_ok) == (2, 2, 2)
    assert kpi.availability(data, since=NEXT) == []


def test_flake_rate(data: Store) -> None:
    login_, search_ = kpi.flake_rate(data, since=DAY, until=NEXT)
    assert (login_.journey, login_.failed_first, login_.flaky) == ("shop-login", 3, 1)
    assert login_.rate == pytest.approx(1 / 3)
    assert (search_.failed_first, search_.flaky, search_.rate) == (1, 0, 0.0)


def test_transaction_success_rate(data: Store) -> None:
    rates = {(r.journey, r.transaction): (r.ok, r.total)
             for r in kpi.transaction_success(data, since=DAY, until=NEXT)}
    assert rates == {
        ("shop-login", "Launch"): (8, 8), ("shop-login", "Login"): (4, 8),
        ("shop-search", "Launch"): (3, 3), ("shop-search", "Search"): (2, 3),
    }
    (sim1_login,) = [r for r in kpi.transaction_success(data, "shop-login", DAY, NEXT, "sim-1")
                     if r.transaction == "Login"]
    assert sim1_login.rate == pytest.approx(1 / 4)


def near(exact: float) -> object:
    """A percentile read from the histograms: the exact nearest rank within their bound."""
    return pytest.approx(exact, rel=histograms.RELATIVE_ERROR)


def figures(stats: kpi.Stats) -> tuple[object, ...]:
    return (stats.key, stats.count, round(stats.mean, 3), stats.min, stats.max, stats.p50,
            stats.p95, stats.p99)


def test_response_time_percentiles_per_journey_and_transaction(data: Store) -> None:
    stats = kpi.response_times(data, since=DAY, until=NEXT)
    assert [figures(s) for s in stats] == [
        (("shop-login", "Launch"), 8, 1037.5, 800, 1300, near(1000), near(1300), near(1300)),
        (("shop-login", "Login"), 4, 1250.0, 400, 3500, near(500), near(3500), near(3500)),
        (("shop-search", "Launch"), 3, 2100.0, 2000, 2200, near(2100), near(2200), near(2200)),
        (("shop-search", "Search"), 2, 200.0, 100, 300, near(100), near(300), near(300)),
    ]
    (login_only,) = kpi.response_times(data, by=("transaction",), journey="shop-login",
                                       transaction="Login", since=DAY)
    assert figures(login_only) == (("Login",), 4, 1250.0, 400, 3500, near(500), near(3500),
                                   near(3500))


def test_response_time_percentiles_per_device_and_hour(data: Store) -> None:
    by_device = kpi.response_times(data, by=("device",), since=DAY, until=NEXT)
    assert [figures(s) for s in by_device] == [
        (("sim-1",), 9, 961.111, 100, 2200, near(900), near(2200), near(2200)),
        (("sim-2",), 8, 1418.75, 500, 3500, near(1100), near(3500), near(3500)),
    ]
    by_hour = kpi.response_times(data, by=("hour",), journey="shop-login", since=DAY)
    assert [figures(s) for s in by_hour] == [
        ((8,), 7, 1242.857, 400, 3500, near(1000), near(3500), near(3500)),
        ((9,), 5, 920.0, 500, 1300, near(950), near(1300), near(1300)),
    ]
    (overall,) = kpi.response_times(data, by=(), since=DAY, until=NEXT)
    assert overall.count == 17 and overall.max == 3500


def test_load_times(data: Store) -> None:
    stats = kpi.load_times(data, since=DAY, until=NEXT)
    assert [figures(s) for s in stats] == [
        (("shop-login",), 8, 1042.5, 805, 1305, near(1005), near(1305), near(1305)),
        (("shop-search",), 3, 2105.0, 2005, 2205, near(2105), near(2205), near(2205)),
    ]
    by_device = kpi.load_times(data, by=("journey", "device"), journey="shop-search", since=DAY)
    assert [(s.key, s.count, s.p50) for s in by_device] == [
        (("shop-search", "sim-1"), 2, near(2005)), (("shop-search", "sim-2"), 1, 2105)]
    with pytest.raises(ValueError, match="transaction"):
        kpi.load_times(data, by=("transaction",))


def test_error_breakdown(data: Store) -> None:
    rows = [(e.journey, e.status, e.category, e.runs)
            for e in kpi.error_breakdown(data, since=DAY, until=NEXT)]
    assert rows == [
        ("shop-login", "failed", "backend", 2),
        ("shop-login", "error", "no_device", 1),
        ("shop-login", "error", "session", 1),
        ("shop-login", "failed", "authentication", 1),
        ("shop-login", "failed", "display", 1),
        ("shop-search", "error", "robot", 1),
        ("shop-search", "failed", "timeout", 1),
    ]
    first = kpi.error_breakdown(data, journey="shop-login", since=DAY, first_attempts_only=True)
    assert [(e.category, e.runs) for e in first] == [
        ("no_device", 1), ("authentication", 1), ("backend", 1), ("display", 1)]


def test_unknown_dimension_is_refused(data: Store) -> None:
    with pytest.raises(ValueError, match="unknown dimension 'weekday'"):
        kpi.response_times(data, by=("weekday",))


@pytest.mark.postgres
def test_percentiles_match_postgres_percentile_disc(postgres_url: str, tmp_path: object) -> None:
    """Nearest rank is PostgreSQL's percentile_disc: ours is within the histograms' bound of
    it on random data."""
    store = Store.open(postgres_url, spool_path=tmp_path / "s.jsonl")  # type: ignore[operator]
    rng = random.Random(7)
    try:
        for i in range(120):
            journey = f"j{i % 3}"
            store.record_run(result(journey, at=DAY + timedelta(minutes=i), transactions=(
                tx("A", round(rng.uniform(50, 5000), 1)), tx("B", float(rng.randint(1, 40))))))
        ours = {s.key: (s.p50, s.p95, s.p99) for s in kpi.response_times(store)}
        with store.db.engine.connect() as conn:
            theirs = {
                (row.journey, row.name): (row.p50, row.p95, row.p99)
                for row in conn.execute(text(
                    "SELECT j.key AS journey, t.name, "
                    "percentile_disc(0.5) WITHIN GROUP (ORDER BY t.response_ms) AS p50, "
                    "percentile_disc(0.95) WITHIN GROUP (ORDER BY t.response_ms) AS p95, "
                    "percentile_disc(0.99) WITHIN GROUP (ORDER BY t.response_ms) AS p99 "
                    "FROM transactions t JOIN runs r ON t.run_pk = r.id "
                    "JOIN journeys j ON r.journey_id = j.id GROUP BY j.key, t.name"))
            }
        assert len(ours) == 6 and ours.keys() == theirs.keys()
        for key, exact in theirs.items():
            assert ours[key] == tuple(near(v) for v in exact)
    finally:
        store.close()


def exact_nearest_rank(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-p * len(ordered) // 100) - 1)]


def test_histogram_percentiles_within_their_bound_of_the_exact_nearest_rank(store: Store) -> None:
    """Random response times over 60 hours, read over windows with ragged edges, whole hours,
    whole days and slices: every percentile within RELATIVE_ERROR of the exact nearest rank
    of the runs; count, min and max exact."""
    rng = random.Random(13)
    start = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)
    for i in range(360):
        value = round(rng.lognormvariate(6, 1.2), 2) if i % 37 else 0.4  # below 1 ms too
        store.record_run(result(f"j{i % 2}", device=f"sim-{i % 3}",
                                at=start + timedelta(minutes=10 * i, seconds=rng.randrange(500)),
                                transactions=(tx("A", value),
                                              tx("B", float(rng.randint(1, 900_000))))))
    runs = store.runs()

    def exact(key: object, since: datetime | None, until: datetime | None,
              device: str | None = None) -> list[float]:
        return [t.response_ms for r in runs for t in r.transactions
                if (r.journey, t.name) == key and t.response_ms is not None
                and (since is None or r.started_at >= since)
                and (until is None or r.started_at < until)
                and (device is None or r.device == device)]

    def within(s: kpi.Stats, values: list[float]) -> None:
        assert (s.count, s.min, s.max) == (len(values), min(values), max(values))
        for p, got in ((50, s.p50), (95, s.p95), (99, s.p99)):
            if 1 <= exact_nearest_rank(values, p) < 600_000:
                assert got == near(exact_nearest_rank(values, p)), (s.key, p)

    windows = [(None, None),
               (start + timedelta(minutes=7), start + timedelta(hours=59, minutes=1)),
               (start + timedelta(hours=2), start + timedelta(hours=20)),
               (start + timedelta(minutes=3), start + timedelta(minutes=50)),
               # ends after the last run, mid-hour: that hour is read from its row
               (start + timedelta(minutes=7), start + timedelta(hours=59, minutes=59,
                                                                seconds=30))]
    assert max(r.started_at for r in runs) < windows[-1][1]
    checked = 0
    for since, until in windows:
        for device in (None, "sim-1"):
            stats = kpi.response_times(store, since=since, until=until, device=device)
            for s in stats:
                within(s, exact(s.key, since, until, device))
                checked += 1
    assert checked > 20
    slices = series.Slices.of(start + timedelta(minutes=13), start + timedelta(hours=58), 7)
    sliced = kpi.response_times(store, ("journey", "transaction", "slice"), since=slices.since,
                                until=slices.until, cut=series.cut(slices))
    assert len(sliced) == 2 * 2 * 7
    for s in sliced:
        lo = slices.start(s.key[2])
        within(s, exact(s.key[:2], lo, min(slices.start(s.key[2] + 1), slices.until)))


def test_stored_buckets_read_back_in_both_spellings() -> None:
    """A bucket holding one value is stored bare (`412`), more as `412:3`; rows written before
    (`412:1`) read back the same, and merged rows add up per bucket."""
    h = histograms.Histogram.of([100.0, 100.5, 250.0, 250.2, 250.4, 900.0])
    text_ = h.encode()
    assert all(":" not in t or int(t.split(":")[1]) > 1 for t in text_.split(","))
    assert ":" in text_ and "," in text_
    old = ",".join(f"{b}:{n}" for b, n in sorted(h.buckets.items()))
    merged = histograms.Histogram()
    for encoded in (text_, old, ""):
        merged.merge_encoded(encoded, 6 if encoded else 0, h.sum, h.min, h.max)
    assert merged.settle() == {b: 2 * n for b, n in h.buckets.items()}
    assert merged.count == 12 and merged.percentile(50) == h.percentile(50)


def test_a_window_ending_now_asks_for_later_runs_once_per_read(data: Store) -> None:
    """A page reads several windows ending at its clock in one read transaction: whether a run
    starts after the clock is asked once, and a new read asks again (and sees a later run)."""
    asked: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "LIMIT" in statement and "runs.started_at >=" in statement:
            asked.append(statement)

    until = max(r.started_at for r in data.runs(limit=1000, with_transactions=False))
    until -= timedelta(minutes=1)  # a run starts after it
    event.listen(data.db.engine, "before_cursor_execute", seen)
    try:
        with data.db.read():
            ends = {kpi._stored_end(data, until) for _ in range(3)}
        assert ends == {until} and len(asked) == 1
        later = until + timedelta(days=400)  # no run after it: the end of its day
        with data.db.read():
            assert kpi._stored_end(data, later) == datetime.combine(
                later.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        assert len(asked) == 2
    finally:
        event.remove(data.db.engine, "before_cursor_execute", seen)
