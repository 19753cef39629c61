"""The compatibility corpus: Ronde's own flows (tests/journeys/corpus/ronde) and, when
$RONDE_MAESTRO_FLOWS names a checkout of Maestro's repository, Maestro's own flow files; each
accepted or refused for the documented reason of corpus/verdicts.yaml, and the share of
Maestro's valid flows that Ronde accepts printed.

Maestro's files are not stored in this repository (they are another project's files): the
README says how to measure them against a checkout.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

from journeys.errors import JourneyError
from journeys.parser import load_journey
from journeys.policy import FilePolicy

CORPUS = Path(__file__).resolve().parent / "corpus"
VERDICTS = yaml.safe_load((CORPUS / "verdicts.yaml").read_text(encoding="utf-8"))
MAESTRO = Path(os.environ["RONDE_MAESTRO_FLOWS"]) if os.environ.get("RONDE_MAESTRO_FLOWS") else None
ROOTS = {"ronde": CORPUS / "ronde", **({"maestro": MAESTRO} if MAESTRO else {})}
GOAL = 0.95
# what a flow needs the JavaScript engine for (to report the share without it too)
_JS = re.compile(r"runScript|evalScript|assertTrue|onFlowStart|onFlowComplete|^\s*true:|"
                 r"\$\{(?![A-Za-z_][A-Za-z0-9_]*\})", re.MULTILINE)


def path_of(name: str) -> Path:
    """`ronde/x.yaml` or `maestro/<path in Maestro's repository>` on this machine."""
    top, _, rest = name.partition("/")
    return ROOTS[top] / rest


def flow_files() -> list[str]:
    names = sorted(f"{top}/{p.relative_to(root).as_posix()}" for top, root in ROOTS.items()
                   for p in root.rglob("*") if p.suffix in (".yaml", ".yml")
                   and p.stem != "config" and ".git" not in p.parts)
    return [n for n in names if n not in VERDICTS["not_flows"]]


def verdict(name: str) -> str | None:
    """None when Ronde accepts the file, else the first problem's message."""
    path = path_of(name)
    root = ROOTS[name.partition("/")[0]]
    policy = FilePolicy(flow_roots=(root.resolve(),))  # Maestro reads files anywhere
    try:
        load_journey(path, policy=policy)
    except JourneyError as exc:
        return "; ".join(p.message for p in exc.problems)
    return None


@pytest.mark.parametrize("name", flow_files())
def test_each_flow_is_accepted_or_refused_for_its_documented_reason(name: str) -> None:
    got = verdict(name)
    if name in VERDICTS["ronde_refuses"]:
        assert got is not None and VERDICTS["ronde_refuses"][name] in got, got
    elif name in VERDICTS["maestro_refuses"] and name not in VERDICTS["lenient"]:
        assert got is not None, "Maestro refuses this file; so must Ronde"
    else:
        assert got is None, got


def test_ronde_corpus_covers_acceptance_and_refusal() -> None:
    own = [n for n in flow_files() if n.startswith("ronde/")]
    assert [n for n in own if verdict(n) is None], "no accepted flow in Ronde's corpus"
    assert [n for n in own if n in VERDICTS["ronde_refuses"]], "no refused flow either"


if MAESTRO is not None:

    def test_the_share_of_maestros_valid_flows_accepted(
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        valid = [n for n in flow_files()
                 if n.startswith("maestro/") and n not in VERDICTS["maestro_refuses"]]
        accepted = [n for n in valid if verdict(n) is None]
        needs_js = [n for n in accepted if _JS.search(path_of(n).read_text(encoding="utf-8"))]
        share = len(accepted) / len(valid)
        with capsys.disabled():
            print(f"\nMaestro's own valid flows accepted: {len(accepted)}/{len(valid)} "
                  f"({share:.1%}); without the JavaScript engine it would be "
                  f"{len(accepted) - len(needs_js)}/{len(valid)} "
                  f"({(len(accepted) - len(needs_js)) / len(valid):.1%})")
        assert share >= GOAL
        assert len(valid) > 200  # the checkout is all there
