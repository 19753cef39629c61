"""The dashboard on a real SQLite store: the figures it shows are the hand-computed ones."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from ronde.dashboard.artifacts import resolve_artifact
from ronde.dashboard.exceptions import DashboardError
from ronde.dashboard.server import serve_in_thread
from storage import histograms
from storage.errors import StorageUnavailable
from tests.fixtures.net import free_port
from tests.fixtures.readside import PNG_1PX, Readside


@pytest.fixture(scope="module")
def client(readside: Readside) -> Iterator[httpx.Client]:
    """The real app behind uvicorn on a free loopback port, its wall clock fixed at NOW."""
    handle = serve_in_thread(readside.store_url, readside.artifacts_dir, "127.0.0.1", 0,
                             clock=lambda: readside.now)
    with httpx.Client(base_url=handle.url, timeout=10) as c:
        yield c
    handle.stop()


def _row(html: str, journey: str) -> str:
    match = re.search(rf'<tr data-journey="{journey}">(.*?)</tr>', html, re.S)
    assert match, f"no row for {journey}"
    return match.group(1)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _cell(row: str, css: str) -> str:
    match = re.search(rf'<td class="{css}">(.*?)</td>', row, re.S)
    assert match, f"no {css} cell"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def test_overview_shows_availability_status_and_incidents(client: httpx.Client) -> None:
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    login = _row(html, "shop-login")
    # 24 h: 9 of 10 rounds available after confirmation, 8 of 10 first attempts.
    assert _cell(login, "a24").startswith("90.00 % confirmed first attempt 80.00 % · 10 runs")
    # 7 d: 19/20 confirmed, 18/20 first attempt.
    assert _cell(login, "a7d").startswith("95.00 % confirmed first attempt 90.00 % · 20 runs")
    assert 'class="badge s-error">error' in login  # latest run: the robot had no device
    assert "no_device" in login
    # the strip: up to 24 latest runs (shop-login has 23), newest last: the failed round
    # of 11:00, its confirmation, then the error
    marks = re.findall(r'<a class="s-(\w+)( confirm)?" href="/runs/', login)
    assert len(marks) == 23
    assert marks[-3:] == [("failed", ""), ("failed", " confirm"), ("error", "")]
    search = _row(html, "shop-search")
    assert _cell(search, "a24").startswith("100.00 % confirmed first attempt 100.00 % · 4 runs")
    assert "Login fails on every device with a server error" in html
    assert "(confidence 80 %)" in html
    assert 'http-equiv="refresh"' in html
    robots = _text(html[html.index('<p class="robots') : html.index("</p>",
                                                                   html.index('<p class="robots'))])
    assert robots.endswith("Robot running: robot-1 (last beat 20 s ago)")


def test_overview_warns_when_no_robot_reports(readside: Readside) -> None:
    later = readside.now + timedelta(minutes=11)
    handle = serve_in_thread(readside.store_url, readside.artifacts_dir, "127.0.0.1", 0,
                             clock=lambda: later)
    try:
        html = httpx.get(handle.url + "/", timeout=10).text
    finally:
        handle.stop()
    assert "No robot has reported in the last 10 minutes" in html
    assert "robot-1" not in html


def test_overview_response_time_p95_per_transaction(client: httpx.Client) -> None:
    html = client.get("/").text.replace("\u00a0", " ")
    table = html[html.index('id="transactions"') :]
    rows = re.findall(r"<tr>\s*<td>(?:<a [^>]*>)?(.*?)(?:</a>)?</td>\s*<td>(.*?)</td>(.*?)</tr>",
                      table, re.S)
    login = next(cells for journey, name, cells in rows
                 if journey == "shop-login" and name.startswith("Login"))
    # Login's 9 measured times: 1000..1500, 1500, 1600, 4000 -> p50 1400, p95 4000 (nearest
    # rank; p50 read from the histograms within their bound, the maximum exact)
    figures = re.findall(r'<td class="num[^"]*"[^>]*>(.*?)</td>', login)
    assert figures[1:] == ["4000 ms", "4000 ms", "75.0 %", "9"]
    assert float(figures[0].removesuffix(" ms")) == pytest.approx(
        1400, rel=histograms.RELATIVE_ERROR, abs=0.5)


def test_runs_page_filters_by_journey(client: httpx.Client) -> None:
    html = client.get("/runs", params={"journey": "shop-search"}).text
    assert html.count('<a href="/runs/') == 4
    assert "shop-login" not in html.split("</form>")[1]  # the filter menu lists every journey
    everything = client.get("/runs").text
    assert everything.count('<a href="/runs/') == 1 + 20 + 2 + 4  # error, rounds, confirmations


def test_run_page_shows_timeline_error_and_evidence(
    client: httpx.Client, readside: Readside
) -> None:
    html = client.get(f"/runs/{readside.failed_run_id}").text
    assert "shop-login on sim-a" in html
    assert "Login: welcome_banner not visible" in html
    assert "<svg" in html and "Step timeline" in html
    round_ = html[html.index('<ol class="round">') : html.index("</ol>")]
    assert "first attempt on sim-a (this run)" in round_
    assert re.search(r'<a href="/runs/\w+">confirmation #2 on sim-b</a>', round_)
    assert "welcome_banner not visible after 15 s" in html
    assert f'src="/artifacts/{readside.screenshot}"' in html
    shot = client.get(f"/artifacts/{readside.screenshot}")
    assert shot.status_code == 200 and shot.content == PNG_1PX
    assert shot.headers["content-type"] == "image/png"


def test_unknown_run_is_a_clean_404(client: httpx.Client) -> None:
    page = client.get("/runs/no-such-run")
    assert page.status_code == 404
    assert "No such run" in page.text


def test_artifacts_never_leave_their_directory(client: httpx.Client, readside: Readside) -> None:
    link = readside.artifacts_dir / "escape.txt"
    if not link.exists():
        link.symlink_to(readside.secret_file)
    for path in ("..%2Fsecret.txt", "%2e%2e/secret.txt", "escape.txt",
                 f"{readside.secret_file}", "%2Fetc%2Fpasswd"):
        page = client.get(f"/artifacts/{path}")
        assert page.status_code == 404, path
        assert "not for the dashboard" not in page.text
    root = readside.artifacts_dir
    assert resolve_artifact(root, "../secret.txt") is None
    assert resolve_artifact(root, "/etc/passwd") is None
    assert resolve_artifact(root, "escape.txt") is None
    assert resolve_artifact(root, readside.screenshot) == (root / readside.screenshot).resolve()


def test_incidents_page_lists_open_and_recently_resolved(
    client: httpx.Client, readside: Readside
) -> None:
    html = client.get("/incidents").text
    open_part, resolved_part = html.split("Resolved in the last 7 days")
    assert "authentication backend down" in open_part
    assert f'<a href="/runs/{readside.failed_run_id}">evidence</a>' in open_part
    assert "cause: backend outage" in open_part
    assert f'<img src="/artifacts/{readside.screenshot}" alt="evidence screenshot"' in open_part
    assert "network outage" in resolved_part
    assert "st-resolved" in resolved_part


def test_serve_in_thread_listens_then_stops(readside: Readside) -> None:
    handle = serve_in_thread(readside.store_url, readside.artifacts_dir, "127.0.0.1", 0)
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", handle.url)
        assert httpx.get(f"{handle.url}/healthz", timeout=5).text == "ok\n"
        assert "shop-login" in httpx.get(handle.url + "/", timeout=10).text
    finally:
        handle.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{handle.url}/healthz", timeout=2)


@pytest.mark.chromium
def test_overview_in_real_chromium(readside: Readside, tmp_path: Path) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    handle = serve_in_thread(readside.store_url, readside.artifacts_dir, "127.0.0.1", 0,
                             clock=lambda: readside.now)
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
                 "--window-size=1280,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get(handle.url + "/")
        assert driver.title == "Overview · Ronde"
        rows = driver.find_elements(By.CSS_SELECTOR, "table#journeys tbody tr")
        by_journey = {r.get_attribute("data-journey"): r for r in rows}
        assert set(by_journey) == {"shop-login", "shop-search"}
        login = by_journey["shop-login"]
        assert login.find_element(By.CSS_SELECTOR, "td.a24 .avail").text == "90.00 %"
        assert login.find_element(By.CSS_SELECTOR, "td.a7d .avail").text == "95.00 %"
        assert "low" in login.find_element(By.CSS_SELECTOR, "td.a24 .avail").get_attribute("class")
        shot = tmp_path / "overview.png"
        assert driver.save_screenshot(str(shot))
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    finally:
        driver.quit()
        handle.stop()


def test_ronde_dashboard_command_serves_the_configured_store(
    readside: Readside, tmp_path: Path
) -> None:
    config = tmp_path / "ronde.yaml"
    config.write_text(f"storage: {readside.store_url}\nartifacts: {readside.artifacts_dir}\n")
    port = free_port()
    ronde = Path(sys.executable).with_name("ronde")
    proc = subprocess.Popen(
        [str(ronde), "dashboard", "--config", str(config), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.communicate()[0]
                assert time.monotonic() < deadline, "dashboard did not start in 30 s"
                time.sleep(0.1)
        assert page.status_code == 200
        assert '<tr data-journey="shop-login">' in page.text
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        expected = 'ronde_runs_total{device="sim-b",journey="shop-search",status="passed"} 4.0'
        assert expected in metrics
    finally:
        proc.terminate()
        output = proc.communicate(timeout=15)[0]
    assert f"dashboard: http://127.0.0.1:{port}/" in output


class _DownSource:
    """A source whose database went away: every read fails as storage reports it."""

    def __getattr__(self, name: str) -> object:
        def fail(*args: object, **kwargs: object) -> object:
            raise StorageUnavailable("database postgresql://ronde@db/ronde unreachable")

        return fail


def test_metrics_use_the_configured_alert_window(readside: Readside, tmp_path: Path) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    from ronde.config import load_command_config
    from ronde.report.store_source import StoreSource

    # 2 h, not the default 1 h: the readside rounds are hourly, so the figures differ
    config_path = tmp_path / "ronde.yaml"
    config_path.write_text(f"storage: {readside.store_url}\nalerts:\n  defaults:\n"
                           "    window: 2h\n    availability_below: 99\n")
    config = load_command_config(config_path)
    handle = serve_in_thread(config.storage_url, readside.artifacts_dir,
                             source=StoreSource.open(config.storage_url),
                             clock=lambda: readside.now,
                             alert_window=config.alerts.default_window)
    try:
        text = httpx.get(handle.url + "/metrics", timeout=10).text
    finally:
        handle.stop()
    samples = [s for f in text_string_to_metric_families(text)
               if f.name == "ronde_alert_window_availability_ratio" for s in f.samples]
    assert samples and {s.labels["window"] for s in samples} == {"2h"}
    source = StoreSource.open(readside.store_url)
    try:
        stored = source.availability(readside.now - timedelta(hours=2), readside.now)
    finally:
        source.close()
    got = {(s.labels["journey"], s.labels["kind"]): s.value for s in samples}
    assert got == {(journey, kind): value for journey, a in stored.items()
                   for kind, value in (("first_attempt", a.first_attempt),
                                       ("confirmed", a.confirmed)) if value is not None}


def test_an_unreachable_database_gives_a_503_page_not_a_crash(readside: Readside) -> None:
    handle = serve_in_thread("unused", readside.artifacts_dir, "127.0.0.1", 0,
                             source=_DownSource())  # type: ignore[arg-type]
    try:
        page = httpx.get(handle.url + "/", timeout=10)
        assert page.status_code == 503
        assert "The results database cannot be read right now" in page.text
        assert 'http-equiv="refresh"' in page.text
        assert httpx.get(handle.url + "/healthz", timeout=10).status_code == 200
    finally:
        handle.stop()


def test_a_taken_port_is_a_clear_error(readside: Readside) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(DashboardError, match=f"could not listen on 127.0.0.1:{port}"):
            serve_in_thread(readside.store_url, readside.artifacts_dir, "127.0.0.1", port)
