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
from journeys.files import SUFFIXES, UnreadableFile, inside, read_text, resolved, root_of
from journeys.header import Header, build_monitor, read_header
from journeys.js.syntax import MAX_SCRIPT_BYTES
from journeys.js.syntax import check as check_js
from journeys.platforms import platform_problems
from journeys.policy import DEFAULT_POLICY, FilePolicy
from journeys.reader import BAD, Reader, TooComplex
from journeys.workspace import Workspace, read_workspace
from journeys.yamlnodes import MappingNode, Node, ScalarNode, SequenceNode, Source, kind_of

if TYPE_CHECKING:
    from journeys.context import Surroundings

MAX_MEDIA_BYTES = 100 * 1024 * 1024
_SHAPE = "expected a header mapping, `---`, then a list of commands"
_NOT_YAML = "not a .yaml file (expected a journey file ending in .yaml or .yml)"
_OUTSIDE = ("a link to a file outside this folder (expected journey files in the folder "
            "itself)")


@dataclass
class _Flow:
    """One parsed file: its own problems, its header and commands (None if it has problems)."""

    path: Path  # resolved
    display: str  # as the user sees it
    data: bytes = b""
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    header: Header | None = None
    commands: tuple[m.Command, ...] | None = None
    includes: list[Path] = field(default_factory=list)
    scripts: list[bytes] = field(default_factory=list)  # runScript files, for the digest


class _Loader:
    """Parses files once each (runFlow targets are shared), refusing include cycles and
    sub-flows outside `roots` (the folders given, and the policy's flow_roots)."""

    def __init__(self, config: Surroundings | None = None, policy: FilePolicy | None = None,
                 roots: Iterable[Path] = ()) -> None:
        self.config = config
        self.policy = policy or (config.file_policy if config is not None else DEFAULT_POLICY)
        self.roots = (*roots, *self.policy.flow_roots)
        self.flows: dict[Path, _Flow] = {}
        self.displays: dict[Path, str] = {}

    def flow(self, path: Path, display: str, stack: tuple[Path, ...] = ()) -> _Flow:
        key = _resolve(path)
        if key in self.flows:
            return self.flows[key]
        flow = _Flow(key, display)
        self.displays.setdefault(key, display)
        src = Source(display, flow.problems, flow.notes)
        try:
            flow.data, text = read_text(path)
        except UnreadableFile as exc:
            src.problems.append(Problem(m.Position(display, 1, 1), str(exc)))
            self.flows[key] = flow
            return flow
        reader = Reader(src, lambda file, node: self._include(flow, file, node, (*stack, key)),
                        self.policy, lambda file, node, where: self._sibling(flow, file, node,
                                                                             where),
                        script=lambda file, node: self._script(flow, file, node))
        try:
            self._parse(flow, reader, text)
        except TooComplex as exc:
            flow.commands = None
            why = f"has {exc}" if str(exc) else "is nested too deeply or is too large"
            src.problems.append(Problem(m.Position(display, 1, 1),
                                        f"the file {why} to be a journey"))
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
        if not file.strip().lower().endswith(SUFFIXES):
            src.error(node, f"runFlow: {file!r} is not a .yaml file (expected a flow file "
                            "ending in .yaml or .yml)")
            return None
        if not inside(target, self.roots):
            src.error(node, f"runFlow: {file!r} is outside the journeys' folder (expected a flow "
                            "under the folder given to Ronde; add folders with flow_roots: in "
                            "ronde.yaml)")
            return None
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
        start, complete = sub.header.hooks
        if start or complete:  # the sub-flow's own hooks run around its commands
            hooked = m.RunFlow(commands=sub.commands, on_flow_start=start,
                               on_flow_complete=complete, pos=sub.commands[0].pos)
            return (hooked,), sub.header.env
        return sub.commands, sub.header.env

    def _script(self, parent: _Flow, file: str, node: Node) -> tuple[str, str] | None:
        """runScript's file: next to the flow, read, and compiled (its syntax errors are
        reported at their line and column in the script)."""
        src = Source(parent.display, parent.problems)
        if not file.strip().lower().endswith(".js"):
            src.error(node, f"runScript: {file!r} is not a .js file (expected a JavaScript "
                            "file ending in .js)")
            return None
        path = self._sibling(parent, file, node, "runScript")
        if path is None:
            return None
        display = os.path.normpath(os.path.join(os.path.dirname(parent.display), file))
        try:
            data, source = read_text(Path(path), MAX_SCRIPT_BYTES)
        except UnreadableFile as exc:
            src.error(node, f"runScript: {display}: {exc}")
            return None
        error = check_js(source, display)
        if error is not None:
            parent.problems.append(Problem(m.Position(display, error.line, error.column),
                                           f"runScript: JavaScript syntax error: {error.message}"))
            return None
        parent.scripts.append(data)
        return display, source

    def _sibling(self, parent: _Flow, file: str, node: Node, where: str) -> str | None:
        """A file a command uses (addMedia): next to the flow, under the roots, not too big."""
        src = Source(parent.display, parent.problems)
        target = parent.path.parent / file
        problem = None
        if "${" in file:
            problem = "the file name cannot use variables (expected a fixed path)"
        elif not inside(target, self.roots):
            problem = ("is outside the journeys' folder (expected a file under the folder "
                       "given to Ronde; add folders with flow_roots: in ronde.yaml)")
        elif not target.is_file():
            problem = "not found (expected a path relative to this file)"
        elif target.stat().st_size > MAX_MEDIA_BYTES:
            problem = f"is larger than {MAX_MEDIA_BYTES // 1024 // 1024} MiB"
        if problem is not None:
            src.error(node, f"{where}: file {file!r} {problem}")
            return None
        return str(resolved(target))

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
        header = flow.header
        refused = platform_problems((*header.hooks[0], *flow.commands, *header.hooks[1]),
                                    monitor.platform)
        if refused:
            return None, refused
        digest = hashlib.sha256()
        for f in closure:
            digest.update(hashlib.sha256(f.data).digest())
            for script in f.scripts:
                digest.update(hashlib.sha256(script).digest())
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
            link_schemes=tuple(sorted(self.policy.link_schemes)),
            notes=tuple(str(n) for f in closure for n in f.notes),
            on_flow_start=header.hooks[0],
            on_flow_complete=header.hooks[1],
        ), []


def _resolve(path: Path) -> Path:
    return resolved(path)


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
        # never quoted: a file that is not even shaped like a journey may not be one at all
        src.error(only, f"{_SHAPE} (found {_shape_of(only)})")
        return BAD, None
    header, body = docs
    if isinstance(body, ScalarNode) and body.tag.endswith(":null"):
        src.error(body, f"no commands after `---` ({_SHAPE})")
        return header, None
    return header, body


def _shape_of(node: Node) -> str:
    return "a text" if isinstance(node, ScalarNode) and node.value else kind_of(node)


def load_journey(path: str | os.PathLike[str], config: Surroundings | None = None, *,
                 policy: FilePolicy | None = None) -> m.Journey:
    """One journey file (its runFlow files included), fully parsed; JourneyError otherwise."""
    file = Path(path)
    loader = _Loader(config, policy, [root_of(file)])
    if not file.is_file():
        raise JourneyError([Problem(m.Position(str(file), 0, 0),
                                    "no such journey file (expected a .yaml file)")])
    if file.suffix.lower() not in SUFFIXES:
        raise JourneyError([Problem(m.Position(str(file), 1, 1), _NOT_YAML)])
    journey, problems = loader.journey(loader.flow(file, str(path)))
    if journey is None:
        raise JourneyError(problems)
    return journey


def journey_files(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Problem]]:
    """Files to load: files as given; in a folder, those its workspace config.yaml selects
    (by default the top-level *.yaml/*.yml, Maestro's rule)."""
    files, problems, _ = workspace_files(paths)
    return files, problems


def workspace_files(paths: Iterable[str | os.PathLike[str]],
                    ) -> tuple[list[Path], list[Problem], dict[Path, Workspace]]:
    """journey_files, with the workspace each folder's file belongs to."""
    files: list[Path] = []
    problems: list[Problem] = []
    owners: dict[Path, Workspace] = {}
    for given in paths:
        path = Path(given)
        if path.is_dir():
            workspace = read_workspace(path, problems)
            found = workspace.files()
            if not found:
                where = m.Position(str(workspace.config or path), 0, 0)
                problems.append(Problem(where, "no journey files in this folder (expected "
                                               "*.yaml)" if workspace.config is None else
                                        "flows: " + ", ".join(workspace.flows) + " match no "
                                        "journey file in this folder"))
            for file in found:
                owners[file] = workspace
            root = root_of(path)
            for file in found:
                if inside(file, [root]):
                    files.append(file)
                else:  # a symbolic link out of the folder: never read
                    problems.append(Problem(m.Position(str(file), 1, 1), _OUTSIDE))
        elif path.is_file() and path.suffix.lower() not in SUFFIXES:
            problems.append(Problem(m.Position(str(path), 1, 1), _NOT_YAML))
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(m.Position(str(path), 0, 0), "no such file or folder"))
    return files, problems, owners


def load_journeys(paths: Iterable[str | os.PathLike[str]], config: Surroundings | None = None, *,
                  policy: FilePolicy | None = None) -> tuple[list[m.Journey], list[Problem]]:
    """The good journeys among files and folders, and the problems of all the others.

    A file that another loaded file runs with `runFlow` is a sub-flow: it is checked but not
    returned as a journey of its own. Sub-flows must lie under the files and folders given
    (or the policy's flow roots; by default `config.file_policy`).
    """
    paths = [Path(p) for p in paths]
    files, problems, owners = workspace_files(paths)
    loader = _Loader(config, policy, [root_of(p) for p in paths])
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
    return _by_workspace(journeys, owners, problems), sorted_problems(problems)


def _by_workspace(journeys: list[m.Journey], owners: dict[Path, Workspace],
                  problems: list[Problem]) -> list[m.Journey]:
    """includeTags / excludeTags applied and executionOrder followed, folder by folder."""
    out: list[m.Journey] = []
    groups: dict[Path | None, list[m.Journey]] = {}
    for journey in journeys:
        owner = owners.get(journey.path)
        groups.setdefault(owner.folder if owner else None, []).append(journey)
    for group in groups.values():
        owner = owners.get(group[0].path)
        if owner is None:
            out.extend(group)
            continue
        kept = [j for j in group if owner.wants(j.tags)]
        if group and not kept and owner.config is not None:
            problems.append(Problem(m.Position(str(owner.config), 0, 0), "includeTags / "
                                    "excludeTags leave no journey in this folder"))
        out.extend(owner.order(kept))
    return out


__all__ = ["journey_files", "load_journey", "load_journeys", "workspace_files"]
