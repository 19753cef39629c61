"""Maestro's workspace `config.yaml`: which flows of a folder are journeys, their tags, their order.

A folder given to Ronde may hold `config.yaml` (or `config.yml`) as Maestro reads it:
`flows:` globs relative to the folder (default `*`: the top-level files; `**` reaches into
sub-folders), `includeTags` / `excludeTags` (a journey needs one included tag, and no excluded
one), and `executionOrder.flowsOrder` (these flows first, in this order). Other keys are
ignored, as Maestro ignores them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from journeys import model as m
from journeys.errors import Problem
from journeys.files import SUFFIXES, UnreadableFile, read_text
from journeys.yamlnodes import MappingNode, Node, ScalarNode, SequenceNode, Source, pairs

CONFIG_NAMES = ("config.yaml", "config.yml")
MAX_FLOW_FILES = 10_000


@dataclass(frozen=True, slots=True)
class Workspace:
    """One folder's workspace configuration (the defaults when it has no config.yaml)."""

    folder: Path
    flows: tuple[str, ...] = ("*",)
    include_tags: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()
    flows_order: tuple[str, ...] = ()
    continue_on_failure: bool = True
    config: Path | None = None

    def files(self) -> list[Path]:
        """The flow files the globs select, in path order (config files excluded)."""
        patterns = [glob_regex(g) for g in self.flows]
        found: list[Path] = []
        candidates = self.folder.rglob("*") if any("/" in g or "**" in g for g in self.flows) \
            else self.folder.iterdir()
        for path in candidates:
            if path.suffix.lower() not in SUFFIXES or path.stem == "config" or not path.is_file():
                continue
            rel = path.relative_to(self.folder).as_posix()
            if any(p.fullmatch(rel) for p in patterns):
                found.append(path)
                if len(found) > MAX_FLOW_FILES:
                    break
        return sorted(found)

    def wants(self, tags: tuple[str, ...]) -> bool:
        """Whether a journey with these tags passes includeTags / excludeTags."""
        if self.include_tags and not set(tags) & set(self.include_tags):
            return False
        return not set(tags) & set(self.exclude_tags)

    def order(self, journeys: list[m.Journey]) -> list[m.Journey]:
        """executionOrder.flowsOrder first (by name, else file name), the others after."""
        if not self.flows_order:
            return journeys
        rank = {name: i for i, name in enumerate(self.flows_order)}

        def key(journey: m.Journey) -> tuple[int, str]:
            name = journey.name or journey.path.stem
            return (rank.get(name, len(rank)), str(journey.path))

        return sorted(journeys, key=key)


def glob_regex(glob: str) -> re.Pattern[str]:
    """Java's `glob:` syntax, as Maestro matches it: `*` within a folder, `**` across folders,
    `?` one character, `{a,b}` alternatives, `[...]` a class."""
    out, i, depth = "", 0, 0
    while i < len(glob):
        c = glob[i]
        if glob.startswith("**", i):
            out += ".*"
            i += 2
            continue
        if c == "*":
            out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        elif c == "{":
            out += "(?:"
            depth += 1
        elif c == "}" and depth:
            out += ")"
            depth -= 1
        elif c == "," and depth:
            out += "|"
        elif c == "[":
            end = glob.find("]", i + 1)
            if end < 0:
                out += re.escape(c)
            else:
                body = glob[i + 1:end].replace("\\", "\\\\")
                out += "[" + ("^" + body[1:] if body.startswith("!") else body) + "]"
                i = end
        else:
            out += re.escape(c)
        i += 1
    return re.compile(out + ")" * depth)


def read_workspace(folder: Path, problems: list[Problem]) -> Workspace:
    """The folder's workspace (its config.yaml read, or the defaults); problems recorded."""
    config = next((folder / n for n in CONFIG_NAMES if (folder / n).is_file()), None)
    if config is None:
        return Workspace(folder)
    src = Source(str(config), problems)
    try:
        _, text = read_text(config)
    except UnreadableFile as exc:
        problems.append(Problem(m.Position(str(config), 1, 1), str(exc)))
        return Workspace(folder, config=config)
    docs = src.compose(text)
    node = docs[0] if docs else None
    if node is None or (isinstance(node, ScalarNode) and node.tag.endswith(":null")):
        return Workspace(folder, config=config)
    if not isinstance(node, MappingNode):
        src.error(node, "workspace config: expected a mapping (flows, includeTags, excludeTags, "
                        "executionOrder)")
        return Workspace(folder, config=config)
    values: dict[str, Any] = {}
    for key, _, value in pairs(src, node, "workspace config"):
        if key == "flows":
            values["flows"] = _texts(src, value, key)
        elif key in ("includeTags", "excludeTags"):
            values["include_tags" if key == "includeTags" else "exclude_tags"] = \
                _texts(src, value, key)
        elif key == "executionOrder" and isinstance(value, MappingNode):
            for sub, _, sub_value in pairs(src, value, key):
                if sub == "flowsOrder":
                    values["flows_order"] = _texts(src, sub_value, f"{key}.{sub}")
                elif sub == "continueOnFailure":
                    values["continue_on_failure"] = str(sub_value.value).lower() != "false" \
                        if isinstance(sub_value, ScalarNode) else True
    return Workspace(folder, config=config, **values)


def _texts(src: Source, node: Node, where: str) -> tuple[str, ...]:
    """A text or a list of texts (Maestro's StringList)."""
    items = node.value if isinstance(node, SequenceNode) else [node]
    out: list[str] = []
    for item in items:
        if not isinstance(item, ScalarNode) or item.tag.endswith(":null"):
            src.error(item, f"workspace config: {where}: expected a text or a list of texts")
            continue
        out.append(str(item.value))
    return tuple(out)


__all__ = ["CONFIG_NAMES", "Workspace", "glob_regex", "read_workspace"]
