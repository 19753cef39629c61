"""Helpers for the journey language tests: write a journey file, parse it, read its problems."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from journeys.errors import JourneyError
from journeys.parser import load_journey

EXAMPLES = Path(__file__).resolve().parents[2] / "journeys" / "examples"
HEADER = "appId: com.ronde.demo.shop\n---\n"


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    def write(text: str, name: str = "journey.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


def problems_of(path: Path, **kwargs: object) -> list[str]:
    """`line:column: message` of every problem of a file that must not parse."""
    with pytest.raises(JourneyError) as caught:
        load_journey(path, **kwargs)  # type: ignore[arg-type]
    return [f"{p.pos.line}:{p.pos.column}: {p.message}" for p in caught.value.problems]
