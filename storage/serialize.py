"""RunResult <-> JSON, lossless, for the spool (`RunResult.to_json` is the shorter CLI shape)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from journeys.model import Journey
from journeys.results import Artifact, Category, RunResult, Status, StepResult, TransactionResult

VERSION = 1


@dataclass(frozen=True, slots=True)
class JourneyInfo:
    """What storage keeps of a Journey: never its env values, never its commands."""

    key: str
    name: str | None = None
    platform: str | None = None
    definition_hash: str | None = None
    secrets: tuple[str, ...] = ()  # variable names whose values must be masked
    slow_ms: float | None = None  # the `slow` threshold, drawn on the dashboard's charts
    # the journey's own `monitor.alert.window` (0: it sets none, ronde.yaml's default rules;
    # None: not known here), read by /metrics' alert-window availability
    alert_window_ms: int | None = None

    @classmethod
    def of(cls, journey: Journey) -> JourneyInfo:
        return cls(
            key=journey.id,
            name=journey.name,
            platform=str(journey.platform),
            definition_hash=journey.definition_hash or None,
            secrets=tuple(journey.monitor.secrets),
            slow_ms=journey.monitor.slow_ms,
            alert_window_ms=own_alert_window_ms(journey.monitor),
        )


def own_alert_window_ms(monitor: Any) -> int:
    """The window a journey's `monitor.alert` sets itself (0 when it leaves it to ronde.yaml's
    `alerts.defaults`): what `AlertPolicy.over` keeps of it when resolving the window."""
    alert = getattr(monitor, "alert", None)
    if alert is None or "window_ms" not in alert.explicit():
        return 0
    return int(alert.window_ms)


def _enum(value: Any) -> str | None:
    return None if value is None else str(value)


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def result_to_dict(result: RunResult) -> dict[str, Any]:
    return {
        "journey": result.journey,
        "device": result.device,
        "status": _enum(result.status),
        "category": _enum(result.category),
        "started_at": _time(result.started_at),
        "ended_at": _time(result.ended_at),
        "duration_ms": result.duration_ms,
        "transactions": [
            {
                "name": t.name, "action": t.action, "check": t.check,
                "status": _enum(t.status), "response_ms": t.response_ms,
                "resolution_ms": t.resolution_ms, "category": _enum(t.category),
                "error": t.error, "is_load": t.is_load, "started_ms": t.started_ms,
            }
            for t in result.transactions
        ],
        "steps": [
            {
                "index": s.index, "command": s.command, "description": s.description,
                "status": _enum(s.status), "started_ms": s.started_ms,
                "duration_ms": s.duration_ms, "category": _enum(s.category), "error": s.error,
                "optional": s.optional, "line": s.line, "file": s.file,
            }
            for s in result.steps
        ],
        "artifacts": [
            {"kind": a.kind, "path": a.path, "sha256": a.sha256, "size": a.size}
            for a in result.artifacts
        ],
        "error": result.error,
        "load_ms": result.load_ms,
        "load_resolution_ms": result.load_resolution_ms,
        "navigation_timing": dict(result.navigation_timing),
        "attempt": result.attempt,
        "confirms": result.confirms,
        "run_id": result.run_id,
        "journey_hash": result.journey_hash,
        "platform": result.platform,
        "os_version": result.os_version,
        "app_version": result.app_version,
        "device_model": result.device_model,
        "robot_version": result.robot_version,
        "robot_host": result.robot_host,
        "scheduled_at": _time(result.scheduled_at),
        "robot_name": result.robot_name,
        "location": result.location,
        "scope": result.scope,
    }


def _category(value: str | None) -> Category | None:
    return None if value is None else Category(value)


def result_from_dict(data: dict[str, Any]) -> RunResult:
    return RunResult(
        journey=data["journey"],
        device=data["device"],
        status=Status(data["status"]),
        category=_category(data.get("category")),
        started_at=_parse_time(data["started_at"]),  # type: ignore[arg-type]
        ended_at=_parse_time(data["ended_at"]),  # type: ignore[arg-type]
        duration_ms=data["duration_ms"],
        transactions=tuple(
            TransactionResult(
                name=t["name"], action=t["action"], check=t["check"],
                status=Status(t["status"]), response_ms=t["response_ms"],
                resolution_ms=t["resolution_ms"], category=_category(t.get("category")),
                error=t.get("error"), is_load=t.get("is_load", False),
                started_ms=t.get("started_ms", 0.0),
            )
            for t in data.get("transactions", ())
        ),
        steps=tuple(
            StepResult(
                index=s["index"], command=s["command"], description=s["description"],
                status=Status(s["status"]), started_ms=s["started_ms"],
                duration_ms=s["duration_ms"], category=_category(s.get("category")),
                error=s.get("error"), optional=s.get("optional", False), line=s.get("line"),
                file=s.get("file"),
            )
            for s in data.get("steps", ())
        ),
        artifacts=tuple(Artifact(**a) for a in data.get("artifacts", ())),
        error=data.get("error"),
        load_ms=data.get("load_ms"),
        load_resolution_ms=data.get("load_resolution_ms"),
        navigation_timing=dict(data.get("navigation_timing") or {}),
        attempt=data.get("attempt", 1),
        confirms=data.get("confirms"),
        run_id=data.get("run_id", ""),
        journey_hash=data.get("journey_hash", ""),
        platform=data.get("platform", ""),
        os_version=data.get("os_version"),
        app_version=data.get("app_version"),
        device_model=data.get("device_model"),
        robot_version=data.get("robot_version", ""),
        robot_host=data.get("robot_host", ""),
        scheduled_at=_parse_time(data.get("scheduled_at")),
        robot_name=data.get("robot_name", ""),
        location=data.get("location", ""),
        scope=data.get("scope", ""),
    )


def entry_to_dict(result: RunResult, journey: JourneyInfo | None) -> dict[str, Any]:
    """One spool line: the result and what storage keeps of its journey."""
    info = None
    if journey is not None:
        info = {
            "key": journey.key, "name": journey.name, "platform": journey.platform,
            "definition_hash": journey.definition_hash, "slow_ms": journey.slow_ms,
            "alert_window_ms": journey.alert_window_ms,
        }
    return {"v": VERSION, "result": result_to_dict(result), "journey": info}


def entry_from_dict(data: dict[str, Any]) -> tuple[RunResult, JourneyInfo | None]:
    info = data.get("journey")
    journey = None if info is None else JourneyInfo(
        key=info["key"], name=info.get("name"), platform=info.get("platform"),
        definition_hash=info.get("definition_hash"), slow_ms=info.get("slow_ms"),
        alert_window_ms=info.get("alert_window_ms"),
    )
    return result_from_dict(data["result"]), journey
