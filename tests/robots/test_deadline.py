"""Device calls always end by their deadline, even when the device never answers."""

from __future__ import annotations

import threading
import time

import pytest

from robots.deadline import Caller
from robots.exceptions import DeviceTimeout, SessionError


def test_a_hung_call_is_abandoned_at_its_deadline_and_the_session_dropped() -> None:
    release = threading.Event()
    caller = Caller()
    start = time.monotonic()
    with pytest.raises(DeviceTimeout, match="tap did not answer"):
        caller.call(release.wait, 30, deadline=start + 0.3, what="tap")
    assert 0.29 <= time.monotonic() - start < 1.0
    assert caller.broken
    with pytest.raises(SessionError, match="session dropped"):
        caller.call(lambda: 1, deadline=time.monotonic() + 5, what="page source")
    release.set()


def test_results_and_exceptions_come_back_from_the_worker() -> None:
    caller = Caller()
    assert caller.call(lambda a, b=0: a + b, 2, b=3, deadline=time.monotonic() + 5, what="x") == 5
    with pytest.raises(ZeroDivisionError):
        caller.call(lambda: 1 / 0, deadline=time.monotonic() + 5, what="x")
    assert not caller.broken
    caller.close()


def test_no_time_left_fails_at_once() -> None:
    with pytest.raises(DeviceTimeout, match="no time left"):
        Caller().call(lambda: 1, deadline=time.monotonic() - 1, what="x")
