"""The dashboard's overview names every robot of the fleet: location, devices, journeys."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from ronde.dashboard import serve_in_thread
from storage import Store


def test_the_overview_lists_the_fleets_robots(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ronde.db'}"
    store = Store.open(url, spool_path=tmp_path / "spool", environ={})
    paris = store.heartbeat_start("host-p", 11, "ronde", robot_name="paris-1", location="paris")
    store.heartbeat(paris, devices=["sim-a", "sim-b"], running=["shop-login"])
    lyon = store.heartbeat_start("host-l", 12, "ronde", robot_name="lyon-1", location="lyon")
    store.heartbeat(lyon, devices=["pixel-1"], running=["shop-login", "search"])
    store.close()
    handle = serve_in_thread(url, tmp_path / "artifacts", "127.0.0.1", 0)
    try:
        html = httpx.get(handle.url + "/", timeout=10).text
    finally:
        handle.stop()
    line = html[html.index('<p class="robots'):]
    line = line[:line.index("</p>")]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", line)).strip()
    assert text.startswith("Robots running:")
    assert "paris-1 @ paris (last beat" in text and "2 devices, 1 journey)" in text
    assert "lyon-1 @ lyon (last beat" in text and "1 device, 2 journeys)" in text
    assert 'title="host host-l, pid 12' in line and "watches: shop-login, search" in line


def test_a_silent_robots_incident_names_the_robot_not_a_journey(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ronde.db'}"
    store = Store.open(url, spool_path=tmp_path / "spool", environ={})
    store.open_incident(
        "robot:silent:paris-1", kind="robot", rule="robot_silent", cause="robot_silent",
        summary="robot paris-1 silent",
        diagnosis="Robot paris-1 (paris) silent since 03:12 UTC; its journeys moved to lyon-1")
    store.close()
    handle = serve_in_thread(url, tmp_path / "artifacts", "127.0.0.1", 0)
    try:
        html = httpx.get(handle.url + "/incidents", timeout=10).text
    finally:
        handle.stop()
    assert "robot paris-1 <span" in re.sub(r"\s+", " ", html)
    assert "/journeys/robot" not in html and "(all journeys)" not in html
    assert "its journeys moved to lyon-1" in html
