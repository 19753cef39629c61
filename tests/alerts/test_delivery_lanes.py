"""A channel that never answers must not delay the others: each destination is delivered in
its own lane, each attempt ends after the notifier's timeout, every attempt is recorded."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from scheduler.notify.notifier import Notifier
from scheduler.notify.worker import DeliveryWorker
from scheduler.signals import Job, Notice
from tests.fixtures.alertmanager import Alertmanager, HttpRecorder


class SilentServer:
    """Accepts TCP connections, reads nothing, answers nothing: a hung webhook."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.connections:
            conn.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    try:
        yield server
    finally:
        server.close()


@pytest.mark.alertmanager
def test_a_hanging_channel_delays_nobody_and_ends_in_a_recorded_failure(
    silent_server: SilentServer, http_recorder: HttpRecorder, alertmanager: Alertmanager
) -> None:
    records: list[tuple[str, int, bool, str | None, float]] = []

    def record(job: Job, ok: bool, error: str | None) -> None:
        records.append((job.destination, job.attempt, ok, error, time.monotonic()))

    channels = {  # the hung one first: a serial worker would make the others wait for it
        "hung": f"json://127.0.0.1:{silent_server.port}/hook",
        "chat": f"json://{http_recorder.url.removeprefix('http://')}/hook",
    }
    worker = DeliveryWorker(record, attempts=2, backoff_s=0.2)
    notifier = Notifier(channels, alertmanager.url, worker=worker, timeout_s=1.5)
    now = datetime.now(UTC)
    notice = Notice(event="firing", kind="app", journey="lanes-check", opened_at=now, now=now,
                    incident_id=7, transaction="login")
    try:
        start = time.monotonic()
        jobs = {job.destination: job for job in notifier.notify(notice)}

        got = http_recorder.wait_for(lambda r: len(r) == 1, timeout=5)
        assert got[0].at - start < 1.0
        assert jobs["alertmanager"].done.wait(1.0) and jobs["alertmanager"].ok
        assert alertmanager.alerts(journey="lanes-check")
        assert not jobs["hung"].done.is_set() and silent_server.connections  # still waiting

        assert jobs["hung"].done.wait(10)
        hung = [r for r in records if r[0] == "hung"]
        assert [(d, a, ok, e) for d, a, ok, e, _ in hung] == [
            ("hung", 1, False, "channel 'hung': no answer within 1.5 s"),
            ("hung", 2, False, "channel 'hung': no answer within 1.5 s"),
        ]
        assert 1.4 <= hung[0][4] - start < 2.5  # its own timeout, not Apprise's 4 s
        assert [(d, a, ok) for d, a, ok, _, _ in records if d != "hung"] in (
            [("chat", 1, True), ("alertmanager", 1, True)],
            [("alertmanager", 1, True), ("chat", 1, True)],
        )
        assert jobs["hung"].ok is False and len(silent_server.connections) == 2
    finally:
        notifier.close()
