"""The trial report as printed: every PDF page rendered to an image (kept in
test-artifacts/report/), its text extracted, nothing cut, no heading alone at a page foot,
in English and in French, and its figures equal to storage's for the same window.

The data is the hard case of issue 15: six journeys with long keys and names, ten minutes
of runs in a ten-day report.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from html import escape, unescape
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from PIL import Image

from journeys.results import Category, RunResult, Status, TransactionResult
from ronde.cli import main
from ronde.report.charts import CHAR_W
from storage import Store, kpi

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "report"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
JOURNEYS = {
    "shop-login-and-cart": "Log in, then open the cart",
    "shop-search-and-checkout": "Search a product and pay through the payment app",
    "shop-wishlist-synchronisation": "Wishlist kept in step between the phone and the web",
    "web-shop-login": "Mobile web: log in from the home page",
    "shop-order-history-after-payment": "Order history shows the order just paid",
    "payment-app-handover": "Hand-over to the payment app and back",
}
TRANSACTIONS = ("Launch", 'tapOn "Valider" -> welcome_banner', "Search results")


def _run(journey: str, k: int, minute: int) -> RunResult:
    at = NOW - timedelta(minutes=10) + timedelta(minutes=minute, seconds=k)
    failed = k == 1 and minute == 4
    times = (850.0 + 40 * k, 1000.0 + 250 * k + 10 * minute, 12_500.0 if k == 5 else 600.0)
    return RunResult(
        journey=journey, device=f"sim-pixel-{k % 2 + 1}", status=Status.FAILED if failed
        else Status.PASSED, category=Category.BACKEND if failed else None,
        started_at=at, ended_at=at + timedelta(seconds=20), duration_ms=20_000.0,
        transactions=tuple(
            TransactionResult(name, "tapOn", "assertVisible",
                              Status.FAILED if failed and n == 1 else Status.PASSED,
                              None if failed and n == 1 else ms, 30.0, is_load=n == 0)
            for n, (name, ms) in enumerate(zip(TRANSACTIONS, times, strict=True))
        ),
        load_ms=times[0], run_id=uuid.uuid4().hex, scheduled_at=at, platform="android",
    )


def _journey(key: str) -> SimpleNamespace:
    """What `Store.record_run` reads of a journey (its name, for the report)."""
    return SimpleNamespace(id=key, name=JOURNEYS[key], platform="android", definition_hash="",
                           monitor=SimpleNamespace(secrets=(), slow_ms=None))


@pytest.fixture(scope="module")
def ten_minutes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ronde.yaml whose store holds 10 minutes of six journeys (one failure, one
    incident), recorded at NOW."""
    root = tmp_path_factory.mktemp("ten-minutes")
    url = f"sqlite:///{root / 'ronde.db'}"
    clock = [NOW]
    with Store.open(url, spool_path=root / "spool.jsonl", clock=lambda: clock[0]) as store:
        for k, journey in enumerate(JOURNEYS):
            for minute in range(0, 10, 2):
                store.record_run(_run(journey, k, minute), _journey(journey))
        clock[0] = NOW - timedelta(minutes=5)
        store.open_incident("shop-search-and-checkout:backend", kind="app", rule="consecutive",
                            journey="shop-search-and-checkout", category="backend",
                            diagnosis="Search fails on every device with a server error.",
                            diagnosis_fr="La recherche échoue sur tous les appareils avec une "
                                         "erreur serveur.", confidence=0.8,
                            cause="backend_outage")
    config = root / "ronde.yaml"
    config.write_text(f"storage: {url}\nartifacts: {root / 'artifacts'}\n")
    return config


_REPORTS: dict[tuple[Path, str], tuple[str, Path]] = {}


def _report(config: Path, lang: str) -> tuple[str, Path]:
    """`ronde report --pdf` in `lang`, printed once per module (Chromium takes seconds)."""
    if (config, lang) in _REPORTS:
        return _REPORTS[(config, lang)]
    out = config.parent / lang
    result = CliRunner().invoke(main, [
        "report", "--config", str(config), "--since", "10d", "--lang", lang,
        "--until", NOW.strftime("%Y-%m-%dT%H:%M:%S"),
        "--out", str(out / "report.html"), "--pdf", str(out / "report.pdf"),
    ])
    assert result.exit_code == 0, result.output + repr(result.exception)
    _REPORTS[(config, lang)] = (out / "report.html").read_text(encoding="utf-8"), \
        out / "report.pdf"
    return _REPORTS[(config, lang)]


def _pages(pdf: Path, name: str) -> list[tuple[str, Image.Image]]:
    """(text, image) of every page; the images are kept in test-artifacts/report/."""
    for tool in ("pdftoppm", "pdftotext", "pdfinfo"):
        assert shutil.which(tool), f"{tool} is missing: ./dev setup installs poppler-utils"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    count = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))  # type: ignore[union-attr]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(pdf), str(ARTIFACTS / name)],
                   check=True, timeout=60)
    pages = []
    for n in range(1, count + 1):
        text = subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf),
                               "-"],
                              capture_output=True, text=True, check=True).stdout
        image = next(ARTIFACTS.glob(f"{name}-{n:0{len(str(count))}d}.png"))
        pages.append((text, Image.open(image).convert("L")))
    return pages


def _text(html: str) -> str:
    """What a reader sees of some HTML: tags gone, entities decoded, spaces collapsed
    (no-break spaces included)."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _headings(html: str) -> list[str]:
    return [_text(h).strip() for h in re.findall(r"<h[123][^>]*>(.*?)</h[123]>", html, re.S)]


def _blank_margin(image: Image.Image) -> bool:
    """Nothing printed in the outer 8 mm of the page (the @page margin is 12-14 mm): no
    table, chart or label ran off its box."""
    w, h = image.size
    edge = round(w * 8 / 210)
    strips = (image.crop((0, 0, edge, h)), image.crop((w - edge, 0, w, h)),
              image.crop((0, h - edge, w, h)))
    return all(strip.getextrema()[0] > 245 for strip in strips)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_page_shows_whole_names_and_no_orphan_heading(ten_minutes: Path,
                                                            lang: str) -> None:
    html, pdf = _report(ten_minutes, lang)
    pages = _pages(pdf, f"report-{lang}")
    assert len(pages) >= 2
    text = "\n".join(t for t, _ in pages)
    lines = {line.strip() for line in text.splitlines()}
    for key, name in JOURNEYS.items():
        # every name whole, on at most two lines: not squeezed one word per line, not cut
        found = re.search(r"\s+".join(map(re.escape, name.split())), text)
        assert found and found.group().count("\n") <= 1, (name, lang)
        assert any(line.startswith(key + " ") for line in lines), key  # a table's first cell
        assert text.count(key) >= 4, key  # tables, the legends, the load bars
    headings = set(_headings(html))
    for n, (page, image) in enumerate(pages, 1):
        last = [line.strip() for line in page.splitlines() if line.strip()][-1]
        assert last not in headings, f"page {n} ends with the heading {last!r} ({lang})"
        assert _blank_margin(image), f"page {n} prints into its margin ({lang})"


def test_the_period_says_how_much_data_there_is(ten_minutes: Path) -> None:
    html, _ = _report(ten_minutes, "en")
    period = _text(html[html.index('id="period"'):])
    assert period.startswith('id="period">Runs from 2026-11-20 11:50:00 UTC to '
                             "2026-11-20 11:58:05 UTC (8 minutes 5 seconds of data) · "
                             "period asked: 10 days up to 2026-11-20 12:00:00 UTC · "
                             "6 journeys · 2 devices")
    assert "10.0 days" not in html
    # the daily chart starts on the first day with runs: one day, not eleven
    chart = html[html.index("Confirmed availability per day"):]
    chart = chart[: chart.index("</svg>")]
    assert re.findall(r">(\d\d \w{3})</text>", chart) == ["20 Nov"]


def test_chart_legends_and_bar_labels_are_whole_and_inside(ten_minutes: Path) -> None:
    html, _ = _report(ten_minutes, "en")
    for svg in re.findall(r"<svg .*?</svg>", html, re.S):
        width = float(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))  # type: ignore[union-attr]
        height = float(re.search(r'viewBox="0 0 \d+ (\d+)"', svg).group(1))  # type: ignore[union-attr]
        for match in re.finditer(r'<g transform="translate\(0 (\d+)\)">(.*?)</g>', svg, re.S):
            # legends: every item starts and ends inside the chart
            for x, y, name in re.findall(r'<text x="(\d+)" y="(\d+)"[^>]*>([^<]*)</text>',
                                         match.group(2)):
                assert float(x) + CHAR_W * len(name) <= width, name
                assert float(match.group(1)) + float(y) <= height, name
        for x, label in re.findall(r'<text x="([\d.]+)" y="[\d.]+" fill="#374151">([^<]*)'
                                   r"</text>", svg):
            assert float(x) + CHAR_W * len(label.replace("&#34;", '"')) <= width, label
    legend = html[html.index("Confirmed availability per day"):]
    legend = legend[: legend.index("</svg>")]
    assert all(f">{key}</text>" in legend for key in JOURNEYS)  # the 6th journey too
    bars = html[html.index("Response time per transaction (p50, p95)"):]
    bars = bars[: bars.index("</svg>")]
    assert "…" not in bars and "12.5\u00a0s" in bars
    assert f"<title>{escape('shop-order-history-after-payment · ' + TRANSACTIONS[1])}" in bars


def test_report_figures_are_storage_figures_for_the_same_window(ten_minutes: Path) -> None:
    html, _ = _report(ten_minutes, "en")
    url = ten_minutes.read_text().split()[1]
    since = NOW - timedelta(days=10)
    with Store.open(url, spool_path=ten_minutes.parent / "read.jsonl") as store:
        per_journey = kpi.availability(store, since=since, until=NOW)
        times = {(s.key[0], s.key[1]): s for s in kpi.response_times(
            store, ("journey", "transaction"), since=since, until=NOW)}
    first = sum(a.first_ok for a in per_journey) / sum(a.first_total for a in per_journey)
    confirmed = sum(a.rounds_ok for a in per_journey) / sum(a.rounds_total for a in per_journey)
    assert f'id="kpi-first">{first * 100:.2f}\u00a0%<' in html
    assert f'id="kpi-confirmed">{confirmed * 100:.2f}\u00a0%<' in html
    rows = _text(html[html.index('id="transactions"'):])
    for (journey, name), s in times.items():
        p95 = f"{s.p95:.0f} ms" if s.p95 < 10_000 else f"{s.p95 / 1000:.1f} s"
        row = re.search(rf"{re.escape(journey)} {re.escape(name)}( \(load\))? [\d.]+ % "
                        r"(\S+ \S+) (\S+ \S+) (\S+ \S+) (\d+)", rows)
        assert row and (row.group(3), int(row.group(5))) == (p95, s.count), (journey, name)


def test_the_french_report_is_french_throughout(ten_minutes: Path) -> None:
    html, pdf = _report(ten_minutes, "fr")
    text = _text(html)
    assert '<html lang="fr">' in html
    assert "Rapport d'essai Ronde" in text
    assert "Exécutions du 20 nov. 2026 11:50 UTC au 20 nov. 2026 11:58 UTC (8 minutes 5 " \
           "secondes de données) · période demandée : 10 jours jusqu'au 20 nov. 2026 12:00 " \
           "UTC · 6 parcours · 2 appareils" in text
    assert "96,67 %" in text  # 29 of 30 first attempts, decimal comma
    assert "12,5 s" in text and "1 050 ms" in text  # French number formats
    assert "La recherche échoue sur tous les appareils" in text  # the diagnosis in French
    assert "panne du serveur" in text and "serveur (backend)" in text
    for english in ("Availability", "Response times", "Summary", "confidence", "Journey",
                    "still open", "Runs from", "period asked", " Nov"):
        assert english not in text, english
    assert pdf.read_bytes().startswith(b"%PDF-")
