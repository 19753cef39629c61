"""The report's languages: every template text has its French, and figures read the French way."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ronde.report.exceptions import ReportError
from ronde.report.french import TEXTS
from ronde.report.language import Language

TEMPLATE = Path(__file__).resolve().parents[2] / "ronde" / "report" / "templates" / "report.html"


def test_every_text_of_the_template_has_its_french() -> None:
    template = TEMPLATE.read_text(encoding="utf-8")
    texts = re.findall(r'\b_\("([^"]+)"\)', template)
    plurals = re.findall(r'\bn_\([^,]+, "([^"]+)", "([^"]+)"\)', template)
    assert len(texts) > 60 and len(plurals) >= 7
    wanted = set(texts) | {one for one, _ in plurals} | {
        many if many != one else f"{many} [plural]" for one, many in plurals}
    assert sorted(wanted - set(TEXTS)) == []


def test_french_numbers_dates_and_spans() -> None:
    fr, en = Language.named("fr"), Language.named("en")
    assert fr.pct(0.958333) == "95,83\u00a0%" and en.pct(0.958333) == "95.83\u00a0%"
    assert fr.ms(1234.4) == "1\u202f234\u00a0ms" and en.ms(1234.4) == "1234\u00a0ms"
    assert fr.ms(12_500) == "12,5\u00a0s"
    at = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert fr.when(at) == "3 févr. 2026 04:05 UTC" and en.when(at) == "2026-02-03 04:05:06 UTC"
    assert fr.span(10 * 86400) == "10\u00a0jours" and en.span(600) == "10\u00a0minutes"
    assert fr.span(86400 + 3600) == "1\u00a0jour 1\u00a0heure"
    assert fr.duration(2 * 86400 + 4 * 3600) == "2\u00a0j 4\u00a0h"
    assert fr.plural(0, "journey", "journeys") == "parcours"
    assert en.plural(0, "run", "runs") == "runs"
    assert fr.term("third_party") == "service tiers" and fr.term("new_cause") == "new cause"


def test_an_unknown_language_or_text_is_an_error() -> None:
    with pytest.raises(ReportError, match="unknown report language 'de'"):
        Language.named("de")
    with pytest.raises(ReportError, match="no French for the report text 'Nope'"):
        Language.named("fr").text("Nope")
