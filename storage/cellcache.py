"""Decoded timing cells of the hours that no longer change, kept between reads (#13).

A dashboard asks for the same windows every few seconds (every transaction's last 24 h, a
journey's last week), and decoding their hour and day rows again on each request was most of
a page's time. `CellCache.read` splits a stored range at the hot edge, the top of the hour
HOT before the latest run's start (runs started after it may still be recording, so their
hours still change): the part before it is kept decoded,
with a fingerprint of its rows (how many, and their summed counts, totals, successes, sums
and extremes) that any write into it changes: a late result from the spool, a run that
straddled the hour, `ronde db rebuild`, `ronde db prune`. Each read checks the fingerprint in
one aggregate query and decodes only the part after the edge. The hours a journey page's
slices cut are tallied from their runs (`CellCache.raw`): before the edge those are kept
too, under the fingerprint of the same hours' rows, which are tallied from the same runs at
write time (the 24 h page cuts all 24 of its hours). An entry also expires after
MAX_AGE_S: the bound on a change the fingerprint cannot see (a value moved up and another
down by the same amount in the same range). Cached cells are shared: callers merge them into
cells of their own (`timings.merged`), never change them.

A read over every journey (the overview, `/metrics`) keeps its cells per journey, under the
journey's generation (storage.generations): a journey whose runs did not change since is
neither fingerprinted nor read again, before the edge or after it; one that changed has its
cold part fingerprinted alone (a run after the edge leaves it as it was) and its hot part
read again. On a running trial that is a few journeys per request instead of all of them.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import bindparam, func, select

from storage import generations
from storage.engine import Database
from storage.hourly import Range, ceil_hour, floor_hour, joined
from storage.models import RunRow, TimingHourRow
from storage.timings import Cell, Key, floor_day, merged

#: Runs started this long before the latest one may still be running: their hours are
#: read from their rows each time (a run that takes longer changes a cached hour: its
#: fingerprint sees it).
HOT = timedelta(minutes=10)
#: Seconds an entry is trusted at most, whatever its fingerprint says.
MAX_AGE_S = 300.0
#: Ranges kept per database, and cells in them (least recently used dropped first): a
#: decoded cell is ~4 kB, 20 journey pages over 90 days kept ~7 k cells (25 MB).
ENTRIES = 64
CELLS = 20_000

T = TypeVar("T")
Reader = Callable[[Any, int | None, datetime | None, datetime | None, int | None, int],
                  Iterable[tuple[Key, Cell]]]
RawReader = Callable[[Any, int | None, datetime, datetime, int | None],
                     list[tuple[Key, Cell]]]


@dataclass(frozen=True, slots=True)
class Grouping:
    """How a reader merges the cold cells before they are kept: `of` gives a cell's group
    (None: leave it out), `id` names the grouping in the cache's key. A journey page's slices
    over 90 days are ~100 groups, not 20 k hour cells to merge again on each request."""

    id: Hashable
    of: Callable[[int, Key], Hashable | None]  # (span, key) -> group


@dataclass(frozen=True, slots=True)
class _Entry:
    fingerprint: tuple[Any, ...]
    value: Any
    size: int  # cells
    at: float


class CellCache:
    """One database's cached ranges (see the module)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: OrderedDict[tuple[Any, ...], _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._clock = clock
        self._cells = 0
        self.hits = 0  # cold ranges served decoded (what tests and benchmarks look at)
        self.misses = 0
        self.by_journey: generations.PerJourney[Any] = generations.PerJourney(clock)

    def read(self, session: Any, reader: Reader, journey_id: int | None,
             hours: Iterable[Range], days: Iterable[Range], device_id: int | None,
             grouping: Grouping | None = None) -> list[tuple[int, Key, Cell]]:
        """What `reader` yields for the hour ranges (span 1) and day ranges (span 24) of a
        window, as (span, key, cell), the parts before the hot edge from the cache. Days are
        read from day rows up to the edge's UTC day; that day and the next come from their
        hour rows (a day row in progress changes with every run: it would cost the whole
        day's decoding on each read), joined with the hour ranges they touch. With a
        `grouping`, the cached part comes merged per group, each under the key of its first
        cell (the cells it leaves out do not come)."""
        edge = self.edge(session)
        if edge is None:
            return [(span, k, c) for span, ranges in ((1, hours), (24, days))
                    for lo, hi in ranges
                    for k, c in reader(session, journey_id, lo, hi, device_id, span)]
        read = _Read(session, reader, journey_id, device_id, grouping,
                     None if journey_id is not None else generations.current(session))
        day = floor_day(edge)
        out: list[tuple[int, Key, Cell]] = []
        by_hour = list(hours)
        for lo, hi in days:
            if lo is None or lo < day:
                cold_end = day if hi is None or hi > day else hi
                out += [(24, k, c) for k, c in self._cold(read, lo, cold_end, 24)]
                lo = cold_end
            if lo != hi:
                by_hour.append((lo, hi))
        for lo, hi in joined(by_hour):
            out += [(1, k, c) for k, c in self._split(read, lo, hi, edge)]
        return out

    def _split(self, read: _Read, since: datetime | None, until: datetime | None,
               edge: datetime) -> list[tuple[Key, Cell]]:
        """Hour rows of the range: before `edge` from the cache, after it as stored."""
        if since is not None and since >= edge:
            return self._hot(read, since, until)
        cold_end = edge if until is None or until > edge else until
        cells = self._cold(read, since, cold_end, 1)
        if cold_end == until:
            return cells
        return [*cells, *self._hot(read, cold_end, until)]

    def _hot(self, read: _Read, since: datetime, until: datetime | None
             ) -> list[tuple[Key, Cell]]:
        """Hour rows after the edge: as stored, or, over every journey, each journey's kept
        while its generation stays the same (a running trial changes a few between reads)."""
        reader, session, device_id = read.reader, read.session, read.device_id
        if read.generations is None:
            return list(reader(session, read.journey_id, since, until, device_id, 1))
        key = (*_name(reader), "hot", device_id, since, until)
        gens = read.generations

        def compute(stale: list[int], previous: dict[int, list[tuple[Key, Cell]]]
                    ) -> dict[int, list[tuple[Key, Cell]]]:
            if not generations.one_by_one(stale, gens):
                return _by_journey(reader(session, None, since, until, device_id, 1), stale)
            return {j: list(reader(session, j, since, until, device_id, 1)) for j in stale}

        return _flat(self.by_journey.read(key, gens, compute, len))

    def _cold(self, read: _Read, since: datetime | None, until: datetime, span: int
              ) -> list[tuple[Key, Cell]]:
        session, reader, device_id, grouping = (read.session, read.reader, read.device_id,
                                                read.grouping)
        group_id = None if grouping is None else grouping.id

        def decode(journey_id: int | None) -> list[tuple[Key, Cell]]:
            cells = [(k, _decoded(c)) for k, c in reader(session, journey_id, since, until,
                                                          device_id, span)]
            return cells if grouping is None else _grouped(cells, span, grouping)

        if read.generations is None:
            key = (*_name(reader), span, read.journey_id, device_id, since, until, group_id)
            fingerprint = _fingerprint(session, read.journey_id, since, until, device_id, span)
            return self.kept(key, fingerprint, lambda: decode(read.journey_id), len)

        gens = read.generations
        Kept = tuple[tuple[Any, ...], list[tuple[Key, Cell]]]  # (fingerprint, cells)

        def compute(stale: list[int], previous: dict[int, Kept]) -> dict[int, Kept]:
            # a journey whose run landed after the edge keeps its cold cells: its
            # fingerprint there is the same
            if not generations.one_by_one(stale, gens):
                prints = _fingerprints(session, since, until, device_id, span)
                changed = [j for j in stale if j not in previous or
                           previous[j][0] != prints.get(j, _EMPTY)]
                cells = _by_journey(decode(None), changed) if changed else {}
                return {j: (prints.get(j, _EMPTY), cells.get(j, [])) if j in changed
                        else previous[j] for j in stale}
            out: dict[int, Kept] = {}
            for j in stale:
                fingerprint = _fingerprint(session, j, since, until, device_id, span)
                old = previous.get(j)
                out[j] = old if old is not None and old[0] == fingerprint else (
                    fingerprint, decode(j))
            return out

        key = (*_name(reader), "cold", span, device_id, since, until, group_id)
        return _flat({j: cells for j, (_, cells) in self.by_journey.read(
            key, gens, compute, lambda kept: len(kept[1])).items()})

    def kept(self, key: Hashable, fingerprint: tuple[Any, ...], compute: Callable[[], T],
             size: Callable[[T], int]) -> T:
        """`compute()`'s value, kept under `key` while `fingerprint` stays the same (and for
        MAX_AGE_S at most); `size` counts its cells against CELLS."""
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.fingerprint == fingerprint and \
                    now - entry.at < MAX_AGE_S:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry.value  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self.misses += 1
            old = self._entries.pop(key, None)
            self._cells += size(value) - (0 if old is None else old.size)
            self._entries[key] = _Entry(fingerprint, value, size(value), now)
            while len(self._entries) > ENTRIES or (self._cells > CELLS and
                                                   len(self._entries) > 1):
                self._cells -= self._entries.popitem(last=False)[1].size
        return value

    def raw(self, session: Any, reader: RawReader, journey_id: int | None, since: datetime,
            until: datetime, device_id: int | None, cut: Hashable
            ) -> list[tuple[Key, Cell]]:
        """The cells `reader` tallies from the runs started in [since, until), a range before
        the hot edge (the hours a journey page's slices cut, read from their runs), kept while
        the hour rows of the hours it touches keep their fingerprint: those rows are tallied
        from the same runs at write time, so any result that lands there changes them. `cut`
        names how the reader slices the runs."""
        key = (*_name(reader), "raw", journey_id, device_id, since, until, cut)
        fingerprint = _fingerprint(session, journey_id, floor_hour(since), ceil_hour(until),
                                   device_id, 1)
        return self.kept(key, fingerprint, lambda: reader(session, journey_id, since, until,
                                                          device_id), len)

    def edge(self, session: Any) -> datetime | None:
        """The hot edge: hours from it on may still change as runs are recorded; None when
        nothing is stored."""
        latest = session.execute(_LATEST).scalar()
        return None if latest is None else floor_hour(latest - HOT)

    def hot_day(self, session: Any) -> datetime | None:
        """The UTC day whose rows may still change as runs are recorded (that of the hot
        edge); None when nothing is stored."""
        edge = self.edge(session)
        return None if edge is None else floor_day(edge)


_caches: WeakKeyDictionary[Database, CellCache] = WeakKeyDictionary()
_caches_lock = threading.Lock()


def cache_of(db: Database) -> CellCache:
    """The database's cache (one per Database object, gone with it)."""
    with _caches_lock:
        found = _caches.get(db)
        if found is None:
            _caches[db] = found = CellCache()
        return found


def forget(db: Database) -> None:
    """Drop the database's cache: the next reads start cold (a test measuring a cold read)."""
    with _caches_lock:
        _caches.pop(db, None)


#: A journey with no row in a range: the fingerprint `_fingerprint` reads for it.
_EMPTY = (0, None, None, None, None, None, None)
_LATEST = select(func.max(RunRow.started_at))  # the latest run's start: one index probe


def _fingerprint(session: Any, journey_id: int | None, since: datetime | None,
                 until: datetime, device_id: int | None, span: int) -> tuple[Any, ...]:
    params = {"f_span": span, "f_until": until, "f_since": since, "f_journey": journey_id,
              "f_device": device_id}
    query = _fingerprint_query(since is not None, journey_id is not None, device_id is not None)
    row = session.execute(query, {k: v for k, v in params.items() if v is not None}).one()
    return tuple(row)


@lru_cache(maxsize=16)
def _fingerprint_query(since: bool, journey: bool, device: bool, per_journey: bool = False
                       ) -> Any:
    t = TimingHourRow
    columns = (func.count(), func.sum(t.count), func.sum(t.total), func.sum(t.ok),
               func.sum(t.sum_ms), func.min(t.min_ms), func.max(t.max_ms))
    query = (select(t.journey_id, *columns).group_by(t.journey_id) if per_journey
             else select(*columns)).where(t.span == bindparam("f_span"),
                                          t.hour < bindparam("f_until"))
    if since:
        query = query.where(t.hour >= bindparam("f_since"))
    if journey:
        query = query.where(t.journey_id == bindparam("f_journey"))
    if device:
        query = query.where(t.device_id == bindparam("f_device"))
    return query


def _grouped(cells: list[tuple[Key, Cell]], span: int, grouping: Grouping
             ) -> list[tuple[Key, Cell]]:
    first: dict[Hashable, Key] = {}
    members = []
    for key, cell in cells:
        group = grouping.of(span, key)
        if group is not None:
            first.setdefault(group, key)
            members.append((group, cell))
    return [(first[group], cell) for group, cell in merged(members).items()]


def _decoded(cell: Cell) -> Cell:
    """The cell with its buckets decoded once (a stored row keeps them as text until merged)."""
    if cell.encoded is None:
        return cell
    out = Cell()
    out.merge(cell)
    out.times.settle()
    out.times.sum = cell.times.sum
    return out


@dataclass(frozen=True, slots=True)
class _Read:
    """One `CellCache.read`: what it reads, and the journeys' generations when it reads
    every journey (None: one journey, kept by its rows' fingerprint alone)."""

    session: Any
    reader: Reader
    journey_id: int | None
    device_id: int | None
    grouping: Grouping | None
    generations: dict[int, int] | None


def _name(reader: Callable[..., Any]) -> tuple[str, str]:
    return reader.__module__, reader.__qualname__


def _by_journey(cells: Iterable[tuple[Key, Cell]], journeys: Iterable[int]
                ) -> dict[int, list[tuple[Key, Cell]]]:
    """Cells of every journey split per journey, for those asked (each gets a list)."""
    out: dict[int, list[tuple[Key, Cell]]] = {j: [] for j in journeys}
    for key, cell in cells:
        found = out.get(key[0])
        if found is not None:
            found.append((key, cell))
    return out


def _flat(per_journey: dict[int, list[tuple[Key, Cell]]]) -> list[tuple[Key, Cell]]:
    return [c for j in sorted(per_journey) for c in per_journey[j]]


def _fingerprints(session: Any, since: datetime | None, until: datetime,
                  device_id: int | None, span: int) -> dict[int, tuple[Any, ...]]:
    """Each journey's fingerprint of the range (`_fingerprint` grouped by journey, in one
    aggregate query); a journey without rows there has none (`_EMPTY`)."""
    params = {"f_span": span, "f_until": until, "f_since": since, "f_device": device_id}
    query = _fingerprint_query(since is not None, False, device_id is not None, True)
    return {j: tuple(rest) for j, *rest in session.execute(
        query, {k: v for k, v in params.items() if v is not None})}
