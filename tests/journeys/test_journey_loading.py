"""Loading files and folders: defaults for plain Maestro flows, sub-flows, cycles, config checks."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from journeys import model as m
from journeys.errors import JourneyError
from journeys.parser import load_journey, load_journeys
from robots.devices import DeviceSpec
from ronde.config import Config
from tests.journeys.conftest import EXAMPLES, HEADER, problems_of


def test_a_maestro_flow_without_monitor_gets_sensible_defaults(
    write: Callable[..., Path],
) -> None:
    journey = load_journey(write(HEADER + "- launchApp\n", "Checkout flow.yaml"))
    mon = journey.monitor
    assert journey.id == "Checkout-flow"  # from the file name, made a valid id
    assert mon.platform is m.Platform.ANDROID
    assert (mon.every_ms, mon.cron, mon.devices, mon.retries) == (300_000, None, (), 1)
    assert (mon.timeout_ms, mon.step_timeout_ms, mon.secrets) == (120_000, 15_000, ())
    assert journey.app_id == "com.ronde.demo.shop" and journey.url is None


def test_url_implies_web_and_platform_can_say_ios(write: Callable[..., Path]) -> None:
    web = load_journey(write("url: https://shop.example\n---\n- launchApp\n", "w.yaml"))
    assert web.platform is m.Platform.WEB and web.url == "https://shop.example"
    ios = load_journey(write("appId: com.a\nmonitor: {platform: iOS, cron: '0 * * * *'}\n---\n"
                             "- launchApp\n", "i.yaml"))
    assert ios.platform is m.Platform.IOS
    assert (ios.monitor.cron, ios.monitor.every_ms) == ("0 * * * *", None)


def test_several_problems_are_reported_at_once_in_file_order(
    write: Callable[..., Path],
) -> None:
    path = write("appId: com.a\nmonitor:\n  every: soon\n---\n- tapOm: x\n- back\n"
                 "- tapOn: {txt: y}\n")
    assert problems_of(path) == [
        "3:10: monitor.every: 'soon' is not a duration (expected a duration like 250ms, 15s, "
        "5m, 1h, 7d or an integer of milliseconds)",
        "5:3: unknown command 'tapOm' (did you mean 'tapOn'?)",
        "7:11: tapOn: unknown key 'txt' (did you mean 'text'?)",
    ]


def test_error_text_is_one_file_line_column_message_per_line(
    write: Callable[..., Path],
) -> None:
    path = write(HEADER + "- tapOm: x\n- bak\n")
    with pytest.raises(JourneyError) as caught:
        load_journey(path)
    assert str(caught.value).splitlines() == [
        f"{path}:3:3: unknown command 'tapOm' (did you mean 'tapOn'?)",
        f"{path}:4:3: unknown command 'bak' (did you mean 'back'?)",
    ]


def test_run_flow_cycle_is_an_error_at_the_run_flow(write: Callable[..., Path]) -> None:
    write("appId: com.a\n---\n- back\n- runFlow: ../main.yaml\n", "flows/a.yaml")
    main = write(HEADER + "- runFlow: flows/a.yaml\n", "main.yaml")
    message = (f"runFlow: '../main.yaml' includes itself: {main} -> {main.parent}/flows/a.yaml "
               f"-> {main.parent}/main.yaml (expected flows that do not include each other in "
               "a cycle)")
    with pytest.raises(JourneyError) as caught:
        load_journey(main)
    where = f"{main.parent}/flows/a.yaml:4:12"
    assert [str(p) for p in caught.value.problems] == [f"{where}: {message}"]


def test_a_flow_running_itself_is_a_cycle(write: Callable[..., Path]) -> None:
    path = write(HEADER + "- runFlow: {file: self.yaml}\n", "self.yaml")
    assert problems_of(path) == [
        f"3:19: runFlow: 'self.yaml' includes itself: {path} -> {path} (expected flows that "
        "do not include each other in a cycle)"]


def test_run_flow_missing_file(write: Callable[..., Path]) -> None:
    path = write(HEADER + "- back\n- runFlow:\n    file: flows/gone.yaml\n"
                          "    when: {visible: x}\n")
    assert problems_of(path) == [
        f"5:11: runFlow: file 'flows/gone.yaml' not found (looked for {path.parent}/flows/"
        "gone.yaml; expected a path relative to this file)"]


def test_problems_inside_a_sub_flow_point_into_the_sub_flow(write: Callable[..., Path]) -> None:
    sub = write("appId: com.a\n---\n- tapOn: {txt: a}\n", "flows/sub.yaml")
    main = write(HEADER + "- runFlow: flows/sub.yaml\n")
    with pytest.raises(JourneyError) as caught:
        load_journey(main)
    assert [str(p) for p in caught.value.problems] == [
        f"{sub}:3:11: tapOn: unknown key 'txt' (did you mean 'text'?)"]


def test_definition_hash_covers_the_run_flow_files(write: Callable[..., Path]) -> None:
    sub = write("appId: com.a\n---\n- back\n", "flows/sub.yaml")
    main = write(HEADER + "- runFlow: flows/sub.yaml\n")
    first = load_journey(main).definition_hash
    assert first == load_journey(main).definition_hash and len(first) == 64
    sub.write_text("appId: com.a\n---\n- scroll\n")
    assert load_journey(main).definition_hash != first


def test_unreadable_and_missing_files(write: Callable[..., Path], tmp_path: Path) -> None:
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("appId: caf\xe9\n---\n- back\n".encode("latin-1"))
    assert problems_of(bad) == ["1:1: cannot read: not UTF-8 text"]
    with pytest.raises(JourneyError, match="no such journey file"):
        load_journey(tmp_path / "nope.yaml")


def test_load_journeys_on_the_examples_folder() -> None:
    journeys, problems = load_journeys([EXAMPLES])
    assert problems == []
    ids = {j.id for j in journeys}
    assert ids == {"shop-login-cart", "shop-search-checkout", "web-shop-login",
                   "shop-cart-session", "maestro-catalogue", "maestro-home-smoke"}


def test_folder_loading_skips_sub_flows_and_reports_bad_files(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "ex")
    folder = tmp_path / "ex"
    shutil.copy(folder / "flows" / "login.yaml", folder / "login.yaml")
    (folder / "shop-cart-session.yaml").write_text(
        (folder / "shop-cart-session.yaml").read_text().replace("flows/login.yaml",
                                                                 "login.yaml"))
    (folder / "config.yaml").write_text("flows: ['*']\n")  # Maestro's workspace config
    (folder / "broken.yml").write_text(HEADER + "- tapOn\n")
    journeys, problems = load_journeys([folder])
    ids = {j.id for j in journeys}
    assert "login" not in ids  # a runFlow target of another file: a sub-flow, not a journey
    assert "shop-cart-session" in ids and len(ids) == 6
    assert [str(p) for p in problems] == [
        f"{folder}/broken.yml:3:3: tapOn: needs a value (a selector text (regex) or a mapping "
        "of selector keys)"]


def test_duplicate_ids_and_missing_paths(write: Callable[..., Path], tmp_path: Path) -> None:
    write("appId: com.a\nmonitor: {id: same}\n---\n- back\n", "a.yaml")
    write("appId: com.a\nmonitor: {id: same}\n---\n- back\n", "b.yaml")
    journeys, problems = load_journeys([tmp_path, tmp_path / "missing"])
    assert [j.path.name for j in journeys] == ["a.yaml"]
    assert [str(p) for p in problems] == [
        f"{tmp_path}/b.yaml:2:1: monitor.id: 'same' is already the id of {tmp_path}/a.yaml "
        "(expected unique ids)",
        f"{tmp_path}/missing: no such file or folder",
    ]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert [p.message for p in load_journeys([empty])[1]] == [
        "no journey files in this folder (expected *.yaml)"]


CONFIG = Config(
    devices=(
        DeviceSpec("sim-demo-shop", ("android", "sim"), simulated_app="demo-shop.yaml"),
        DeviceSpec("chrome-pixel-7", ("web",), browser_emulate="Pixel 7"),
        DeviceSpec("iphone-lab", ("ios",), appium_url="http://127.0.0.1:4723",
                   capabilities={"platformName": "iOS"}),
    ),
    channels={"sre-slack": "slack://a/b/c", "qa-mail": "mailto://x"},
)


def test_device_and_channel_names_are_checked_only_with_a_config(
    write: Callable[..., Path],
) -> None:
    path = write("""appId: com.a
monitor:
  devices: [sim-demo-shp, "tag:andriod", chrome-pixel-7, "tag:ios", nobody]
  alert:
    notify: [sre-slak, qa-mail]
---
- back
""")
    assert load_journey(path).monitor.devices[0] == "sim-demo-shp"  # no config: not checked
    assert problems_of(path, config=CONFIG) == [
        "3:13: monitor.devices: unknown device 'sim-demo-shp' (did you mean 'sim-demo-shop'?)",
        "3:27: monitor.devices: no device has the tag 'andriod' (did you mean 'android'?)",
        "3:42: monitor.devices: device 'chrome-pixel-7' cannot run a android journey (it is a "
        "browser device)",
        "3:58: monitor.devices: no device tagged 'ios' can run a android journey",
        "3:69: monitor.devices: unknown device 'nobody' (known devices: sim-demo-shop, "
        "chrome-pixel-7, iphone-lab)",
        "5:14: monitor.alert.notify: unknown channel 'sre-slak' (did you mean 'sre-slack'?)",
    ]


def test_examples_check_clean_against_the_default_config() -> None:
    from ronde.config import load_config

    journeys, problems = load_journeys([EXAMPLES], load_config(None))
    assert problems == [] and len(journeys) == 6


def test_never_half_parsed_sub_flow_problems_fail_the_journey(
    write: Callable[..., Path],
) -> None:
    write("appId: com.a\n---\n- back\n- tapOn\n", "flows/sub.yaml")
    main = write(HEADER + "- launchApp\n- runFlow: flows/sub.yaml\n")
    journeys, problems = load_journeys([main])
    assert journeys == []
    assert [p.pos.file for p in problems] == [str(main.parent / "flows" / "sub.yaml")]
