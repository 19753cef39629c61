"""Journey generations: what the read side's per-journey caches are keyed by (#13).

The database moves a journey's `generation` on every insert, update or delete of one of its
runs (triggers, migration 0009), in the writer's own transaction: a reader that reads the
generations first and the data after, in one read, never keeps a value older than the
generation it is kept under (a write between the two only makes it newer, and the next read
sees a newer generation). A running trial records a few runs between two requests: a page
over every journey reads again only the journeys that changed, instead of a whole window of
every journey. `ronde db rebuild` and `ronde db prune` move every journey on (`bump_all`):
they rewrite rows derived from the runs. Each value is also trusted MAX_AGE_S at most (the
bound on a change no trigger sees, as a derived row edited by hand).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy import bindparam, select, update

from storage.models import JourneyRow

MAX_AGE_S = 300.0
#: Keys kept per database, and the size of their values (`read`'s `size`: cells for the
#: cell cache), least recently used dropped first.
ENTRIES = 64
SIZE = 20_000
#: Stale journeys read one by one (or with their ids named) at most; more are read in one
#: statement over every journey.
FEW = 8

T = TypeVar("T")
_GENERATIONS = select(JourneyRow.id, JourneyRow.generation)


def current(session: Any) -> dict[int, int]:
    """Every journey's generation, by journey id (one read of the journeys table), read once
    per read transaction: a page's ~7 per-journey reads share it. Reading the data later than
    the generations only makes a kept value newer than its generation, never older."""
    found = session.info.get(_CURRENT)
    if found is None:
        found = session.info[_CURRENT] = {j: g for j, g in session.execute(_GENERATIONS)}
    return found  # type: ignore[no-any-return]


def journey_keys(session: Any) -> dict[int, str]:
    """Every journey's key, by journey id, read once per read transaction and after
    `current`: it names every journey the generations do (a journey is never deleted)."""
    found = session.info.get(_JOURNEY_KEYS)
    if found is None:
        current(session)
        found = session.info[_JOURNEY_KEYS] = {j: key for j, key in session.execute(_KEYS)}
    return found  # type: ignore[no-any-return]


_CURRENT, _JOURNEY_KEYS = "ronde.generations", "ronde.journey_keys"


_KEYS = select(JourneyRow.id, JourneyRow.key)


def of_journey(session: Any, key: str) -> tuple[int, int] | None:
    """The journey's id and generation; None when no journey has that key."""
    found = session.execute(_OF_KEY, {"key": key}).first()
    return None if found is None else (found[0], found[1])


_OF_KEY = select(JourneyRow.id, JourneyRow.generation).where(JourneyRow.key == bindparam("key"))


def bump_all(session: Any) -> None:
    """Move every journey on: its derived rows are rewritten (rebuild, prune). Call it first
    in the transaction: writers lock their journey's row (their run's trigger) before the
    derived rows, so taking the journey rows first keeps one lock order."""
    session.execute(update(JourneyRow).values(generation=JourneyRow.generation + 1))
    session.info.pop(_CURRENT, None)


def one_by_one(stale: list[int], generations: dict[int, int]) -> bool:
    """Whether to read the stale journeys by name: a few, and not every journey (a first
    read costs the same statements for 3 journeys as for 300)."""
    return len(stale) <= FEW and len(stale) < len(generations)


class PerJourney(Generic[T]):
    """Values per journey id under a key, each kept while its journey's generation stays the
    same: `read` computes only the journeys whose generation moved (or that are new)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: OrderedDict[Hashable, _Entry[T]] = OrderedDict()
        self._lock = threading.Lock()
        self._clock = clock
        self._size = 0
        self.computed = 0  # journeys computed again (what tests and benchmarks look at)

    def read(self, key: Hashable, generations: dict[int, int],
             compute: Callable[[list[int], dict[int, T]], dict[int, T]],
             size: Callable[[T], int] = lambda value: 1,
             still: Callable[[T], bool] | None = None) -> dict[int, T]:
        """Each journey's value under `key`: kept ones whose generation is the same (and that
        `still` holds, for a value that also depends on the clock), the others from
        `compute(stale ids, the previous values of those only the generation made stale)`;
        a journey `compute` leaves out has no value (it is computed again next time)."""
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            kept = entry.values if entry is not None else {}  # never changed once stored
        values: dict[int, T] = {}
        stale: list[int] = []
        previous: dict[int, T] = {}
        for journey_id, generation in generations.items():
            found = kept.get(journey_id)
            fresh = found is not None and now - found[1] < MAX_AGE_S and (
                still is None or still(found[2]))
            if fresh and found[0] == generation:  # type: ignore[index]
                values[journey_id] = found[2]  # type: ignore[index]
            else:
                stale.append(journey_id)
                if fresh:
                    previous[journey_id] = found[2]  # type: ignore[index]
        if not stale:  # the usual case on a quiet journey set: nothing to store again
            with self._lock:
                if entry is not None and self._entries.get(key) is entry:
                    self._entries.move_to_end(key)
            return values
        computed = compute(stale, previous)
        kept = {j: kept[j] for j in values}
        for journey_id, value in computed.items():
            if journey_id in generations:
                values[journey_id] = value
                kept[journey_id] = (generations[journey_id], now, value, size(value))
        new = _Entry(kept, sum(v[3] for v in kept.values()))
        with self._lock:
            self.computed += len(stale)
            old = self._entries.pop(key, None)
            self._size += new.size - (0 if old is None else old.size)
            self._entries[key] = new
            while len(self._entries) > ENTRIES or (self._size > SIZE and
                                                   len(self._entries) > 1):
                self._size -= self._entries.popitem(last=False)[1].size
        return values


class _Entry(Generic[T]):
    __slots__ = ("size", "values")

    def __init__(self, values: dict[int, tuple[int, float, T, int]], size: int) -> None:
        self.values = values
        self.size = size
