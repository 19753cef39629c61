"""What a journey's run produces: plain values the robot returns and every later layer reads.

They live below the robot and storage (the robot writes them, storage keeps them, the
scheduler and the alert rules judge them), so neither of those imports the other. No I/O
and no heavy imports here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Status(StrEnum):
    PASSED = "passed"
    DEGRADED = "degraded"  # passed, some transaction slower than `slow`
    FAILED = "failed"  # the app did not do what the journey expects
    ERROR = "error"  # the robot or its device could not run the journey


class Category(StrEnum):
    DISPLAY = "display"
    AUTHENTICATION = "authentication"
    CRASH = "crash"
    NETWORK = "network"
    BACKEND = "backend"
    THIRD_PARTY = "third_party"
    TIMEOUT = "timeout"
    PERFORMANCE = "performance"
    # `error` runs: the robot's own fault, never the app's.
    NO_DEVICE = "no_device"
    SESSION = "session"  # session refused / Appium unreachable / device lost
    APPIUM_DOWN = "appium_down"  # the Appium server Ronde runs itself is down (restarting)
    ABORTED = "aborted"  # the robot stopped or was killed mid-run
    ROBOT = "robot"  # a bug or unexpected failure in Ronde itself


@dataclass(frozen=True, slots=True)
class Artifact:
    """Evidence written by the robot; `path` is relative to the artifacts directory."""

    kind: str  # screenshot | page_source | texts | logcat | timeline
    path: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class StepResult:
    """One executed command (the step timeline)."""

    index: int  # order of execution in the run
    command: str  # YAML command name
    description: str  # human form, secrets masked
    status: Status
    started_ms: float  # from run start, monotonic clock
    duration_ms: float
    category: Category | None = None
    error: str | None = None  # secrets masked
    optional: bool = False
    line: int | None = None  # where the command stands in its file
    file: str | None = None


@dataclass(frozen=True, slots=True)
class TransactionResult:
    name: str
    action: str  # YAML command name of the action
    check: str  # YAML command name of the check
    status: Status
    response_ms: float | None  # None when the check never held
    resolution_ms: float | None
    category: Category | None = None
    error: str | None = None
    is_load: bool = False
    started_ms: float = 0.0  # from run start


@dataclass(frozen=True, slots=True)
class RunResult:
    journey: str
    device: str
    status: Status
    category: Category | None
    started_at: datetime  # wall clock, timezone-aware UTC
    ended_at: datetime
    duration_ms: float
    transactions: tuple[TransactionResult, ...] = ()
    steps: tuple[StepResult, ...] = ()
    artifacts: tuple[Artifact, ...] = ()
    error: str | None = None  # secrets masked
    load_ms: float | None = None
    load_resolution_ms: float | None = None
    navigation_timing: dict[str, float] = field(default_factory=dict)  # web: domContentLoaded, load
    attempt: int = 1
    confirms: str | None = None  # run id this attempt confirms
    run_id: str = ""  # uuid4 hex, set by the robot
    journey_hash: str = ""
    platform: str = ""
    os_version: str | None = None
    app_version: str | None = None
    device_model: str | None = None
    robot_version: str = ""
    robot_host: str = ""
    scheduled_at: datetime | None = None
    robot_name: str = ""  # ronde.yaml `robot.name` of the robot that ran it
    location: str = ""  # that robot's location
    scope: str = ""  # the location this slot was run for ('' for a fleet-wide slot)

    def to_json(self) -> dict[str, object]:
        """The stable `ronde run --json` shape (shared/config-format.md); extra keys only added."""
        return {
            "journey": self.journey,
            "device": self.device,
            "status": str(self.status),
            "category": str(self.category) if self.category else None,
            "attempt": self.attempt,
            "load_ms": _ms(self.load_ms),
            "transactions": [
                {
                    "name": t.name,
                    "response_ms": _ms(t.response_ms),
                    "resolution_ms": _ms(t.resolution_ms),
                    "status": str(t.status),
                    "category": str(t.category) if t.category else None,
                }
                for t in self.transactions
            ],
            "run_id": self.run_id,
            "started_at": self.started_at.isoformat(),
            "duration_ms": _ms(self.duration_ms),
            "error": self.error,
        }


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
