"""Journey files -> `Journey` models: documents, runFlow files, journey-level checks.

`load_journey` parses fully or raises `JourneyError` with every problem found;
`load_journeys` takes files and folders and returns the good journeys plus the problems of
the others, so one bad file never hides the rest (and is never half-used).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journeys import model as m
from journeys.errors import JourneyError, Problem, sorted_problems
from journeys.header import Header, build_monitor, read_header
from journeys.reader import BAD, Reader, TooComplex
from journeys.yamlnodes import MappingNode, Node, ScalarNode, SequenceNode, Source, kind_of

if TYPE_CHECKING:
    from ronde.config import Config

SUFFIXES = (".yaml", ".yml")
SKIPPED_IN_FOLDERS = ("config.yaml", "config.yml")  # Maestro's workspace configuration
_SHAPE = "expected a header mapping, `---`, then a list of commands"


@dataclass
class _Flow:
    """One parsed file: its own problems, its header and commands (None if it has problems)."""

    path: Path  # resolved
    display: str  # as the user sees it
    data: bytes = b""
    problems: list[Problem] = field(default_factory=list)
    header: Header | None = None
    commands: tuple[m.Command, ...] | None = None
    includes: list[Path] = field(default_factory=list)


class _Loader:
    """Parses files once each (runFlow targets are shared), refusing include cycles."""

    def __init__(self, config: Config | None = None) -> None:
        self.config = config
        self.flows: dict[Path, _Flow] = {}
        self.displays: dict[Path, str] = {}

    def flow(self, path: Path, display: str, stack: tuple[Path, ...] = ()) -> _Flow:
        key = _resolve(path)
        if key in self.flows:
            return self.flows[key]
        flow = _Flow(key, display)
        self.displays.setdefault(key, display)
        src = Source(display, flow.problems)
        try:
            flow.data = path.read_bytes()
            text = flow.data.decode("utf-8-sig")
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            if isinstance(exc, UnicodeDecodeError):
                reason = "not UTF-8 text"
            src.problems.append(Problem(m.Position(display, 0, 0), f"cannot read: {reason}"))
            self.flows[key] = flow
            return flow
        reader = Reader(src, lambda file, node: self._include(flow, file, node, (*stack, key)))
        try:
            self._parse(flow, reader, text)
        except TooComplex:
            flow.commands = None
            src.problems.append(Problem(m.Position(display, 1, 1), "the file is nested too deeply "
                                        "or is too large to be a journey"))
        except RecursionError:
            flow.commands = None
            src.problems.append(Problem(m.Position(display, 1, 1),
                                        "the file is nested too deeply to be a journey"))
        self.flows[key] = flow
        return flow

    def _parse(self, flow: _Flow, reader: Reader, text: str) -> None:
        src = reader.src
        docs = src.compose(text)
        if docs is None:
            return
        header_node, body = _split(src, docs)
        header = read_header(reader, header_node) if header_node is not BAD else BAD
        commands = reader.commands(body, "flow") if body is not None else BAD
        if header is BAD or commands is BAD or src.problems:
            return
        flow.header, flow.commands = header, commands

    def _include(self, parent: _Flow, file: str, node: Node, stack: tuple[Path, ...]) -> Any:
        src = Source(parent.display, parent.problems)
        display = os.path.normpath(os.path.join(os.path.dirname(parent.display), file))
        target = parent.path.parent / file
        try:
            key = _resolve(target)
            exists = target.is_file()
        except (OSError, ValueError, RuntimeError):
            key, exists = target, False
        if key in stack:
            chain = [self.displays.get(p, str(p)) for p in stack[stack.index(key):]] + [display]
            src.error(node, f"runFlow: {file!r} includes itself: {' -> '.join(chain)} "
                            "(expected flows that do not include each other in a cycle)")
            return None
        if not exists:
            src.error(node, f"runFlow: file {file!r} not found (looked for {display}; expected "
                            "a path relative to this file)")
            return None
        sub = self.flow(target, display, stack)
        parent.includes.append(sub.path)
        if sub.commands is None or sub.header is None:
            return None
        return sub.commands, sub.header.env

    def closure(self, flow: _Flow) -> list[_Flow]:
        """The flow and every flow it includes, each once, in first-include order."""
        seen: dict[Path, _Flow] = {}
        todo = [flow]
        while todo:
            current = todo.pop(0)
            if current.path in seen:
                continue
            seen[current.path] = current
            todo.extend(self.flows[p] for p in current.includes if p in self.flows)
        return list(seen.values())

    def journey(self, flow: _Flow) -> tuple[m.Journey | None, list[Problem]]:
        """The flow as a journey (a top-level file), or the problems that prevent it."""
        closure = self.closure(flow)
        problems = [p for f in closure for p in f.problems]
        if problems or flow.header is None or flow.commands is None:
            return None, problems
        src = Source(flow.display)
        reader = Reader(src)
        monitor = build_monitor(reader, flow.header, Path(flow.display).stem, self.config)
        if monitor is BAD:
            return None, src.problems
        digest = hashlib.sha256()
        for f in closure:
            digest.update(hashlib.sha256(f.data).digest())
        header = flow.header
        return m.Journey(
            path=Path(flow.display),
            monitor=monitor,
            commands=flow.commands,
            app_id=header.app_id,
            url=header.url,
            name=header.data.get("name"),
            tags=header.data.get("tags", ()),
            env=header.env,
            definition_hash=digest.hexdigest(),
            files=tuple(Path(f.display) for f in closure),
        ), []


def _resolve(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return path.absolute()


def _split(src: Source, docs: list[Node]) -> tuple[Any, Node | None]:
    """(header node or None, command list node) of a file's documents."""
    docs = [d for d in docs if d is not None]
    if not docs:
        src.problems.append(Problem(m.Position(src.file, 1, 1), f"the file is empty ({_SHAPE})"))
        return BAD, None
    if len(docs) > 2:
        src.error(docs[2], f"a third YAML document ({_SHAPE}, nothing more)")
        return BAD, None
    if len(docs) == 1:
        only = docs[0]
        if isinstance(only, SequenceNode):
            return None, only
        if isinstance(only, MappingNode):
            end = only.end_mark
            src.problems.append(Problem(m.Position(src.file, end.line + 1, end.column + 1),
                                        f"no commands after the header ({_SHAPE})"))
            return BAD, None
        src.error(only, f"{_SHAPE} (found {kind_of(only)})")
        return BAD, None
    header, body = docs
    if isinstance(body, ScalarNode) and body.tag.endswith(":null"):
        src.error(body, f"no commands after `---` ({_SHAPE})")
        return header, None
    return header, body


def load_journey(path: str | os.PathLike[str], config: Config | None = None) -> m.Journey:
    """One journey file (its runFlow files included), fully parsed; JourneyError otherwise."""
    loader = _Loader(config)
    file = Path(path)
    if not file.is_file():
        raise JourneyError([Problem(m.Position(str(file), 0, 0),
                                    "no such journey file (expected a .yaml file)")])
    journey, problems = loader.journey(loader.flow(file, str(path)))
    if journey is None:
        raise JourneyError(problems)
    return journey


def journey_files(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Problem]]:
    """Files to load: files as given, folders' top-level *.yaml/*.yml (Maestro's rule)."""
    files: list[Path] = []
    problems: list[Problem] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in SUFFIXES and p.is_file()
                           and p.name not in SKIPPED_IN_FOLDERS)
            if not found:
                problems.append(Problem(m.Position(str(path), 0, 0),
                                        "no journey files in this folder (expected *.yaml)"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(m.Position(str(path), 0, 0), "no such file or folder"))
    return files, problems


def load_journeys(paths: Iterable[str | os.PathLike[str]], config: Config | None = None,
                  ) -> tuple[list[m.Journey], list[Problem]]:
    """The good journeys among files and folders, and the problems of all the others.

    A file that another loaded file runs with `runFlow` is a sub-flow: it is checked but not
    returned as a journey of its own.
    """
    files, problems = journey_files(paths)
    loader = _Loader(config)
    flows: list[_Flow] = []
    for file in files:
        flow = loader.flow(file, str(file))
        if flow not in flows:
            flows.append(flow)
    targets = {p for f in loader.flows.values() for p in f.includes}
    problems.extend(p for f in loader.flows.values() for p in f.problems)
    journeys: list[m.Journey] = []
    ids: dict[str, m.Journey] = {}
    for flow in flows:
        if flow.path in targets:
            continue
        journey, found = loader.journey(flow)
        problems.extend(found)
        if journey is None:
            continue
        if journey.id in ids:
            where = journey.monitor.pos if journey.monitor.pos.line else \
                m.Position(flow.display, 1, 1)
            problems.append(Problem(where, f"monitor.id: {journey.id!r} is already the id of "
                                           f"{ids[journey.id].path} (expected unique ids)"))
            continue
        ids[journey.id] = journey
        journeys.append(journey)
    return journeys, sorted_problems(problems)


__all__ = ["journey_files", "load_journey", "load_journeys"]
