"""The journey, runs, incident and status pages: figures equal storage's for the same window,
navigation goes both ways, and every page fits a phone and a desktop in real Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from ronde.dashboard.figures import StoreFigures
from ronde.dashboard.server import serve_in_thread
from ronde.dashboard.settings import AuthSettings, DashboardSettings
from storage import Store, kpi
from tests.fixtures.readside import Readside

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"


@pytest.fixture(scope="module")
def store(readside: Readside, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    spool = tmp_path_factory.mktemp("pages") / "read.spool.jsonl"
    s = Store.open(readside.store_url, spool_path=spool)
    yield s
    s.close()


@pytest.fixture(scope="module")
def base(readside: Readside) -> Iterator[str]:
    handle = serve_in_thread(readside.store_url, readside.artifacts_dir, "127.0.0.1", 0,
                             clock=lambda: readside.now)
    yield handle.url
    handle.stop()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u00a0", " ").strip()


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.2f} %"


def _ms(value: float) -> str:
    return f"{value / 1000:.1f} s" if value >= 10_000 else f"{value:.0f} ms"


@pytest.mark.parametrize("range_key,span", [("24h", timedelta(hours=24)),
                                            ("7d", timedelta(days=7))])
def test_journey_page_figures_are_storages(base: str, store: Store, readside: Readside,
                                           range_key: str, span: timedelta) -> None:
    html = httpx.get(f"{base}/journeys/shop-login", params={"range": range_key}, timeout=10).text
    shown = StoreFigures(store).window(range_key, readside.now).slices
    since, until = shown.since, shown.until  # slices on the grid: the last holds now
    assert readside.now - span < since <= readside.now - span + shown.width < until
    a = kpi.availability(store, "shop-login", since=since, until=until)[0]
    start = html.index('id="kpi-availability"')
    kpi_box = _text(html[start:html.index('<div class="kpi', start + 10)])
    assert f"{_pct(a.confirmed)} confirmed" in kpi_box
    assert f"first attempt {_pct(a.first_attempt)} · {a.first_total} runs" in kpi_box
    table = html[html.index('id="transactions"'):]
    for s in kpi.response_times(store, ("transaction",), journey="shop-login", since=since,
                                until=until):
        row = re.search(rf'<tr data-transaction="{s.key[0]}">(.*?)</tr>', table, re.S)
        assert row, s.key
        assert re.findall(r'<td class="num[^"]*"[^>]*>(.*?)</td>', row.group(1).replace(
            "\u00a0", " ")) == [_ms(s.p50), _ms(s.p95), _ms(s.p99), str(s.count)]
    failed = sum(e.runs for e in kpi.error_breakdown(store, "shop-login", since=since,
                                                     until=until)
                 if e.status == "failed")
    cats = html[html.index('id="categories"'):html.index("</table>", html.index("categories"))]
    assert sum(int(n) for n in re.findall(r'<td class="num" data-label="Failed runs">(\d+)</td>',
                                          cats)) == failed
    assert "<script" not in html and " style=" not in html


def test_heartbeat_bars_carry_the_slices_availability(base: str, readside: Readside) -> None:
    html = httpx.get(f"{base}/journeys/shop-login", timeout=10).text
    bar = html[html.index('class="chart heartbeat"'):html.index("</svg>",
                                                               html.index("chart heartbeat"))]
    bar = bar.replace("\u00a0", " ")
    titles = re.findall(r"<title>([^<]*)</title>", bar)[1:]
    assert len(titles) == 48  # 24 h in 30 min slices
    # the round of NOW-1h: first attempt and its confirmation failed -> 0 % in its slice
    assert "2026-11-20 11:00:00 UTC – 2026-11-20 11:30:00 UTC: 0.00 % confirmed" in bar
    assert bar.count('fill="#dc2626"') == 1
    link = re.search(r'<a href="(/runs\?journey=shop-login&amp;since=2026-11-20T11%3A00[^"]*)"',
                     bar)
    assert link
    runs = httpx.get(base + link.group(1).replace("&amp;", "&"), timeout=10).text
    assert runs.count('<a href="/runs/') == 2  # the failed first attempt and its confirmation


def test_runs_filters_and_keyset_paging(base: str, store: Store) -> None:
    every = [r.run_id for r in reversed(store.runs(None, limit=1000, with_transactions=False))]
    seen: list[str] = []
    url = f"{base}/runs?limit=10"
    while url:
        html = httpx.get(url, timeout=10).text
        seen += re.findall(r'<td data-label="Started"><a href="/runs/(\w+)">', html)
        nxt = re.search(r'href="(/runs\?[^"]*)" rel="next"', html)
        url = base + nxt.group(1).replace("&amp;", "&") if nxt else ""
    assert seen == every  # newest first, each run once
    failed = httpx.get(f"{base}/runs", params={"status": "failed", "journey": "shop-login"},
                       timeout=10).text
    expected = [r for r in store.runs("shop-login", limit=1000) if r.status == "failed"]
    assert failed.count('<td data-label="Started"><a href="/runs/') == len(expected) == 3
    by_device = httpx.get(f"{base}/devices/sim-b", timeout=10, follow_redirects=True)
    assert by_device.url.path == "/runs" and by_device.url.params["device"] == "sim-b"
    assert by_device.text.count('<td data-label="Started"><a href="/runs/') == len(
        store.runs(None, device="sim-b", limit=1000))
    backend = httpx.get(f"{base}/runs", params={"category": "backend", "period": "24h"},
                        timeout=10).text
    assert backend.count('<td data-label="Started"><a href="/runs/') == 3
    bad = httpx.get(f"{base}/runs", params={"status": "broken"}, timeout=10)
    assert bad.status_code == 400
    assert "status=&#39;broken&#39;: expected one of passed, degraded, failed, error" in bad.text


def test_error_text_is_shown_whole(base: str) -> None:
    html = httpx.get(f"{base}/runs", params={"status": "error"}, timeout=10).text
    assert "no free device matched within 30 s</td>" in html


def test_navigation_goes_both_ways(base: str, readside: Readside) -> None:
    run = httpx.get(f"{base}/runs/{readside.failed_run_id}", timeout=10).text
    assert '<a href="/journeys/shop-login">' in run
    assert '<a href="/runs?device=sim-a">sim-a</a>' in run
    incident = re.search(r'<a href="/incidents/(\d+)" class="incident-link">', run)
    assert incident, "run -> incident"
    page = httpx.get(f"{base}/incidents/{incident.group(1)}", timeout=10).text
    assert '<a href="/journeys/shop-login">' in page  # incident -> journey
    assert f'<a href="/runs/{readside.failed_run_id}">' in page  # incident -> its runs
    journey = httpx.get(f"{base}/journeys/shop-login", timeout=10).text
    assert f'<a href="/incidents/{incident.group(1)}">' in journey  # journey -> incident
    overview = httpx.get(base + "/", timeout=10).text
    assert '<a href="/journeys/shop-login"><strong>shop-login</strong></a>' in overview


def test_incident_cards_say_each_figure_once(base: str) -> None:
    html = _text(httpx.get(f"{base}/incidents", timeout=10).text)
    assert html.count("confidence 80") == 1
    resolved = html[html.index("Resolved in the last 7 days"):]
    assert "resolved 2026-11-17 10:45:00 UTC after 45 min" in resolved
    assert "When it opened: Every journey failed" in resolved


def test_availability_is_labelled_on_the_overview(base: str) -> None:
    html = httpx.get(base + "/", timeout=10).text
    row = re.search(r'<tr data-journey="shop-login">(.*?)</tr>', html, re.S)
    assert row
    cell = _text(re.search(r'<td class="a24">(.*?)</td>', row.group(1), re.S).group(1))
    assert cell == "90.00 % confirmed first attempt 80.00 % · 10 runs"


def test_status_page_shows_no_internals_and_agrees_with_storage(
    base: str, store: Store, readside: Readside
) -> None:
    html = httpx.get(f"{base}/status", timeout=10).text
    main = html[html.index("<main>"):]
    for internal in ("/runs/", "/artifacts/", "sim-a", "sim-b", "backend", "welcome_banner",
                     "/incidents"):
        assert internal not in main, internal
    since = readside.now.replace(hour=0, minute=0) - timedelta(days=89)
    for key in ("shop-login", "shop-search"):
        a = kpi.availability(store, key, since=since, until=readside.now)[0]
        block = main[main.index(f'data-journey="{key}"'):]
        assert f'<span class="avail90">{_pct(a.confirmed)} available</span>'.replace(
            " %", "\u00a0%") in block
        assert block.count("<rect") >= 90
    assert "1 of 2 journeys are failing." in _text(main)


def test_status_page_is_public_only_when_configured(readside: Readside) -> None:
    auth = AuthSettings(token="t" * 32)
    for public, expected in ((False, 401), (True, 200)):
        settings = DashboardSettings(auth=auth, status_page_public=public)
        handle = serve_in_thread(readside.store_url, readside.artifacts_dir, "127.0.0.1", 0,
                                 clock=lambda: readside.now, settings=settings)
        try:
            assert httpx.get(f"{handle.url}/status", timeout=10).status_code == expected
            assert httpx.get(f"{handle.url}/journeys/shop-login", timeout=10).status_code == 401
            assert httpx.get(f"{handle.url}/", timeout=10).status_code == 401
        finally:
            handle.stop()


# ---- real Chromium: every page at a phone and a desktop width ------------------------------

OVERFLOW_JS = """
const vw = document.documentElement.clientWidth, out = [];
const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
  (typeof el.className === 'string' && el.className ? '.' + el.className.trim() : '');
const page = document.documentElement.scrollWidth;
if (page > vw) out.push(`page ${page} > ${vw}`);
for (const el of document.querySelectorAll('body *')) {
  if (el.closest('svg') || el.closest('title')) continue;
  const cs = getComputedStyle(el);
  if (cs.display === 'none' || cs.display === 'inline' || el.tagName === 'OPTION') continue;
  if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1)
    out.push(`${name(el)} scrollWidth ${el.scrollWidth} > clientWidth ${el.clientWidth}`);
  const r = el.getBoundingClientRect();
  if (r.width > 0 && (r.right > vw + 1 || r.left < -1)) out.push(`${name(el)} out of the page`);
}
for (const svg of document.querySelectorAll('svg.chart')) {
  const vb = svg.viewBox.baseVal;
  for (const t of svg.querySelectorAll('text')) {
    const b = t.getBBox();
    if (b.x < vb.x - 1 || b.x + b.width > vb.x + vb.width + 1 || b.y < vb.y - 1 ||
        b.y + b.height > vb.y + vb.height + 1) out.push(`svg text cut: ${t.textContent}`);
  }
  const r = svg.getBoundingClientRect();
  if (r.right > vw + 1) out.push(`svg ${svg.getAttribute('aria-label')} wider than the page`);
}
return out;
"""

PAGES = ("/", "/journeys/shop-login?range=24h", "/journeys/shop-login?range=7d",
         "/journeys/shop-login?range=30d", "/journeys/shop-login?range=trial", "/runs",
         "/runs?journey=shop-login&status=failed", "/run", "/incidents", "/incident",
         "/status")


@pytest.mark.chromium
def test_every_page_fits_a_phone_and_a_desktop(base: str, readside: Readside,
                                               tmp_path: Path) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--hide-scrollbars",
                 f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    incident = re.search(r'href="/incidents/(\d+)"',
                         httpx.get(f"{base}/runs/{readside.failed_run_id}", timeout=10).text)
    assert incident
    problems: dict[str, list[str]] = {}
    try:
        for width in (390, 1400):
            driver.set_window_size(width, 1000)
            for path in PAGES:
                url = {"/run": f"/runs/{readside.failed_run_id}",
                       "/incident": f"/incidents/{incident.group(1)}"}.get(path, path)
                driver.get(base + url)
                assert driver.execute_script("return window.innerWidth") == width
                assert "· Ronde" in driver.title and driver.title[0] not in "45", driver.title
                slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "overview"
                shot = ARTIFACTS / f"{slug}-{width}.png"
                height = driver.execute_script("return document.documentElement.scrollHeight")
                driver.set_window_size(width, min(max(height, 600), 6000))
                assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 5_000
                driver.set_window_size(width, 1000)
                found = driver.execute_script(OVERFLOW_JS)
                if found:
                    problems[f"{url} @ {width}px"] = found[:8]
    finally:
        driver.quit()
    assert not problems, problems


def test_the_slow_threshold_is_stored_and_drawn(tmp_path: Path, readside: Readside) -> None:
    from types import SimpleNamespace

    from ronde.dashboard.figures import StoreFigures
    from ronde.dashboard.timecharts import Axis, response_chart
    from tests.fixtures.readside import fill

    journey = SimpleNamespace(id="shop-login", name="Login", platform="android",
                              definition_hash="h1",
                              monitor=SimpleNamespace(secrets=(), slow_ms=3000))
    with Store.open(f"sqlite:///{tmp_path / 'r.db'}", spool_path=tmp_path / "s.jsonl") as s:
        fill(s, tmp_path / "artifacts")
        s.record_run(_passed(readside), journey)  # the robot records with the journey
        figures = StoreFigures(s)
        found = figures.journey("shop-login", figures.window("24h", readside.now))
    assert found is not None and found.slow_ms == 3000
    login = next(t for t in found.transactions if t.name == "Login")
    svg = str(response_chart(login, Axis(found.window.slices), found.slow_ms, "Login"))
    assert 'class="slow"' in svg and "slow 3000\u00a0ms" in svg


def _passed(readside: Readside) -> object:
    from journeys.results import Status
    from tests.fixtures.readside import _run

    return _run("shop-login", "sim-a", Status.PASSED, readside.now - timedelta(minutes=5), 900.0)
