"""The journeys being watched, from their files: loaded, re-loaded on change, last good kept.

APScheduler's job-store concern for Ronde: what exists to be scheduled. Files are polled by
modification time (cheap, no extra dependency, works on every filesystem). A file that no
longer parses keeps its last good journey running, and the problems are reported on every
change until fixed; nothing half-parsed is ever scheduled.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from journeys.model import Journey

Loader = Callable[[Sequence[Path]], tuple[list[Journey], list[Any]]]


@dataclass(frozen=True, slots=True)
class Reload:
    """What changed between two loads."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()  # journeys whose file is now invalid: last good version runs on
    problems: tuple[Any, ...] = ()  # journeys.errors.Problem (str() is file:line:col: message)
    bad_files: tuple[str, ...] = field(default=())

    @property
    def anything(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.problems)


class Catalog:
    def __init__(self, paths: Sequence[Path], loader: Loader | None = None) -> None:
        self.paths = [Path(p) for p in paths]
        self._loader = loader
        self._journeys: dict[str, Journey] = {}
        self._stamps: dict[Path, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def get(self, journey_id: str) -> Journey | None:
        with self._lock:
            return self._journeys.get(journey_id)

    def all(self) -> list[Journey]:
        with self._lock:
            return sorted(self._journeys.values(), key=lambda j: j.id)

    def poll(self) -> Reload | None:
        """Reload when any journey file was added, removed or modified; else None."""
        stamps = self._scan()
        if stamps == self._stamps:
            return None
        return self.load(stamps)

    def load(self, stamps: dict[Path, tuple[int, int]] | None = None) -> Reload:
        self._stamps = stamps if stamps is not None else self._scan()
        loader = self._loader or _default_loader()
        fresh, problems = loader(self.paths)
        bad_files = sorted({str(Path(p.pos.file)) for p in problems})
        with self._lock:
            old = self._journeys
            new: dict[str, Journey] = {j.id: j for j in fresh}
            parsed_files = {_key(j.path) for j in fresh}
            kept = []
            for jid, journey in old.items():
                # Its file still exists but gave no valid journey: keep the last good one.
                if (jid not in new and journey.path.exists()
                        and _key(journey.path) not in parsed_files and problems):
                    new[jid] = journey
                    kept.append(jid)
            self._journeys = new
        return Reload(
            added=tuple(sorted(set(new) - set(old))),
            changed=tuple(sorted(
                j for j in set(new) & set(old)
                if new[j].definition_hash != old[j].definition_hash or new[j] != old[j]
            )),
            removed=tuple(sorted(set(old) - set(new))),
            kept=tuple(sorted(kept)),
            problems=tuple(problems),
            bad_files=tuple(bad_files),
        )

    def _scan(self) -> dict[Path, tuple[int, int]]:
        stamps: dict[Path, tuple[int, int]] = {}
        for root in self.paths:
            files = [root] if root.is_file() else [
                f for pattern in ("*.yaml", "*.yml") for f in root.rglob(pattern)
            ]
            for f in files:
                try:
                    stat = f.stat()
                except OSError:
                    continue
                stamps[f] = (stat.st_mtime_ns, stat.st_size)
        return stamps


def _key(path: Path) -> str:
    try:
        return str(path.resolve())
    except OSError:
        return str(path)


def _default_loader() -> Loader:
    from journeys.parser import load_journeys

    return load_journeys
