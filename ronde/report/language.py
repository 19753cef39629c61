"""The report's language: its texts, numbers, dates and durations in English or French.

The template is written in English and says `_("text")` / `n_(n, "one", "many")`; French
comes from `ronde.report.french.TEXTS`, and a text missing there is an error, not English
slipping into a French report. Numbers never wrap between figure and unit (no-break spaces).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from ronde.report.exceptions import ReportError
from ronde.report.french import MONTHS, TEXTS

LANGUAGES = ("en", "fr")
NBSP = "\u00a0"
THIN_NBSP = "\u202f"  # French thousands separator


@dataclass(frozen=True, slots=True)
class Language:
    code: str  # en | fr

    @classmethod
    def named(cls, code: str) -> Language:
        if code not in LANGUAGES:
            raise ReportError(f"unknown report language {code!r} (expected one of: "
                              f"{', '.join(LANGUAGES)})")
        return cls(code)

    @property
    def french(self) -> bool:
        return self.code == "fr"

    def text(self, english: str) -> str:
        if not self.french:
            return english
        try:
            return TEXTS[english]
        except KeyError:
            raise ReportError(f"no French for the report text {english!r}") from None

    def term(self, word: str | None) -> str:
        """A word from the data (a category, a cause): translated when known, else as is."""
        if not word:
            return "–"
        word = word.replace("_", " ")
        return TEXTS.get(word, word) if self.french else word

    def plural(self, n: int, one: str, many: str) -> str:
        """`one` for 1 (and 0 in French), else `many`; both English, translated. When the two
        English forms are the same, the French plural is listed as `many + " [plural]"`."""
        single = n == 1 or (self.french and n == 0)
        if not self.french:
            return one if single else many
        return self.text(one if single else many if many != one else f"{many} [plural]")

    def number(self, value: float, digits: int = 0) -> str:
        text = f"{value:,.{digits}f}"
        if self.french:
            return text.replace(",", THIN_NBSP).replace(".", ",")
        return text.replace(",", "")  # English figures stay as the dashboard shows them

    def pct(self, value: float | None, digits: int = 2) -> str:
        return "–" if value is None else f"{self.number(value * 100, digits)}{NBSP}%"

    def ms(self, value: float | None) -> str:
        if value is None:
            return "–"
        if value >= 10_000:
            return f"{self.number(value / 1000, 1)}{NBSP}s"
        return f"{self.number(value)}{NBSP}ms"

    def when(self, value: datetime | None) -> str:
        if value is None:
            return "–"
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
        if self.french:
            return f"{self.day(value.date())} {value.year} {value:%H:%M} UTC"
        return value.strftime("%Y-%m-%d %H:%M:%S UTC")

    def day(self, value: date) -> str:
        """A chart's day label: `20 Nov` / `20 nov.`."""
        if self.french:
            return f"{value.day} {MONTHS[value.month - 1]}"
        return value.strftime("%d %b")

    def duration(self, seconds: float | None) -> str:
        """A short span for tables: `3 h 12 min`, `2 d 4 h` (`2 j 4 h`), `45 s`."""
        if seconds is None:
            return "–"
        days, hours, minutes, secs = _split(seconds)
        if days:
            return f"{days}{NBSP}{'j' if self.french else 'd'} {hours}{NBSP}h"
        if hours:
            return f"{hours}{NBSP}h {minutes}{NBSP}min"
        if minutes:
            return f"{minutes}{NBSP}min {secs}{NBSP}s" if secs and minutes < 10 \
                else f"{minutes}{NBSP}min"
        return f"{secs}{NBSP}s"

    def span(self, seconds: float) -> str:
        """A period in words, its two largest units: `10 days`, `3 days 2 hours`, `10 minutes`."""
        parts = [
            (n, unit) for n, unit in zip(_split(seconds), ("day", "hour", "minute", "second"),
                                         strict=True) if n
        ] or [(0, "second")]
        return " ".join(f"{n}{NBSP}{self.plural(n, unit, unit + 's')}" for n, unit in parts[:2])


def _split(seconds: float) -> tuple[int, int, int, int]:
    s = round(seconds)
    days, s = divmod(s, 86400)
    hours, s = divmod(s, 3600)
    minutes, s = divmod(s, 60)
    return days, hours, minutes, s
