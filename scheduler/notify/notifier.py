"""Dispatch a notice to its channels and to Alertmanager, through the delivery worker: one
job per destination, each attempt bounded by `timeout_s`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from scheduler.notify.alertmanager import AlertmanagerClient, alert_payload
from scheduler.notify.channels import AppriseChannel
from scheduler.notify.errors import BadChannelURL, NoAlertmanager, UnknownChannel
from scheduler.notify.message import render
from scheduler.notify.worker import DeliveryWorker
from scheduler.signals import Job, Notice, Recorder

log = logging.getLogger(__name__)

ALERTMANAGER = "alertmanager"


class Notifier:
    """Channels by name (Apprise URLs) and an optional Alertmanager; never blocks the caller.

    Each destination is delivered in its own lane with its own retries, and each attempt
    gives up after `timeout_s`: a channel that never answers delays only itself.
    """

    def __init__(
        self,
        channels: Mapping[str, str],
        alertmanager_url: str | None = None,
        *,
        record: Recorder | None = None,
        langs: str = "en,fr",
        resend_ms: int = 60_000,
        worker: DeliveryWorker | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self.urls = dict(channels)
        self.langs = langs
        self.resend_ms = resend_ms
        self.timeout_s = timeout_s
        self.alertmanager = (
            AlertmanagerClient(alertmanager_url, timeout_s=timeout_s) if alertmanager_url else None
        )
        self.worker = worker or DeliveryWorker(record)
        self._channels: dict[str, AppriseChannel] = {}

    def channel(self, name: str) -> AppriseChannel:
        if name not in self.urls:
            raise UnknownChannel(name, list(self.urls))
        if name not in self._channels:
            self._channels[name] = AppriseChannel(name, self.urls[name], timeout_s=self.timeout_s)
        return self._channels[name]

    def notify(
        self, notice: Notice, channels: Iterable[str] | None = None, *, alertmanager: bool = True
    ) -> list[Job]:
        """Queue the notice for these channels (all when None) and Alertmanager."""
        jobs: list[Job] = []
        names = list(self.urls) if channels is None else list(dict.fromkeys(channels))
        title, text = render(notice, self.langs)
        attachments = (notice.screenshot,) if notice.screenshot else ()
        for name in names:
            try:
                channel = self.channel(name)
            except (UnknownChannel, BadChannelURL) as exc:
                log.error("alert for %s not sent to %s: %s", notice.journey, name, exc)
                continue
            jobs.append(self._submit(Job(
                destination=name, kind=notice.event, incident_id=notice.incident_id,
                send=_sender(channel, title, text, attachments),
            )))
        if alertmanager and self.alertmanager is not None and notice.event != "acknowledged":
            jobs.append(self.to_alertmanager(notice))
        return jobs

    def to_alertmanager(self, notice: Notice, *, quiet: bool = False) -> Job:
        if self.alertmanager is None:
            raise NoAlertmanager()
        client = self.alertmanager
        payload = [alert_payload(notice, resend_ms=self.resend_ms)]
        return self._submit(Job(
            destination=ALERTMANAGER, kind=notice.event, incident_id=notice.incident_id,
            send=lambda: client.post(payload), quiet=quiet,
        ))

    def test(
        self, channel: str | None, now: datetime, *, to_alertmanager: bool = False
    ) -> list[Job]:
        """A test notice: to one channel, and/or to Alertmanager (a short-lived test alert)."""
        notice = Notice(event="test", kind="app", journey="ronde-test", opened_at=now, now=now,
                        alertname="RondeTest", severity="info")
        jobs: list[Job] = []
        if channel is not None:
            title, text = render(notice, self.langs)
            target = self.channel(channel)
            jobs.append(self._submit(Job(destination=channel, kind="test",
                                         send=_sender(target, title, text, ()))))
        if to_alertmanager:
            jobs.append(self.to_alertmanager(notice))
        return jobs

    def _submit(self, job: Job) -> Job:
        self.worker.submit(job)
        return job

    def close(self) -> None:
        self.worker.close()


def _sender(channel: AppriseChannel, title: str, text: str, attachments) -> Callable[[], None]:
    return lambda: channel.send(title, text, attachments)
