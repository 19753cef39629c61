"""No secret leaves the robot in any encoding: a corpus of nasty secrets is typed into the demo
shop (simulated device, real Appium) and the demo web shop (Chromium), put into deep links and
URLs (query, path, userinfo), then everything written is searched for every encoding of every
secret, by encoders written here, independently of the Masker."""

from __future__ import annotations

import html
import io
import json
import logging
import re
import sqlite3
import textwrap
import urllib.parse
import xml.sax.saxutils
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from emulators.appium_server import AppiumServer
from emulators.capabilities import DEMO_SHOP
from journeys.masking import MASK, SHORT, Masker
from journeys.model import Journey
from journeys.parser import load_journey
from journeys.results import RunResult, Status
from robots.devices import DeviceSpec
from robots.runner import run_journey
from scheduler.daemon import _log_event
from scheduler.events import Event, Kind
from scheduler.logs import SecretMask, setup_logging, teardown_logging
from tests.robots.conftest import shop_env

pytestmark = pytest.mark.appium

CORPUS = (
    "p@ss w0rd!x",                                # the incident: space and @ in a URL
    "a+b=c&d?e#f/g%25h",                          # every URL delimiter, and a real %25
    "q\"uo'te\\back<tag>&amp;",                   # quotes, backslash, markup, an entity
    "pässwörd€😀 ünï",                           # non-ASCII, an emoji (UTF-16 surrogates)
    "Q7x",                                        # short: masked as a whole token only
    "§",                                          # one character
    "L0ng/" + "Z9 @%+&=?#\\\"'<>é" * 12,          # long, everything at once
    "semi;colon, comma:tilde~ (paren)",           # the separators no encoder agrees on
)
NAMES = tuple(f"CORPUS_{i}" for i in range(len(CORPUS)))
CORPUS_ENV = dict(zip(NAMES, CORPUS, strict=True))

NATIVE = """
appId: com.ronde.demo.shop
monitor: {{id: corpus-native-{n}, step_timeout: 3s, timeout: 1m, secrets: [{a}, {b}, {c}, {d}]}}
---
- launchApp
- tapOn: {{id: login}}
- tapOn: {{id: email}}
- inputText: ${{{a}}}
- tapOn: {{id: password}}
- inputText: ${{{b}}}
- openLink: "demoshop://login?token=${{{c}}}"
- openLink: "demoshop://nowhere/${{{d}}}"
"""
# Ends on the search results, the query's secret in the page's own URL (the incident's
# page-source.json), after 404s carrying secrets in a path, a query and the userinfo.
WEB_URL = """
url: ${{SHOP_WEB_URL}}
monitor: {{id: corpus-web-url-{n}, step_timeout: 4s, timeout: 1m, secrets: [{f}, {q}, {p}, {u}]}}
---
- launchApp
- openLink: "${{SHOP_WEB_URL}}/missing/${{{p}}}"
- openLink: "http://robot:${{{u}}}@${{SHOP_WEB_HOST}}/missing-too"
- openLink: "${{SHOP_WEB_URL}}/login"
- tapOn: {{id: password}}
- inputText: ${{{f}}}
- openLink: "${{SHOP_WEB_URL}}/results?q=${{{q}}}"
- assertVisible: {{id: never_there}}
"""
# Ends on the refused login, the page echoing the typed e-mail in its field.
WEB_FORM = """
url: ${{SHOP_WEB_URL}}
monitor: {{id: corpus-web-form-{n}, step_timeout: 4s, timeout: 1m, secrets: [{e}, {f}, {q}]}}
---
- launchApp
- openLink: "${{SHOP_WEB_URL}}/missing?q=${{{q}}}&again=${{{q}}}"
- openLink: "${{SHOP_WEB_URL}}/login"
- tapOn: {{id: email}}
- inputText: ${{{e}}}
- tapOn: {{id: password}}
- inputText: ${{{f}}}
- tapOn: {{css: "#submit"}}
- assertVisible: {{id: welcome_banner}}
"""


def encodings(secret: str) -> set[str]:
    """Every form we know a secret to take on its way through a browser, a device or code."""
    q = urllib.parse.quote
    percent = {
        q(secret, safe=""), q(secret), urllib.parse.quote_plus(secret),
        q(secret, safe="-_.!~*'()"),                       # encodeURIComponent
        q(secret, safe=";,/?:@&=+$-_.!~*'()#"),            # encodeURI
        q(secret, safe="!$&'()*+,;=:@/~-._"),              # a browser's path
        q(secret, safe="!$&()*+,;=:@/?~-._"),              # a browser's query
        q(secret, safe="!$&'()*+,;=~-._"),                 # a browser's userinfo
    }
    percent |= {re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), p) for p in percent}
    text = {secret, secret.replace("\\", "/")}
    escaped = {
        html.escape(secret), html.escape(secret, quote=False),
        html.escape(secret).replace("&#x27;", "&#39;"),
        html.escape(secret).replace("&#x27;", "&apos;"),
        xml.sax.saxutils.escape(secret, {'"': "&quot;", "'": "&apos;"}),
        json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
        json.dumps(secret)[1:-1].replace("<", "\\u003c").replace(">", "\\u003e")
        .replace("&", "\\u0026"),
        json.dumps(json.dumps(secret))[3:-3],              # JSON inside a JSON string
        '", "'.join(secret), '","'.join(secret),           # typed as a list of characters
    }
    return {f for f in text | percent | escaped if f}


def find(secret: str, data: str) -> list[str]:
    """The encodings of `secret` present in `data` (short ones only as whole tokens)."""
    found = []
    for form in encodings(secret):
        if len(secret) < SHORT:
            if re.search(rf"(?<![^\W_]){re.escape(form)}(?![^\W_])", data):
                found.append(form)
        elif form in data:
            found.append(form)
    return found


def test_the_oracle_finds_what_it_looks_for() -> None:
    """The search below can fail: each encoding of each secret is found where it is."""
    for secret in CORPUS:
        for form in encodings(secret):
            assert find(secret, f"x {form} x"), (secret, form)
            assert not find(secret, f"x {Masker([secret]).mask(form)} x"), (secret, form)


@pytest.fixture(scope="module")
def filtered_appium(sim_state_dir: Path, tmp_path_factory: pytest.TempPathFactory,
                    ) -> Iterator[AppiumServer]:
    """Appium at `debug`: every request body is logged, so only its log filters stand
    between the typed secrets and the file."""
    log = tmp_path_factory.mktemp("appium-corpus") / "appium.log"
    with AppiumServer(log_path=log, sim_state=sim_state_dir, drivers=["ronde-sim"],
                      log_level="debug", mask_pattern=Masker(CORPUS).js_pattern()) as server:
        yield server


def _journey(folder: Path, name: str, template: str, **slots: Any) -> Journey:
    path = folder / f"{name}.yaml"
    path.write_text(textwrap.dedent(template.format(**slots)).lstrip(), encoding="utf-8")
    return load_journey(path)


def _slots(keys: str, start: int) -> dict[str, str]:
    return {k: NAMES[(start + i) % len(NAMES)] for i, k in enumerate(keys)}


def test_no_encoding_of_any_secret_is_written_anywhere(
    filtered_appium: AppiumServer, sim_udid: str, web_shop: Any, chrome_device: DeviceSpec,
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    from ronde.report.render import render_report
    from ronde.report.store_source import StoreSource
    from storage import Store

    jdir, artifacts = tmp_path / "journeys", tmp_path / "artifacts"
    jdir.mkdir()
    host = urllib.parse.urlsplit(web_shop.url).netloc  # type: ignore[attr-defined]
    environ = {**shop_env(), **CORPUS_ENV, "SHOP_WEB_URL": web_shop.url,  # type: ignore[attr-defined]
               "SHOP_WEB_HOST": host}
    sim = DeviceSpec(sim_udid, ("android", "sim"), simulated_app=str(DEMO_SHOP))
    plan: list[tuple[Journey, DeviceSpec]] = [
        (_journey(jdir, "n0", NATIVE, n=0, **_slots("abcd", 0)), sim),
        (_journey(jdir, "n1", NATIVE, n=1, **_slots("abcd", 4)), sim),
        (_journey(jdir, "w0", WEB_URL, n=0, **_slots("fqpu", 1)), chrome_device),
        (_journey(jdir, "w1", WEB_URL, n=1, **_slots("fqpu", 5)), chrome_device),
        (_journey(jdir, "w2", WEB_FORM, n=2, **_slots("efq", 2)), chrome_device),
        (_journey(jdir, "w3", WEB_FORM, n=3, **_slots("efq", 6)), chrome_device),
    ]
    caplog.set_level(logging.DEBUG)  # every library's records, Selenium's request bodies too
    console_out = io.StringIO()
    mask = SecretMask()
    mask.update(environ.get(n, "") for j, _ in plan for n in j.monitor.secrets)  # as the daemon
    handlers = setup_logging(tmp_path / "ronde.log", Console(file=console_out, width=200),
                             mask, verbose=True)
    db = tmp_path / "db" / "runs.db"
    db.parent.mkdir()
    results: list[RunResult] = []
    try:
        with Store.open(f"sqlite:///{db}") as store:
            for journey, device in plan:
                result = run_journey(journey, device, appium_url=filtered_appium.url,
                                     artifacts_dir=artifacts, environ=environ)
                _log_event(Event(Kind.FINISHED, journey.id, device.name, result=result))
                store.record_run(result, journey)
                results.append(result)
            now = datetime.now(UTC)
            report = render_report(StoreSource(store, owns_store=False).trial(
                now - timedelta(hours=1), now + timedelta(minutes=1)))
    finally:
        teardown_logging(handlers)

    assert all(r.status in (Status.FAILED, Status.ERROR) and r.artifacts for r in results), [
        (r.journey, r.status, r.error) for r in results]
    # Screenshots are pixels re-encoded without text chunks (tests/robots/test_evidence.py);
    # their compressed bytes would match a one-character secret by chance.
    written = [p for p in tmp_path.rglob("*")
               if p.is_file() and p.suffix not in (".yaml", ".png")]
    assert len(list(artifacts.rglob("*.png"))) == len(plan)
    places = {str(p.relative_to(tmp_path)): p.read_bytes().decode("utf-8", "replace")
              for p in written}
    with sqlite3.connect(db) as conn:
        places["database rows"] = "\n".join(conn.iterdump())
    places.update({"appium log": filtered_appium.log_path.read_text("utf-8", "replace"),
                   "python log records": caplog.text, "console": console_out.getvalue(),
                   "report": report, "results": json.dumps([r.to_json() for r in results])})
    assert sum(f.startswith("artifacts/") for f in places) == 4 * len(plan)
    assert all(r.run_id in places["database rows"] for r in results)

    leaks = [(where, secret, form) for where, data in places.items() for secret in CORPUS
             for form in find(secret, data)]
    assert leaks == []

    # the secrets did come by: typed (Appium's request bodies), in URLs, errors and pages
    masked = {where: data.count(MASK) for where, data in places.items()}
    assert masked["appium log"] >= 2 * len(CORPUS), masked
    assert masked["python log records"] >= len(CORPUS), masked
    page_sources = [w for w in places if "page-source" in w]
    assert page_sources and all(masked[w] for w in page_sources), masked
    # Chromium hands its console lines over asynchronously: when a 404 of a secret-carrying
    # path made it into a device log, its secret is masked there.
    logged_404s = [w for w in places if w.endswith("logcat.txt") and "/missing" in places[w]]
    assert all(masked[w] for w in logged_404s), masked

