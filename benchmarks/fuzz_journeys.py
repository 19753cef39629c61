"""Fuzzing the journey parser: seeded random journeys, and not one traceback allowed.

    .venv/bin/python benchmarks/fuzz_journeys.py [--count 10000] [--seed 1]

Each case is written to a temporary folder beside a copy of the examples (so runFlow targets
exist) and loaded with `load_journeys`, the loader of `validate`, `run` and `start`. A case is
either a journey or problems with a position; anything else (an exception escaping, a problem
without file:line:column) is a crash, printed with its seed and counted. Cases are mutations of
the example journeys (bytes flipped, lines dropped or swapped, numbers made huge) and
documents built from the language's own vocabulary (`journeys.spec`).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from journeys.parser import load_journeys
from journeys.spec import COMMANDS, CONDITION_KEYS, MONITOR_KEYS, SELECTOR_KEYS

EXAMPLES = Path(__file__).resolve().parents[1] / "journeys" / "examples"
WORDS = sorted({s.name for s in COMMANDS} | {k.name for k in SELECTOR_KEYS + CONDITION_KEYS}
               | {k.name for k in MONITOR_KEYS} | {k.name for s in COMMANDS for k in s.keys})
ODD = ["99999999999999999999d", "1e999", ".nan", "-1", "0", "${X}", "${", "!!python/object:x",
       "*undefined", "&a", "file:///etc/passwd", "javascript:x", "../../../etc/passwd.yaml",
       "flows/login.yaml", "\t", "'", '"', "[", "{", "%", "~", "9" * 400, "1h30m", "95%",
       "UP", "10%, 20%", "\ufeff", "\x1b[31m", "[bold]x[/]", "tag:web", "07:00-23:00",
       "*/5 * * * *"]


@dataclass
class Counts:
    """What the parser did with the generated cases."""

    valid: int = 0
    refused: int = 0
    crashes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return self.valid + self.refused + len(self.crashes)


def scalar(rng: random.Random) -> str:
    pick = rng.random()
    if pick < 0.4:
        return rng.choice(WORDS)
    if pick < 0.8:
        return rng.choice(ODD)
    return str(rng.randint(-10, 10**rng.randint(1, 30)))


def value(rng: random.Random, depth: int = 0) -> str:
    """A YAML value in flow style, from the vocabulary and odd texts."""
    pick = rng.random()
    if depth > 3 or pick < 0.5:
        return scalar(rng)
    if pick < 0.75:
        return "[" + ", ".join(value(rng, depth + 1) for _ in range(rng.randint(0, 3))) + "]"
    items = (f"{rng.choice(WORDS)}: {value(rng, depth + 1)}" for _ in range(rng.randint(0, 3)))
    return "{" + ", ".join(items) + "}"


def built(rng: random.Random) -> bytes:
    monitor = "".join(f"  {rng.choice([k.name for k in MONITOR_KEYS])}: {value(rng)}\n"
                      for _ in range(rng.randint(0, 4)))
    header = rng.choice(["appId: com.x\n", "url: https://x.example\n", ""]) + \
        (f"monitor:\n{monitor}" if monitor else "")
    body = "".join(f"- {rng.choice(WORDS)}: {value(rng)}\n" if rng.random() < 0.8
                   else f"- {scalar(rng)}\n" for _ in range(rng.randint(0, 8)))
    return (header + "---\n" + body).encode("utf-8", "surrogatepass")


def mutated(rng: random.Random, sources: list[bytes]) -> bytes:
    data = bytearray(rng.choice(sources))
    for _ in range(rng.randint(1, 4)):
        lines = bytes(data).split(b"\n")
        pick = rng.random()
        if pick < 0.25 and data:
            data[rng.randrange(len(data))] = rng.randrange(256)
        elif pick < 0.45:
            del lines[rng.randrange(len(lines))]
            data = bytearray(b"\n".join(lines))
        elif pick < 0.6 and len(lines) > 1:
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
            data = bytearray(b"\n".join(lines))
        else:
            i = rng.randrange(len(lines))
            cut = rng.randint(0, len(lines[i]))
            odd = scalar(rng).encode("utf-8", "surrogatepass")
            lines[i] = lines[i][:cut] + odd + lines[i][cut:]
            data = bytearray(b"\n".join(lines))
    return bytes(data)


def check(folder: Path, data: bytes, counts: Counts, case: int) -> None:
    path = folder / f"case-{case % 8}.yaml"
    path.write_bytes(data)
    try:
        journeys, problems = load_journeys([path])
    except Exception:  # the very thing this script hunts
        counts.crashes.append(f"case {case}: {traceback.format_exc(limit=3)}")
        return
    if journeys and not problems:
        counts.valid += 1
    elif problems and all(p.pos.file and p.pos.line >= 1 and p.pos.column >= 1
                          and p.message for p in problems):
        counts.refused += 1
    else:
        counts.crashes.append(f"case {case}: problems without a position: {problems[:2]}")


def fuzz(count: int, seed: int, folder: Path) -> Counts:
    """Generates and loads `count` journeys in `folder` (examples copied there first)."""
    shutil.copytree(EXAMPLES, folder, dirs_exist_ok=True)
    sources = [p.read_bytes() for p in sorted(EXAMPLES.glob("*.yaml"))]
    rng = random.Random(seed)
    counts = Counts()
    start = time.perf_counter()
    for case in range(count):
        data = mutated(rng, sources) if rng.random() < 0.5 else built(rng)
        check(folder, data, counts, case)
    counts.seconds = time.perf_counter() - start
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ronde-fuzz-") as tmp:
        counts = fuzz(args.count, args.seed, Path(tmp))
    for crash in counts.crashes[:5]:
        print(crash, file=sys.stderr)
    print(f"{counts.total} journeys in {counts.seconds:.1f} s "
          f"({counts.total / max(counts.seconds, 1e-9):.0f}/s): {counts.valid} valid, "
          f"{counts.refused} refused with file:line:column, {len(counts.crashes)} tracebacks")
    return 1 if counts.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
