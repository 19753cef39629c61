"""Bounds, links, artifacts folders and app models: the rules behind the hostile corpus.

Fast unit tests, plus a slice of the seeded fuzz run of benchmarks/fuzz_journeys.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.fuzz_journeys import fuzz
from journeys.durations import MAX_DURATION_MS, parse_duration
from journeys.errors import JourneyError
from journeys.links import link_problem
from journeys.parser import load_journey
from journeys.results import Category, Status
from journeys.spec import ALERT_KEYS, COMMANDS, HEADER_KEYS, MONITOR_KEYS, SELECTOR_KEYS, Key, Kind
from robots.devices import DeviceSpec
from robots.runner import run_journey
from ronde.artifacts_folder import MARKER, PROJECT_DIR, artifacts_problem, mark_artifacts_folder
from ronde.config import ConfigError, load_config


def every_key() -> Iterator[tuple[str, Key]]:
    for spec in COMMANDS:
        for key in spec.keys:
            yield f"{spec.name}.{key.name}", key
    for key in (*SELECTOR_KEYS, *HEADER_KEYS, *MONITOR_KEYS, *ALERT_KEYS):
        yield key.name, key


def test_every_number_and_duration_of_the_language_has_a_maximum() -> None:
    numbers = [(name, key) for name, key in every_key() if key.kind in (Kind.INT, Kind.DURATION)]
    assert len(numbers) >= 15
    unbounded = [name for name, key in numbers if key.maximum is None]
    assert unbounded == []
    assert all(key.maximum <= MAX_DURATION_MS for _, key in numbers if key.maximum)


@pytest.mark.parametrize(("given", "ms"), [("0.1s", 100), ("1d1ms", 86_400_001),
                                           ("3650d", MAX_DURATION_MS)])
def test_durations_are_exact(given: str, ms: int) -> None:
    assert parse_duration(given) == ms


@pytest.mark.parametrize("given", ["3651d", "99999999999999999999d", 10**40, "9" * 5000])
def test_absurd_durations_are_refused_without_overflow(given: object) -> None:
    with pytest.raises(ValueError, match="too long"):
        parse_duration(given)


@pytest.mark.parametrize(("text", "where", "expected"), [
    ("every: 32d", "3:10", "monitor.every: '32d' is too long (expected at most 31d)"),
    ("every: 31d", None, None),
    ("retries: 11", "3:12", "monitor.retries: 11 is too large (expected at most 10)"),
    ("jitter: 2d", "3:11", "monitor.jitter: '2d' is too long (expected at most 1d)"),
])
def test_monitor_bounds_point_into_the_file(tmp_path: Path, text: str, where: str | None,
                                            expected: str | None) -> None:
    path = tmp_path / "j.yaml"
    path.write_text(f"appId: com.x\nmonitor:\n  {text}\n---\n- back\n")
    if expected is None:
        assert load_journey(path).monitor.every_ms == 31 * 86_400_000
        return
    with pytest.raises(JourneyError) as caught:
        load_journey(path)
    assert f"{path}:{where}: {expected}" in str(caught.value)


def test_ronde_yaml_durations_share_the_bounds(tmp_path: Path) -> None:
    path = tmp_path / "ronde.yaml"
    path.write_text("alerts: {remind_every: 60d, defaults: {window: 91d}}\n"
                    "maintenance: [{name: m, cron: '0 2 * * *', duration: 400d}]\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value)
    assert "1:24: alerts.remind_every: 60d is too large (expected at most 31d)" in text
    assert "alerts.defaults.window: '91d' is too long (expected at most 90d)" in text
    assert "maintenance[0].duration: 400d is too large (expected at most 366d)" in text


@pytest.mark.parametrize(("link", "ok"), [
    ("https://shop.example/p/1", True), ("myshop://cart", True), ("${DEEP}/x", True),
    ("HTTP://x", True), ("file:///etc/passwd", False), ("FILE:///etc/passwd", False),
    (" javascript:alert(1)", False), ("data:text/html,x", False), ("about:blank", False),
    ("/etc/passwd", False), ("mailto:x@y", False), ("intent://x#Intent;end", False),
])
def test_link_schemes(link: str, ok: bool) -> None:
    problem = link_problem(link)
    assert (problem is None) is ok
    assert problem is None or "etc" not in problem


def test_a_link_hidden_in_a_variable_is_refused_at_run_time(tmp_path: Path) -> None:
    path = tmp_path / "web.yaml"
    path.write_text("url: ${START}\n---\n- launchApp\n")
    journey = load_journey(path)  # the parser cannot see the scheme
    result = run_journey(journey, DeviceSpec("b", browser_emulate="Pixel 7"), appium_url=None,
                         artifacts_dir=tmp_path / "art", environ={"START": "file:///etc/passwd"})
    assert (result.status, result.category) == (Status.ERROR, Category.ROBOT)
    assert "file: links are refused" in (result.error or "")
    assert "passwd" not in (result.error or "")


@pytest.mark.parametrize("folder", [Path("/"), Path("/etc"), Path.home(), PROJECT_DIR,
                                    PROJECT_DIR.parent, Path("/usr/../usr")])
def test_system_home_and_project_folders_are_not_artifacts_folders(folder: Path) -> None:
    assert artifacts_problem(folder) is not None
    with pytest.raises(ValueError, match="artifacts: "):
        mark_artifacts_folder(folder)


def test_only_new_empty_or_marked_folders_hold_artifacts(tmp_path: Path) -> None:
    fresh = tmp_path / "new" / "artifacts"
    assert artifacts_problem(fresh) is None
    mark_artifacts_folder(fresh)
    assert (fresh / MARKER).is_file()
    (fresh / "shop" / "run-1").mkdir(parents=True)
    assert artifacts_problem(fresh) is None  # ours: marked
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "thesis.odt").write_text("years of work")
    problem = artifacts_problem(docs)
    assert problem is not None and "not empty" in problem and "thesis" not in problem
    assert artifacts_problem(docs, default=True) is None  # ./artifacts of an older Ronde
    config = tmp_path / "ronde.yaml"
    config.write_text(f"artifacts: {docs}\n")
    with pytest.raises(ConfigError, match=r"ronde.yaml:1:12: artifacts: .* is not empty"):
        load_config(config)


def test_a_simulated_app_must_be_an_app_model(tmp_path: Path) -> None:
    (tmp_path / "notes.yaml").write_text(f"just: a mapping\nsecret: {'s3cr3t' * 3}\n")
    config = tmp_path / "ronde.yaml"
    for app, why in [("/etc/passwd", "not a .yaml app model"), ("notes.yaml", "not an app model")]:
        config.write_text(f"devices:\n  - name: d\n    simulated: {{app: {app}}}\n")
        with pytest.raises(ConfigError) as caught:
            load_config(config)
        text = str(caught.value)
        assert why in text and "3:22: devices[0].simulated.app" in text
        assert "s3cr3t" not in text and "root:" not in text


def test_a_seeded_slice_of_the_fuzz_run_has_no_traceback(tmp_path: Path) -> None:
    counts = fuzz(400, seed=3, folder=tmp_path)
    assert counts.crashes == []
    assert counts.total == 400 and counts.refused > counts.valid > 0
