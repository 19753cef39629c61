"""Prometheus `/metrics`: gauges, counters and histograms computed from the store on each scrape.

A custom collector (no in-process counters) so the figures are the stored truth: a restart of
the robot or of the dashboard never resets them, and several robots writing to one database
are all counted.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from operator import add
from typing import Any
from weakref import WeakKeyDictionary

from prometheus_client import CollectorRegistry
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString
from starlette.requests import Request
from starlette.responses import Response

from journeys.durations import format_duration
from ronde.report.facts import ResponseHistogram
from ronde.report.source import ReadSource
from storage.hourly import hours_back
from storage.totals import RESPONSE_BOUNDS_MS

#: Response-time histogram bounds, in seconds: 25 ms to a minute, each < 10 % above the last,
#: so `histogram_quantile` stays within 10 % of the true quantile (storage.totals keeps them).
BUCKETS_SECONDS: tuple[float, ...] = tuple(b / 1000 for b in RESPONSE_BOUNDS_MS)
#: The default `monitor.alert.window`: availability over it is what the alert rule compares.
ALERT_WINDOW = timedelta(hours=1)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class StoreCollector(Collector):
    """Reads the store through a `ReadSource` each time Prometheus scrapes."""

    def __init__(
        self,
        source: ReadSource,
        clock: Callable[[], datetime] = _utcnow,
        alert_window: timedelta = ALERT_WINDOW,
        histograms: bool = True,
    ) -> None:
        self._source = source
        self._clock = clock
        self._alert_window = alert_window
        self._with_histograms = histograms  # False: the endpoint writes them (histogram_text)

    def collect(self) -> Iterator[Metric]:
        families = self.families()
        for i, family in enumerate(families):
            if i == _HISTOGRAM_AT and self._with_histograms:
                yield histogram_family(self._source)
            yield family.metric()

    def families(self) -> list[Rows]:
        """The gauge and counter families' samples (the histograms aside), in `collect`'s
        order: plain rows, which the endpoint writes from templates without building
        prometheus-client's objects (~1 400 samples a scrape)."""
        now = self._clock()
        journeys = self._source.overview(now, history=False)  # no strip of runs here

        up = Rows(GaugeMetricFamily, "ronde_journey_up",
                  "1 when the latest run that judged the app passed or was degraded, 0 when it "
                  "failed.", ("journey",))
        last = Rows(GaugeMetricFamily, "ronde_journey_last_run_timestamp_seconds",
                    "Start time of the journey's latest run (any status), Unix seconds.",
                    ("journey",))
        availability = Rows(GaugeMetricFamily, "ronde_availability_ratio",
                            "Share of runs that passed over the window; kind=first_attempt or "
                            "confirmed; robot errors excluded.", ("journey", "window", "kind"))
        for j in journeys:
            if j.up is not None:
                up.rows.append(((j.journey,), 1.0 if j.up else 0.0))
            if j.last_run_at is not None:
                last.rows.append(((j.journey,), j.last_run_at.timestamp()))
            for window, a in (("24h", j.availability_24h), ("7d", j.availability_7d)):
                if a.first_attempt is not None:
                    availability.rows.append(((j.journey, window, "first_attempt"),
                                              a.first_attempt))
                if a.confirmed is not None:
                    availability.rows.append(((j.journey, window, "confirmed"), a.confirmed))

        runs = Rows(CounterMetricFamily, "ronde_runs",
                    "Runs recorded, by journey, device and status (first attempts and "
                    "confirmations).", ("journey", "device", "status"))
        runs.rows.extend(((c.journey, c.device, c.status), float(c.count))
                         for c in self._source.run_counts())

        p95 = Rows(GaugeMetricFamily, "ronde_transaction_response_p95_seconds",
                   "95th percentile of the transaction's response time over the last 24 hours "
                   "(from the top of the hour 23 h ago).", ("journey", "transaction"))
        for t in self._source.transaction_stats(hours_back(now, timedelta(hours=24)), now):
            if t.times.p95 is not None:
                p95.rows.append(((t.journey, t.name), t.times.p95 / 1000))

        open_incidents = Rows(GaugeMetricFamily, "ronde_incidents_open",
                              "Incidents firing or acknowledged; kind=app (the app is down) or "
                              "robot (a device or the robot is).", ("journey", "kind"))
        counts: Counter[tuple[str, str]] = Counter()
        for j in journeys:
            counts[(j.journey, "app")] += 0
            counts[(j.journey, "robot")] += 0
        for incident in self._source.incidents(open_only=True):
            counts[(incident.journey, incident.kind)] += 1
        open_incidents.rows.extend((key, float(n)) for key, n in sorted(counts.items()))
        return [up, last, availability, self._alert_window_availability(now), runs, p95,
                open_incidents]

    def _alert_window_availability(self, now: datetime) -> Rows:
        family = Rows(GaugeMetricFamily, "ronde_alert_window_availability_ratio",
                      "Share of runs that passed over the journey's alert window (the sliding "
                      "window availability_below compares: its own monitor.alert.window, else "
                      "alerts.defaults.window); absent when no run judged the app in it.",
                      ("journey", "window", "kind"))
        own = self._source.alert_windows()
        for span in sorted({self._alert_window, *own.values()}):
            window = format_duration(int(span.total_seconds() * 1000))
            for journey, a in sorted(self._source.availability(now - span, now).items()):
                if own.get(journey, self._alert_window) != span:
                    continue  # read over the window its own alert rule uses
                if a.first_attempt is not None:
                    family.rows.append(((journey, window, "first_attempt"), a.first_attempt))
                if a.confirmed is not None:
                    family.rows.append(((journey, window, "confirmed"), a.confirmed))
        return family


#: Where `collect` yields the histograms among the families (after the run counters).
_HISTOGRAM_AT = 5


@dataclass(slots=True)
class Rows:
    """A gauge or counter family as plain samples: (label values, value) rows."""

    kind: type[GaugeMetricFamily] | type[CounterMetricFamily]
    name: str
    documentation: str
    labels: tuple[str, ...]
    rows: list[tuple[tuple[str, ...], float]] = field(default_factory=list)

    def metric(self) -> Metric:
        """The family as prometheus-client's object (the reference rendering)."""
        family = self.kind(self.name, self.documentation, labels=list(self.labels))
        for values, value in self.rows:
            family.add_metric(list(values), value)
        return family


HISTOGRAM = "ronde_transaction_response_seconds"
HISTOGRAM_HELP = "Response time of each transaction, every measured run since the store began."
_LE = tuple(repr(float(b)) for b in BUCKETS_SECONDS)
_BOUNDS_MS = [b * 1000 for b in BUCKETS_SECONDS]


def histogram_family(source: ReadSource) -> HistogramMetricFamily:
    """The response-time histograms as prometheus-client objects (the reference rendering)."""
    family = _empty_family()
    for h in source.response_histograms(_BOUNDS_MS):
        buckets = [(le, float(n)) for le, n in zip(_LE, h.buckets, strict=True)]
        buckets.append(("+Inf", float(h.count)))
        family.add_metric([h.journey, h.transaction], buckets, h.sum_ms / 1000)
    return family


def _empty_family() -> HistogramMetricFamily:
    return HistogramMetricFamily(HISTOGRAM, HISTOGRAM_HELP, labels=["journey", "transaction"])


# placeholders no label value, bound or count can contain: where a template line takes them
_J, _T, _L, _V = "\x01J\x01", "\x01T\x01", "314159.0", 271828.0


class _Template:
    """The family's lines as `encoder` writes them for one placeholder series: every scrape
    fills them with plain string operations. prometheus-client formats each of the ~36 k
    bucket samples of 400 transactions on its own (sorting and escaping its labels), which
    made most of a scrape's time (#13); the output stays byte for byte the library's."""

    def __init__(self, encoder: Callable[[Collector], bytes]) -> None:
        family = _empty_family()
        family.add_metric([_J, _T], [(_L, _V), ("+Inf", _V)], _V)
        text = encoder(_Fixed(family)).decode()
        self.lines = text.removesuffix("# EOF\n").splitlines(keepends=True)
        value = " " + floatToGoString(_V)
        self.header = "".join(line for line in self.lines if line.startswith("#"))
        samples = [line for line in self.lines if not line.startswith("#")]
        self.ok = len(samples) == 4 and all(
            line.endswith(value + "\n") and _J in line and _T in line for line in samples
        ) and _L in samples[0]
        if self.ok:
            self.bucket, self.inf, self.count, self.sum = (
                line[: -len(value) - 1] for line in samples)
        self.key = (self.bucket, self.inf, self.count, self.sum) if self.ok else ()

    def render(self, source: ReadSource) -> list[bytes]:
        """The family's text, in pieces to join once (a 4 MB body copied at each step cost
        ~2 ms a copy): each series' lines kept while its mark stays (reading ~37 k bucket
        rows and writing their lines again on every scrape was a third of it); the series
        whose mark changed are read again, all of them when most did."""
        marks = source.response_marks()
        now = time.monotonic()
        kept = _TEXTS.get(source)
        if kept is None:
            kept = _TEXTS[source] = {}
        texts: dict[tuple[str, str], bytes] = {}
        stale = []
        for series, mark in marks.items():
            found = kept.get((self.key, series))
            if found is not None and found[0] == mark and now - found[2] < _TEXT_MAX_AGE_S:
                texts[series] = found[1]
            else:
                stale.append(series)
        if stale:
            read = source.response_histograms(_BOUNDS_MS,
                                              None if 2 * len(stale) > len(marks) else stale)
            fresh = {(h.journey, h.transaction): self._text(h).encode() for h in read}
            if len(kept) + len(stale) > _SERIES_KEPT:
                kept.clear()
            for series in stale:  # a series without a measured response writes nothing
                kept[(self.key, series)] = (marks[series], fresh.get(series, b""), now)
            texts.update(fresh)
        return [self.header.encode(), *(texts[series] for series in sorted(texts))]

    def _text(self, h: ResponseHistogram) -> str:
        bucket_lines, inf, count_line, sum_line = self._series(h.journey, h.transaction)
        count = _counted(h.count)
        return "".join((*map(add, bucket_lines, map(_counted, h.buckets)), inf, count,
                        count_line, count, sum_line, floatToGoString(h.sum_ms / 1000), "\n"))

    def _series(self, journey: str, transaction: str) -> tuple[tuple[str, ...], str, str, str]:
        """A series' lines up to their values, written once per process: the labels of 400
        transactions × 92 bounds do not change from one scrape to the next."""
        key = (self.bucket, self.inf, self.count, self.sum, journey, transaction)
        found = _SERIES.get(key)
        if found is None:
            j, t = _label(journey), _label(transaction)
            head, _, tail = self.bucket.replace(_J, j).replace(_T, t).partition(_L)
            found = (tuple(f"{head}{le}{tail} " for le in _LE),
                     *(f"{line.replace(_J, j).replace(_T, t)} "
                       for line in (self.inf, self.count, self.sum)))
            if len(_SERIES) >= _SERIES_KEPT:
                _SERIES.clear()
            _SERIES[key] = found
        return found


#: Lines of the series seen, per template (cleared when it holds more series than that).
_SERIES: dict[tuple[str, ...], tuple[Any, ...]] = {}
_SERIES_KEPT = 20_000
#: Per source, then per (template, series): (its mark, its text, when made). A mark follows
#: every write; the age bounds what a change no mark shows (a rebuild by newer code) could
#: leave stale.
_TEXTS: WeakKeyDictionary[ReadSource, dict[tuple[Any, ...], tuple[Any, bytes, float]]] = \
    WeakKeyDictionary()
_TEXT_MAX_AGE_S = 300.0


@lru_cache(maxsize=1 << 16)
def _counted(n: int) -> str:
    """A count as prometheus-client writes it, and its line's end (counts repeat a lot)."""
    return floatToGoString(n) + "\n"


def _label(value: str) -> str:
    """A label value as both of prometheus-client's formats escape it, whatever the escaping."""
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r'\"')


class _Fixed(Collector):
    def __init__(self, *families: Metric) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        yield from self._families


def histogram_text(source: ReadSource, encoder: Callable[[Collector], bytes]) -> list[bytes]:
    """The response-time histogram family as `encoder` would write it (without `# EOF`), in
    pieces to join."""
    template = _Template(encoder)
    if not template.ok:  # an escaping that rewrites the placeholders: the library's own way
        return [encoder(_Fixed(histogram_family(source))).removesuffix(b"# EOF\n")]
    return template.render(source)


def registry_for(
    source: ReadSource,
    clock: Callable[[], datetime] = _utcnow,
    alert_window: timedelta = ALERT_WINDOW,
    histograms: bool = True,
) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(source, clock, alert_window, histograms))
    return registry


def exposition(
    source: ReadSource,
    clock: Callable[[], datetime] = _utcnow,
    alert_window: timedelta = ALERT_WINDOW,
    accept: str = "",
) -> tuple[bytes, str]:
    """What `/metrics` serves for an Accept header: the body and its content type. Every
    family is written from templates of the negotiated encoder's own lines (the library's
    output byte for byte), the histograms last (before OpenMetrics' `# EOF`)."""
    encoder, content_type = choose_encoder(accept)
    with source.snapshot():
        families = StoreCollector(source, clock, alert_window, histograms=False).families()
        histograms = histogram_text(source, encoder)
    eof = encoder(_Fixed()) == b"# EOF\n"
    text = _families_text(families, encoder)
    head = (encoder(_Fixed(*(f.metric() for f in families))).removesuffix(b"# EOF\n")
            if text is None else text.encode())
    return b"".join((head, *histograms, b"# EOF\n" if eof else b"")), content_type


def _families_text(families: Iterable[Rows], encoder: Callable[[Collector], bytes]
                   ) -> str | None:
    """The gauge and counter families as `encoder` writes them, each sample's line made once
    per label values and value (prometheus-client sorts and escapes every sample's labels on
    every scrape; most of ~1 400 samples keep their value from one scrape to the next);
    None when the encoder's lines are not of the plain kind a template can write (the caller
    then asks the library)."""
    out = []
    for family in families:
        lines = _lines_for(encoder, family)
        if lines is None:
            return None
        out.append(lines.render(family.rows))
    return "".join(out)


class _Lines:
    """One family's header and the start of a sample's line as `encoder` writes them, from a
    placeholder sample (the way `_Template` does for the histograms)."""

    def __init__(self, encoder: Callable[[Collector], bytes], family: Rows) -> None:
        made = family.kind(family.name, family.documentation, labels=list(family.labels))
        holders = tuple(f"\x01{i}\x01" for i in range(len(family.labels)))
        made.add_metric(list(holders), _V)
        probe = Metric(made.name, made.documentation, made.type, made.unit)
        probe.add_sample(made.samples[0].name, made.samples[0].labels, _V)
        text = encoder(_Fixed(probe)).decode().removesuffix("# EOF\n")
        lines = text.splitlines(keepends=True)
        self.header = "".join(line for line in lines if line.startswith("#"))
        samples = [line for line in lines if not line.startswith("#")]
        value = " " + floatToGoString(_V) + "\n"
        self.ok = len(samples) == 1 and samples[0].endswith(value) and all(
            h in samples[0] for h in holders)
        self.start = samples[0][: -len(value) + 1] if self.ok else ""
        self.holders = holders
        self.lines: dict[tuple[tuple[str, ...], float], str] = {}

    def render(self, rows: Iterable[tuple[tuple[str, ...], float]]) -> str:
        out = [self.header]
        lines = self.lines
        for row in rows:
            line = lines.get(row)
            if line is None:
                values, value = row
                start = self.start
                for holder, v in zip(self.holders, values, strict=True):
                    start = start.replace(holder, _label(v))
                line = f"{start}{floatToGoString(value)}\n"
                if value == value:  # NaN is never found again: not kept
                    if len(lines) >= _SERIES_KEPT:
                        lines.clear()
                    lines[row] = line
            out.append(line)
        return "".join(out)


def _lines_for(encoder: Callable[[Collector], bytes], family: Rows) -> _Lines | None:
    """The family's template, made once per encoder and family shape; None when the
    encoder does not write a sample as one plain line."""
    key = (encoder, family.kind, family.name, family.documentation, family.labels)
    found = _LINES.get(key)
    if found is None:
        if len(_LINES) >= 256:
            _LINES.clear()
        found = _LINES[key] = _Lines(encoder, family)
    return found if found.ok else None


_LINES: dict[tuple[Any, ...], _Lines] = {}


def metrics_endpoint(
    source: ReadSource,
    clock: Callable[[], datetime] = _utcnow,
    alert_window: timedelta = ALERT_WINDOW,
) -> Callable[[Request], Response]:
    """A Starlette endpoint serving the store's metrics in Prometheus' text format."""

    def endpoint(request: Request) -> Response:
        # Negotiated like prometheus-client's own exporters: OpenMetrics when asked for.
        body, content_type = exposition(source, clock, alert_window,
                                        request.headers.get("accept", ""))
        return Response(body, headers={"Content-Type": content_type})

    return endpoint
