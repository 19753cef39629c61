"""The device pool: one journey per device at a time, bounded waits, quarantine.

A run leases one free device matching the journey's `devices:` (names or `tag:`), the least
recently used first, so journeys spread over the devices. An entry that hands out devices (a
Selenium Grid hub: `sessions: N`) takes up to N journeys at once; the hub picks the device.
A device whose sessions fail repeatedly (consecutive `error`/`session` results) is
quarantined for a back-off that doubles on each relapse; after it, the next lease tries it
again (one good run clears it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from journeys.model import Platform
from journeys.results import Category, Status
from robots.devices import DeviceSpec, can_run

log = logging.getLogger("ronde.scheduler.pool")

_SLICE_S = 0.25  # waiters re-check at least this often (quarantine expiry, shutdown)


@dataclass(slots=True)
class _Slot:
    spec: DeviceSpec
    holders: list[str] = field(default_factory=list)  # journey ids of the current leases
    last_used: float = float("-inf")
    consecutive_errors: int = 0
    quarantined_until: float | None = None
    backoff_s: float = 0.0
    quarantines: int = 0


@dataclass(frozen=True, slots=True)
class Lease:
    device: DeviceSpec
    journey: str


@dataclass(frozen=True, slots=True)
class DeviceState:
    """What the console and the logs show of a device."""

    name: str
    holder: str | None
    quarantined_for_s: float | None
    consecutive_errors: int


@dataclass(frozen=True, slots=True)
class LeaseOutcome:
    """Why a lease failed: nothing matches, everything matching is excluded, or it waited."""

    lease: Lease | None
    reason: str = ""
    excluded_only: bool = False  # every matching device was excluded (e.g. in maintenance)


class DevicePool:
    def __init__(
        self,
        devices: Iterable[DeviceSpec],
        *,
        clock: Callable[[], float] = time.monotonic,
        quarantine_after: int = 2,
        backoff_s: float = 30.0,
        max_backoff_s: float = 600.0,
    ) -> None:
        self._slots = {d.name: _Slot(d) for d in devices}
        self._clock = clock
        self._quarantine_after = quarantine_after
        self._backoff_s = backoff_s
        self._max_backoff_s = max_backoff_s
        self._cond = threading.Condition()
        self._closed = False

    # -- matching -------------------------------------------------------------------
    def candidates(self, wanted: Collection[str], platform: Platform | str) -> list[DeviceSpec]:
        """Devices a journey may run on: those its `devices:` names or tags, and that can run
        its platform. No `devices:` means every device that can run it."""
        specs = [s.spec for s in self._slots.values()]
        if wanted:
            specs = [d for d in specs if any(d.matches(w) for w in wanted)]
        return [d for d in specs if can_run(d, Platform(str(platform)))]

    # -- leasing --------------------------------------------------------------------
    def lease(
        self,
        journey: str,
        wanted: Collection[str],
        platform: Platform | str,
        *,
        timeout_s: float,
        avoid: Collection[str] = (),
        prefer_wait_s: float = 0.0,
        exclude: Callable[[DeviceSpec], bool] | None = None,
    ) -> LeaseOutcome:
        """Wait up to `timeout_s` for a free, healthy, matching device. Devices in `avoid`
        are taken only when no other healthy one frees up within `prefer_wait_s`
        (confirmation on another device); devices for which `exclude` is true are never
        taken (maintenance)."""
        matching = self.candidates(wanted, platform)
        if not matching:
            return LeaseOutcome(None, f"no device matches {list(wanted) or str(platform)}")
        allowed = [d for d in matching if exclude is None or not exclude(d)]
        if not allowed:
            names = ", ".join(d.name for d in matching)
            return LeaseOutcome(None, f"every matching device is excluded ({names})", True)
        deadline = time.monotonic() + max(timeout_s, 0.0)
        prefer_until = time.monotonic() + max(prefer_wait_s, 0.0)
        with self._cond:
            while True:
                chosen = self._pick(allowed, avoid, strict=time.monotonic() < prefer_until)
                if chosen is not None:
                    chosen.holders.append(journey)
                    chosen.last_used = time.monotonic()
                    return LeaseOutcome(Lease(chosen.spec, journey))
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    return LeaseOutcome(None, self._why_busy(allowed, timeout_s))
                self._cond.wait(min(remaining, _SLICE_S))

    def release(self, lease: Lease, status: Status | None, category: Category | None) -> None:
        """Free the device and learn from the run: `error`/`session` counts towards quarantine,
        any run the device itself carried out clears it."""
        news = ""
        with self._cond:
            slot = self._slots[lease.device.name]
            if lease.journey in slot.holders:
                slot.holders.remove(lease.journey)
            if status == Status.ERROR and category == Category.SESSION:
                slot.consecutive_errors += 1
                if slot.consecutive_errors >= self._quarantine_after:
                    slot.backoff_s = min(
                        self._max_backoff_s,
                        slot.backoff_s * 2 if slot.backoff_s else self._backoff_s,
                    )
                    slot.quarantined_until = self._clock() + slot.backoff_s
                    slot.quarantines += 1
                    news = (f"device {slot.spec.name} quarantined for {slot.backoff_s:.0f}s "
                            f"after {slot.consecutive_errors} session errors in a row; its "
                            "journeys move to the other matching devices")
            elif status is not None and status != Status.ERROR:
                if slot.quarantines:
                    news = f"device {slot.spec.name} works again: quarantine lifted"
                slot.consecutive_errors = 0
                slot.backoff_s = 0.0
                slot.quarantined_until = None
                slot.quarantines = 0
            self._cond.notify_all()
        if news:  # logged outside the lock: a log handler may print to a shared console
            log.warning(news, extra={"event": "device_quarantine", "device": lease.device.name})

    def close(self) -> None:
        """Wake every waiter and refuse new leases (shutdown)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    # -- views ----------------------------------------------------------------------
    def quarantined(self, name: str) -> bool:
        with self._cond:
            return self._quarantine_left(self._slots[name]) is not None

    def states(self) -> list[DeviceState]:
        with self._cond:
            return [
                DeviceState(s.spec.name, ", ".join(s.holders) or None, self._quarantine_left(s),
                            s.consecutive_errors)
                for s in self._slots.values()
            ]

    @property
    def devices(self) -> list[DeviceSpec]:
        return [s.spec for s in self._slots.values()]

    # -- internals (called with the lock held) --------------------------------------
    def _pick(self, allowed: list[DeviceSpec], avoid: Collection[str], *,
              strict: bool = False) -> _Slot | None:
        """The least recently used free device, not an avoided one if possible. `strict`:
        while another healthy device is merely busy, wait for it rather than take an
        avoided one."""
        if self._closed:
            return None
        free = [
            self._slots[d.name]
            for d in allowed
            if self._free(self._slots[d.name])
            and self._quarantine_left(self._slots[d.name]) is None
        ]
        if not free:
            return None
        preferred = [s for s in free if s.spec.name not in avoid]
        if not preferred and strict and any(
            d.name not in avoid and self._quarantine_left(self._slots[d.name]) is None
            for d in allowed
        ):
            return None
        return min(preferred or free, key=lambda s: s.last_used)

    @staticmethod
    def _free(slot: _Slot) -> bool:
        return len(slot.holders) < (slot.spec.sessions or 1)

    def _quarantine_left(self, slot: _Slot) -> float | None:
        if slot.quarantined_until is None:
            return None
        left = slot.quarantined_until - self._clock()
        return left if left > 0 else None

    def _why_busy(self, allowed: list[DeviceSpec], waited_s: float) -> str:
        parts = []
        for d in allowed:
            slot = self._slots[d.name]
            left = self._quarantine_left(slot)
            if left is not None:
                parts.append(f"{d.name} quarantined for {left:.0f}s more")
            elif not self._free(slot):
                parts.append(f"{d.name} busy with {', '.join(slot.holders)}")
            else:
                parts.append(f"{d.name} free")
        state = "robot stopping" if self._closed else f"waited {waited_s:.0f}s"
        return f"no free device ({state}): " + "; ".join(parts)
