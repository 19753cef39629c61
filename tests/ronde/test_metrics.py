"""`/metrics`: Prometheus' own parser reads the store's figures, recomputed on every scrape."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from journeys.results import Category, RunResult, Status
from ronde.dashboard.server import serve_in_thread
from ronde.metrics import registry_for
from ronde.report.store_source import StoreSource
from storage import Store
from tests.fixtures.readside import NOW, Readside, build


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def _get(samples: dict, name: str, **labels: str) -> float:  # type: ignore[type-arg]
    return samples[(name, frozenset(labels.items()))]


@pytest.fixture(scope="module")
def scraped(readside: Readside) -> dict:  # type: ignore[type-arg]
    handle = serve_in_thread(readside.store_url, readside.artifacts_dir, "127.0.0.1", 0,
                             clock=lambda: readside.now)
    try:
        response = httpx.get(f"{handle.url}/metrics", timeout=10)
    finally:
        handle.stop()
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return _samples(response.text)


def test_availability_and_up(scraped: dict) -> None:  # type: ignore[type-arg]
    ratio = "ronde_availability_ratio"
    assert _get(scraped, ratio, journey="shop-login", window="24h", kind="confirmed") == 0.9
    assert _get(scraped, ratio, journey="shop-login", window="24h", kind="first_attempt") == 0.8
    assert _get(scraped, ratio, journey="shop-login", window="7d", kind="confirmed") == 0.95
    assert _get(scraped, ratio, journey="shop-login", window="7d", kind="first_attempt") == 0.9
    assert _get(scraped, ratio, journey="shop-search", window="24h", kind="confirmed") == 1.0
    # latest run of shop-login is an `error` (no device): up follows the last real verdict
    assert _get(scraped, "ronde_journey_up", journey="shop-login") == 0.0
    assert _get(scraped, "ronde_journey_up", journey="shop-search") == 1.0
    assert _get(scraped, "ronde_journey_last_run_timestamp_seconds", journey="shop-login") == (
        NOW - timedelta(minutes=30)
    ).timestamp()


def test_runs_total_by_device_and_status(scraped: dict) -> None:  # type: ignore[type-arg]
    runs = "ronde_runs_total"
    assert _get(scraped, runs, journey="shop-login", device="sim-a", status="passed") == 17
    assert _get(scraped, runs, journey="shop-login", device="sim-a", status="failed") == 2
    assert _get(scraped, runs, journey="shop-login", device="sim-a", status="degraded") == 1
    assert _get(scraped, runs, journey="shop-login", device="sim-b", status="failed") == 1
    assert _get(scraped, runs, journey="shop-login", device="sim-b", status="passed") == 1
    assert _get(scraped, runs, journey="shop-login", device="", status="error") == 1
    assert _get(scraped, runs, journey="shop-search", device="sim-b", status="passed") == 4


def test_response_histogram_and_p95(scraped: dict) -> None:  # type: ignore[type-arg]
    h = "ronde_transaction_response_seconds"
    login = {"journey": "shop-login", "transaction": "Login"}
    # 19 measured Login times: ten 1000 ms (3 days ago), 1000..1500, 1500, 1600, 4000 (24 h)
    assert _get(scraped, h + "_count", **login) == 19
    assert _get(scraped, h + "_sum", **login) == pytest.approx(24.6)
    assert _get(scraped, h + "_bucket", le="0.951", **login) == 0
    assert _get(scraped, h + "_bucket", le="1.04", **login) == 11
    assert _get(scraped, h + "_bucket", le="1.13", **login) == 12
    assert _get(scraped, h + "_bucket", le="1.47", **login) == 15
    assert _get(scraped, h + "_bucket", le="1.6", **login) == 18
    assert _get(scraped, h + "_bucket", le="3.81", **login) == 18
    assert _get(scraped, h + "_bucket", le="4.15", **login) == 19
    assert _get(scraped, h + "_bucket", le="60.0", **login) == 19
    assert _get(scraped, h + "_bucket", le="+Inf", **login) == 19
    p95 = "ronde_transaction_response_p95_seconds"
    assert _get(scraped, p95, **login) == 4.0
    assert _get(scraped, p95, journey="shop-search", transaction="Login") == 0.7


def test_open_incidents(scraped: dict) -> None:  # type: ignore[type-arg]
    assert _get(scraped, "ronde_incidents_open", journey="shop-login", kind="app") == 1
    assert _get(scraped, "ronde_incidents_open", journey="shop-login", kind="robot") == 0
    assert _get(scraped, "ronde_incidents_open", journey="shop-search", kind="app") == 0


def test_figures_are_recomputed_on_each_scrape(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ronde.db'}"

    def run(status: Status, minutes: int) -> RunResult:
        at = NOW - timedelta(minutes=minutes)
        return RunResult(
            journey="shop-cart", device="sim-a", status=status,
            category=Category.DISPLAY if status is Status.FAILED else None,
            started_at=at, ended_at=at + timedelta(seconds=5), duration_ms=5000.0,
            run_id=uuid.uuid4().hex, scheduled_at=at,
        )

    with Store.open(url, spool_path=tmp_path / "spool.jsonl") as store:
        store.record_run(run(Status.PASSED, 20))
        source = StoreSource.open(url)
        registry = registry_for(source, clock=lambda: NOW)
        try:
            first = _samples(generate_latest(registry).decode())
            store.record_run(run(Status.FAILED, 10))
            second = _samples(generate_latest(registry).decode())
        finally:
            source.close()
    assert _get(first, "ronde_journey_up", journey="shop-cart") == 1.0
    assert _get(second, "ronde_journey_up", journey="shop-cart") == 0.0
    labels = {"journey": "shop-cart", "window": "24h", "kind": "first_attempt"}
    assert _get(first, "ronde_availability_ratio", **labels) == 1.0
    assert _get(second, "ronde_availability_ratio", **labels) == 0.5
    failed = {"journey": "shop-cart", "device": "sim-a", "status": "failed"}
    assert ("ronde_runs_total", frozenset(failed.items())) not in first
    assert _get(second, "ronde_runs_total", **failed) == 1


def test_the_read_side_figures_on_both_backends(store_url: str, tmp_path: Path) -> None:
    """The queries behind /metrics, the dashboard and the report (storage.kpi and
    storage.reporting) give the hand-computed figures on SQLite and PostgreSQL alike."""
    build(store_url, tmp_path)
    source = StoreSource.open(store_url)
    try:
        samples = _samples(generate_latest(registry_for(source, clock=lambda: NOW)).decode())
        overview = {j.journey: j for j in source.overview(NOW)}
        trial = source.trial(NOW - timedelta(days=10), NOW)
        run = source.run(next(r.run_id for r in source.recent_runs(50, "shop-login")
                              if r.status == "failed" and r.attempt == 1))
    finally:
        source.close()
    login = overview["shop-login"]
    assert (login.availability_24h.confirmed, login.availability_24h.first_attempt) == (0.9, 0.8)
    assert (login.availability_7d.confirmed, login.availability_7d.first_attempt) == (0.95, 0.9)
    assert login.up is False and login.last_status == "error" and login.open_incidents == 1
    assert _get(samples, "ronde_runs_total", journey="shop-login", device="sim-a",
                status="passed") == 17
    assert _get(samples, "ronde_runs_total", journey="shop-login", device="", status="error") == 1
    h = {"journey": "shop-login", "transaction": "Login"}
    assert _get(samples, "ronde_transaction_response_seconds_bucket", le="1.6", **h) == 18
    assert _get(samples, "ronde_transaction_response_seconds_sum", **h) == pytest.approx(24.6)
    assert trial.overall.confirmed == pytest.approx(23 / 24)
    assert trial.overall.first_attempt == pytest.approx(22 / 24)
    assert trial.devices == ("sim-a", "sim-b")
    assert trial.flake_rate == 0.5
    assert [(c.category, c.count) for c in trial.errors] == [("backend", 3)]
    assert {t.name for t in trial.transactions if t.is_load} == {"Launch"}
    assert [i.state for i in trial.incidents] == ["resolved", "firing"]
    assert run is not None and [s.status for s in run.steps][-1] == "failed"


def test_up_follows_the_latest_judging_run_past_a_strip_of_robot_errors(store_url: str,
                                                                        tmp_path: Path) -> None:
    """`up` (the overview's and ronde_journey_up) is read off each journey's strip of latest
    runs; when the whole strip is robot errors, the run that last judged the app is older
    and is looked up: a robot failing for two hours does not hide that the app was down."""
    from ronde.report.store_source import HISTORY
    from tests.storage.builders import result

    store = Store.open(store_url, spool_path=tmp_path / "s.jsonl", environ={})
    start = NOW - timedelta(hours=3)
    try:
        for journey, judged in (("shop-down", "failed"), ("shop-up", "passed")):
            store.record_run(result(journey, judged, at=start,
                                    category="backend" if judged == "failed" else None))
            for k in range(HISTORY + 2):  # more robot errors than a strip holds
                store.record_run(result(journey, "error", category="robot",
                                        at=start + timedelta(minutes=5 * (k + 1))))
        store.record_run(result("shop-never", "error", category="robot", at=start))
        store.record_run(result("shop-fine", "passed", at=start))
    finally:
        store.close()
    source = StoreSource.open(store_url)
    try:
        for history in (True, False):
            overview = {j.journey: j for j in source.overview(NOW, history=history)}
            assert {k: (j.up, j.last_status) for k, j in overview.items()} == {
                "shop-down": (False, "error"), "shop-up": (True, "error"),
                "shop-never": (None, "error"), "shop-fine": (True, "passed")}
        samples = _samples(generate_latest(registry_for(source, clock=lambda: NOW)).decode())
    finally:
        source.close()
    assert _get(samples, "ronde_journey_up", journey="shop-down") == 0.0
    assert _get(samples, "ronde_journey_up", journey="shop-up") == 1.0
    assert ("ronde_journey_up", frozenset({("journey", "shop-never")})) not in samples
