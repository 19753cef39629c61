"""The demo shop's example journeys pass on the simulated device, measured."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from journeys.parser import load_journey
from journeys.results import RunResult, Status
from journeys.transactions import iter_transactions
from tests.robots.conftest import EXAMPLES

pytestmark = pytest.mark.appium


@pytest.mark.parametrize("name", [
    "shop-login-cart", "shop-search-checkout", "shop-cart-session", "maestro-catalogue",
    "maestro-home-smoke",
])
def test_example_journey_passes(name: str, run_sim: Callable[..., RunResult]) -> None:
    journey = load_journey(EXAMPLES / f"{name}.yaml")
    result = run_sim(journey)
    assert result.status in (Status.PASSED, Status.DEGRADED), (result.error, result.steps)
    assert result.category is None or result.status is Status.DEGRADED
    assert result.transactions and all(
        t.response_ms is not None and t.resolution_ms is not None and t.resolution_ms > 0
        for t in result.transactions)
    # every transition of the demo shop takes 150 ms or more: a figure near zero means the
    # check already held before the action, and the transaction measured nothing
    assert all(t.response_ms >= 100 for t in result.transactions), [
        (t.name, t.response_ms) for t in result.transactions]
    if any(t.is_load for t in iter_transactions(journey.commands)):
        assert result.load_ms is not None and result.load_resolution_ms is not None
        assert result.load_ms + result.load_resolution_ms >= 900  # launch_ms of the model
    else:  # launchApp not followed by a check: no load transaction, no load time
        assert result.load_ms is None
    assert result.device_model and result.robot_version and result.robot_host
    assert result.platform == "android" and len(result.run_id) == 32
    assert result.duration_ms > 0 and result.ended_at >= result.started_at


def test_login_cart_measures_each_transaction(run_sim: Callable[..., RunResult]) -> None:
    result = run_sim(load_journey(EXAMPLES / "shop-login-cart.yaml"))
    assert result.status is Status.PASSED, result.error
    by_name = {t.name: t for t in result.transactions}
    assert list(by_name) == ["App launch", "Open login", "Login", "Open cart"]
    # the model's delays: tap login 150 ms; submit 700 ms + banner 250 ms; cart 400 ms
    for name, expected in (("Open login", 150), ("Login", 950), ("Open cart", 400)):
        t = by_name[name]
        assert t.response_ms is not None and t.resolution_ms is not None
        assert expected - t.resolution_ms <= t.response_ms <= expected + 40 + t.resolution_ms
    assert by_name["App launch"].is_load and result.load_ms == by_name["App launch"].response_ms
    # the screenshot the journey asked for is kept
    assert [a.kind for a in result.artifacts] == ["screenshot"]
    steps = [s.command for s in result.steps]
    assert steps.count("inputText") == 2 and all(s.status is Status.PASSED for s in result.steps)
