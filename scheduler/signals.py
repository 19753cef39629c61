"""The values alerting and delivery share: a diagnosis, a notice, a delivery job.

`scheduler/alerts` decides (rules, incidents, diagnosis) and `scheduler/notify` delivers
(channels, Alertmanager, retries); each imports these types and never the other stage
(Alertmanager's `types/`). The engine is handed a `Sender`; the wiring (`scheduler.alerting`)
builds the real one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from journeys.results import Category


def as_utc(at: datetime) -> datetime:
    """`at` as an aware UTC time (naive means UTC): stored times are aware UTC, and a naive
    time compared with one raises; texts that say "UTC" must show UTC.
    """
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Fact:
    en: str
    fr: str


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """A first guess of the cause, with the facts it rests on (explainable by construction)."""

    cause: str  # stable code: backend_outage, device, authentication, release_regression, ...
    title_en: str
    title_fr: str
    confidence: float  # 0-1
    facts: tuple[Fact, ...] = ()
    alternatives: tuple[tuple[str, float], ...] = ()  # (cause, confidence) also considered
    scope: str = ""  # where the cause lies (a device, an endpoint, a version): "" = everywhere

    def text(self, lang: str = "en") -> str:
        title = self.title_fr if lang == "fr" else self.title_en
        facts = [f.fr if lang == "fr" else f.en for f in self.facts]
        word = "confiance" if lang == "fr" else "confidence"
        head = f"{title} ({word} {round(self.confidence * 100)} %)" if lang == "fr" else (
            f"{title} ({word} {round(self.confidence * 100)}%)"
        )
        if not facts:
            return head
        lead = "Constats" if lang == "fr" else "Facts"
        return head + f". {lead}: " + "; ".join(facts) + "."

    def to_json(self) -> dict[str, Any]:
        return {
            "cause": self.cause,
            "title_en": self.title_en,
            "title_fr": self.title_fr,
            "confidence": self.confidence,
            "facts": [{"en": f.en, "fr": f.fr} for f in self.facts],
            "alternatives": [list(a) for a in self.alternatives],
            "scope": self.scope,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Diagnosis:
        return cls(
            cause=data["cause"],
            title_en=data["title_en"],
            title_fr=data["title_fr"],
            confidence=float(data["confidence"]),
            facts=tuple(Fact(f["en"], f["fr"]) for f in data.get("facts", ())),
            alternatives=tuple((a[0], float(a[1])) for a in data.get("alternatives", ())),
            scope=str(data.get("scope") or ""),
        )


EVENTS = ("firing", "renotify", "updated", "resolved", "acknowledged", "test")


@dataclass(frozen=True, slots=True)
class Notice:
    event: str  # one of EVENTS
    kind: str  # app | robot
    journey: str
    opened_at: datetime
    now: datetime
    incident_id: int | None = None
    journey_name: str | None = None
    alertname: str = "RondeJourneyFailing"
    severity: str = "critical"
    rules: tuple[str, ...] = ()
    category: Category | None = None  # the robot's own enum, from run to notice
    transaction: str | None = None
    device: str | None = None
    availability: float | None = None
    window_ms: int = 3_600_000
    since: datetime | None = None
    resolved_at: datetime | None = None
    diagnosis: Diagnosis | None = None
    screenshot: Path | None = None  # absolute path, attached when the channel can
    evidence_url: str | None = None  # a link to the evidence (dashboard or file)
    runbook_url: str | None = None
    flaps: int = 0
    journeys: tuple[str, ...] = ()  # a grouped incident: every journey its cause affects

    def masked(self, mask: Callable[[str], str]) -> Notice:
        """The same notice with every free text passed through `mask` (secrets last defence)."""

        def m(value: str | None) -> str | None:
            return None if value is None else mask(value)

        diagnosis = self.diagnosis
        if diagnosis is not None:
            diagnosis = replace(
                diagnosis,
                title_en=mask(diagnosis.title_en),
                title_fr=mask(diagnosis.title_fr),
                facts=tuple(Fact(mask(f.en), mask(f.fr)) for f in diagnosis.facts),
            )
        return replace(
            self,
            journey_name=m(self.journey_name),
            transaction=m(self.transaction),
            diagnosis=diagnosis,
            evidence_url=m(self.evidence_url),
        )


@dataclass(slots=True)
class Job:
    """One delivery to one destination (a channel name, or "alertmanager")."""

    destination: str
    kind: str  # firing | renotify | resolved | acknowledged | test
    send: Callable[[], None]  # raises DeliveryFailed (or any error) on failure
    incident_id: int | None = None
    quiet: bool = False  # record only failures (routine refreshes)
    attempt: int = 1
    done: threading.Event = field(default_factory=threading.Event)
    ok: bool | None = None
    error: str | None = None


# (job, ok, error) -> None: persist the attempt (the notifications table)
Recorder = Callable[[Job, bool, str | None], None]


class Sender(Protocol):
    """What the alert engine needs of delivery (`scheduler.notify.notifier.Notifier`)."""

    @property
    def alertmanager(self) -> object | None: ...

    def notify(self, notice: Notice, channels: Iterable[str] | None = None, *,
               alertmanager: bool = True) -> list[Job]: ...

    def to_alertmanager(self, notice: Notice, *, quiet: bool = False) -> Job: ...

    def close(self) -> None: ...


__all__ = ["EVENTS", "Diagnosis", "Fact", "Job", "Notice", "Recorder", "Sender", "as_utc"]
