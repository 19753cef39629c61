"""No secret value leaves the robot: not in the result, its evidence files, its log lines, nor
what storage keeps of the run, even when the app shows the secret on screen."""

from __future__ import annotations

import json
import logging
import sqlite3
import urllib.parse
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from journeys.model import Journey
from journeys.results import Category, RunResult, Status
from tests.robots.conftest import APPS, shop_env

pytestmark = pytest.mark.appium

SECRET = "S3cr3t-Ronde&<Value>"
JOURNEY = """
appId: com.ronde.test.leaky
monitor: {id: leaky, step_timeout: 1500ms, timeout: 1m, secrets: [SHOP_PASSWORD]}
---
- launchApp
- assertVisible: Connexion
- tapOn: {id: password}
- inputText: ${SHOP_PASSWORD}
- assertVisible: {id: welcome_banner}
"""


def forms(secret: str) -> list[bytes]:
    texts = {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret),
             secret.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"),
             json.dumps(secret)[1:-1]}
    return [t.encode() for t in texts]


def test_no_secret_anywhere(journey_file: Callable[..., Journey],
                            run_sim: Callable[..., RunResult], tmp_path: Path,
                            caplog: pytest.LogCaptureFixture, appium_server: Any) -> None:
    env = {**shop_env(), "SHOP_PASSWORD": SECRET}
    artifacts = tmp_path / "artifacts"
    caplog.set_level(logging.DEBUG)
    journey = journey_file(JOURNEY)
    result = run_sim(journey, app=APPS / "leaky-login.yaml", environ=env,
                     artifacts_dir=artifacts)
    assert (result.status, result.category) == (Status.FAILED, Category.DISPLAY)

    # the app did show it: the page source we saved had it before masking
    page = next(a for a in result.artifacts if a.kind == "page_source")
    saved = (artifacts / page.path).read_text()
    assert "•••" in saved and 'resource-id="com.ronde.test.leaky:id/password"' in saved

    places: dict[str, bytes] = {"result": json.dumps(asdict(result), default=str).encode(),
                                "json": json.dumps(result.to_json()).encode(),
                                "log": caplog.text.encode(),
                                "appium log": appium_server.log_path.read_bytes()}
    files = [p for p in artifacts.rglob("*") if p.is_file()]
    assert len(files) == len(result.artifacts) >= 5
    places.update({str(p): p.read_bytes() for p in files})

    from storage import Store

    db = tmp_path / "runs.db"
    with Store.open(f"sqlite:///{db}") as store:
        store.record_run(result, journey)
    with sqlite3.connect(db) as conn:
        places["database"] = "\n".join(conn.iterdump()).encode()
    assert result.run_id.encode() in places["database"]  # the run was stored

    for where, data in places.items():
        for form in forms(SECRET):
            assert form not in data, f"secret found in {where}"
