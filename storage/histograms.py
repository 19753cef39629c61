"""Log-spaced response-time histograms: how `storage.kpi` reads percentiles over any window
from per-hour rows instead of every transaction.

Bucket i >= 1 holds the values in [GROWTH^(i-1), GROWTH^i) ms (2 % wide) from 1 ms to 10 min;
bucket 0 holds the values below 1 ms, bucket TOP those of 10 min and above. A histogram keeps
only its non-empty buckets plus the exact count, sum, min and max, so histograms of whole
hours merge by adding counts. The p-th percentile is the nearest rank (rank ceil(p·n/100))
located in its bucket and read at the bucket's geometric middle, clamped to [min, max]:
within RELATIVE_ERROR of the exact nearest-rank value for values from 1 ms to 10 min.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import accumulate

GROWTH = 1.02
LOWEST_MS = 1.0
HIGHEST_MS = 600_000.0
TOP = math.ceil(math.log(HIGHEST_MS / LOWEST_MS) / math.log(GROWTH)) + 1
#: Largest relative distance between a reported percentile and the exact nearest-rank value.
RELATIVE_ERROR = math.sqrt(GROWTH) - 1  # 0.995 %


def bucket_of(value_ms: float) -> int:
    if value_ms < LOWEST_MS:
        return 0
    if value_ms >= HIGHEST_MS:
        return TOP
    index = int(math.log(value_ms / LOWEST_MS) / math.log(GROWTH)) + 1
    # float rounding at a bound: keep the invariant lower(index) <= value < upper(index)
    if value_ms < lower(index):
        index -= 1
    elif value_ms >= lower(index + 1):
        index += 1
    return min(max(index, 1), TOP - 1)


def lower(index: int) -> float:
    return LOWEST_MS * GROWTH ** (index - 1)


def middle(index: int) -> float:
    """The value a bucket reports: its geometric middle (its own bound for the open ends)."""
    if index <= 0:
        return LOWEST_MS
    if index >= TOP:
        return HIGHEST_MS
    return LOWEST_MS * GROWTH ** (index - 0.5)


@dataclass(slots=True)
class Histogram:
    """Sparse buckets with the exact count, sum, min and max of what was added."""

    buckets: dict[int, int] = field(default_factory=dict)
    count: int = 0
    sum: float = 0.0
    min: float = math.inf
    max: float = -math.inf
    pending: list[str] = field(default_factory=list)  # encoded buckets not yet added

    def settle(self) -> dict[int, int]:
        """Add the pending encoded buckets: identical tokens are counted in C (Counter), so
        only distinct ones cost Python work. An hour's buckets mostly hold one value, written
        as the bare bucket (`encode`): a day of hour rows then has a few hundred distinct
        tokens per transaction, not one per (bucket, count) pair (#13)."""
        if self.pending:
            buckets = self.buckets
            get = buckets.get
            for token, times in Counter(",".join(self.pending).split(",")).items():
                if ":" in token:
                    b, _, n = token.partition(":")
                    key = int(b)
                    buckets[key] = get(key, 0) + int(n) * times
                elif token:
                    key = int(token)
                    buckets[key] = get(key, 0) + times
            self.pending.clear()
        return self.buckets

    @classmethod
    def of(cls, values: Iterable[float]) -> Histogram:
        h = cls()
        for v in values:
            h.add(v)
        return h

    def add(self, value: float) -> None:
        b = bucket_of(value)
        self.buckets[b] = self.buckets.get(b, 0) + 1
        self.count += 1
        self.sum += value
        self.min = min(self.min, value)
        self.max = max(self.max, value)

    def merge_encoded(self, text: str, count: int, sum_ms: float, low: float, high: float
                      ) -> None:
        """Add a stored histogram; its buckets are decoded when first needed (`settle`)."""
        self.pending.append(text)
        self.count += count
        self.sum += sum_ms
        if low < self.min:
            self.min = low
        if high > self.max:
            self.max = high

    def merge(self, other: Histogram) -> None:
        self.pending.extend(other.pending)
        if not self.buckets:  # the first of a merge: copied in C
            self.buckets = dict(other.buckets)
        else:
            buckets = self.buckets
            get = buckets.get
            for b, n in other.buckets.items():
                buckets[b] = get(b, 0) + n
        self.count += other.count
        self.sum += other.sum
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)

    def percentile(self, p: float) -> float:
        """Nearest rank ceil(p·n/100), read in its bucket (see the module)."""
        return self.percentiles(p)[0]

    def percentiles(self, *ps: float) -> tuple[float, ...]:
        """`percentile` of each of `ps`, from one cumulative sum of the buckets (made and
        searched in C: accumulate, bisect)."""
        if not self.count:
            raise ValueError("no values")
        ranks = [max(1, math.ceil(p * self.count / 100 - 1e-9)) for p in ps]
        if all(r == 1 or r == self.count for r in ranks):
            return tuple(self.min if r == 1 else self.max for r in ranks)
        buckets = self.settle()
        keys = sorted(buckets)
        cumulative = list(accumulate(map(buckets.__getitem__, keys)))
        out = []
        for rank in ranks:
            if rank == 1:
                out.append(self.min)
            elif rank == self.count:
                out.append(self.max)
            else:
                at = bisect_left(cumulative, rank)
                out.append(self.max if at == len(keys) else
                           min(max(middle(keys[at]), self.min), self.max))
        return tuple(out)

    def encode(self) -> str:
        """`bucket:count` pairs, ascending, comma-separated, a count of 1 as the bare bucket
        (what the hour and day rows store; `bucket:1` still reads back)."""
        return ",".join(f"{b}:{n}" if n > 1 else str(b)
                        for b, n in sorted(self.settle().items()) if n)
