"""JUnit XML for CI pipelines: one test case per run, failures and errors told apart."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from journeys.results import RunResult, Status


def junit_xml(results: Sequence[RunResult], suite: str = "ronde") -> str:
    failures = sum(r.status is Status.FAILED for r in results)
    errors = sum(r.status is Status.ERROR for r in results)
    total_s = sum(r.duration_ms for r in results) / 1000
    root = ET.Element("testsuites", name=suite, tests=str(len(results)),
                      failures=str(failures), errors=str(errors), time=f"{total_s:.3f}")
    node = ET.SubElement(root, "testsuite", name=suite, tests=str(len(results)),
                         failures=str(failures), errors=str(errors), time=f"{total_s:.3f}")
    for r in results:
        case = ET.SubElement(node, "testcase", classname=r.journey,
                             name=f"{r.journey} on {r.device} (attempt {r.attempt})",
                             time=f"{r.duration_ms / 1000:.3f}")
        props = ET.SubElement(case, "properties")
        for key, value in (("status", str(r.status)), ("category", str(r.category or "")),
                           ("run_id", r.run_id), ("load_ms", _fmt(r.load_ms))):
            ET.SubElement(props, "property", name=key, value=value)
        if r.status is Status.FAILED:
            ET.SubElement(case, "failure", message=r.error or "failed",
                          type=str(r.category or "failed")).text = r.error or ""
        elif r.status is Status.ERROR:
            ET.SubElement(case, "error", message=r.error or "error",
                          type=str(r.category or "error")).text = r.error or ""
        lines = [f"{t.name}: {_fmt(t.response_ms)} ms ± {_fmt(t.resolution_ms)} ms "
                 f"[{t.status}{' ' + str(t.category) if t.category else ''}]"
                 for t in r.transactions]
        ET.SubElement(case, "system-out").text = "\n".join(lines)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(path: Path, results: Sequence[RunResult]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(junit_xml(results), encoding="utf-8")


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"
