"""The delivery worker: retries with exponential back-off, records each attempt, never blocks
its caller (bounded queue: a flood is dropped and logged, not queued forever)."""

from __future__ import annotations

import threading
import time

from scheduler.notify.errors import DeliveryFailed
from scheduler.notify.worker import DeliveryWorker
from scheduler.signals import Job


def test_failures_are_retried_with_growing_delays_and_every_attempt_recorded() -> None:
    calls: list[float] = []
    recorded: list[tuple[int, bool, str | None]] = []

    def send() -> None:
        calls.append(time.monotonic())
        if len(calls) < 3:
            raise DeliveryFailed(f"channel 'x': refused #{len(calls)}")

    worker = DeliveryWorker(lambda job, ok, err: recorded.append((job.attempt, ok, err)),
                            backoff_s=0.2, attempts=5)
    try:
        job = Job(destination="x", kind="firing", send=send)
        worker.submit(job)
        assert worker.drain(10)
        assert job.ok is True and job.attempt == 3
        assert recorded == [(1, False, "channel 'x': refused #1"),
                            (2, False, "channel 'x': refused #2"), (3, True, None)]
        first, second = calls[1] - calls[0], calls[2] - calls[1]
        assert 0.2 <= first < 0.35 and 0.4 <= second < 0.6  # 0.2 s, then doubled
    finally:
        worker.close()


def test_gives_up_after_the_last_attempt_and_survives_a_buggy_channel() -> None:
    recorded: list[tuple[int, bool, str | None]] = []

    def buggy() -> None:
        raise KeyError("oops")

    worker = DeliveryWorker(lambda job, ok, err: recorded.append((job.attempt, ok, err)),
                            backoff_s=0.01, attempts=2)
    try:
        bad = Job(destination="bug", kind="firing", send=buggy)
        good = Job(destination="ok", kind="firing", send=lambda: None)
        worker.submit(bad)
        worker.submit(good)
        assert worker.drain(10)
        assert bad.ok is False and bad.error == "KeyError: 'oops'" and good.ok is True
        assert [r for r in recorded if r[1] is False] == [
            (1, False, "KeyError: 'oops'"), (2, False, "KeyError: 'oops'")]
    finally:
        worker.close()


def test_a_full_queue_drops_instead_of_blocking_the_robot() -> None:
    release = threading.Event()
    worker = DeliveryWorker(max_queue=1)
    try:
        started = threading.Event()

        def hang() -> None:
            started.set()
            release.wait(10)

        worker.submit(Job(destination="slow", kind="firing", send=hang))
        assert started.wait(5)  # the lane has taken the stuck job
        queued = Job(destination="slow", kind="firing", send=lambda: None)
        dropped = Job(destination="slow", kind="firing", send=lambda: None)
        elsewhere = Job(destination="other", kind="firing", send=lambda: None)
        start = time.monotonic()
        assert worker.submit(queued) is True
        assert worker.submit(dropped) is False
        assert worker.submit(elsewhere) is True  # the bound is per destination
        assert time.monotonic() - start < 0.1
        assert dropped.done.is_set() and dropped.error == "dropped: delivery queue full"
        assert worker.dropped == 1
        assert elsewhere.done.wait(5) and elsewhere.ok is True and not queued.done.is_set()
        release.set()
        assert worker.drain(10) and queued.ok is True
    finally:
        release.set()
        worker.close()
