"""Position-carrying YAML reading: PyYAML nodes (never Python objects), duplicate keys refused.

Composing instead of loading keeps every node's start mark, so each later error can say
`file:line:column`. Scalars are typed here by their resolved tag, never by constructing
arbitrary objects.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from journeys.errors import Problem
from journeys.model import Position

_TAG = "tag:yaml.org,2002:"
_CONSTRUCTOR = SafeConstructor()

Scalar = str | int | float | bool | None


@dataclass
class Source:
    """One file being read: its display name and the problems found so far."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)  # noticed, not refused

    def pos(self, node: Node | None) -> Position:
        if node is None:
            return Position(self.file, 1, 1)
        mark = node.start_mark
        return Position(self.file, mark.line + 1, mark.column + 1)

    def error(self, node: Node | None, message: str) -> None:
        self.problems.append(Problem(self.pos(node), message))

    def compose(self, text: str) -> list[Node] | None:
        """Every document of the text, or None after recording the YAML syntax error."""
        if flow_depth(text) > MAX_FLOW_DEPTH:
            # PyYAML slows down quadratically, then overflows the stack, on such input
            self.problems.append(Problem(Position(self.file, 1, 1), "YAML nesting of [ and { "
                                         f"is deeper than {MAX_FLOW_DEPTH} levels"))
            return None
        try:
            if not self.prescan(text):
                return None
            docs = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
            return docs if self.not_a_bomb(docs) else None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = Position(self.file, mark.line + 1, mark.column + 1) if mark else \
                Position(self.file, 1, 1)
            what = exc.problem or exc.context or "invalid YAML"
            if exc.problem and exc.context and exc.context_mark is not None:
                what += (f" ({exc.context} that starts at line {exc.context_mark.line + 1}, "
                         f"column {exc.context_mark.column + 1})")
            self.problems.append(Problem(where, f"YAML syntax error: {what}"))
        except yaml.YAMLError as exc:
            self.problems.append(Problem(Position(self.file, 1, 1), f"YAML error: {exc}"))
        except RecursionError:
            self.problems.append(
                Problem(Position(self.file, 1, 1), "YAML nesting is too deep to be a journey"))
        return None

    def prescan(self, text: str) -> bool:
        """Refuses, before the slow composer runs, a text with too many YAML values or too
        deep a nesting (libyaml's event parser reads a 1 MiB file in about 0.1 s)."""
        values = depth = 0
        try:
            for event in yaml.parse(text, Loader=_FAST_LOADER):
                if isinstance(event, yaml.NodeEvent):
                    values += 1
                    tag = getattr(event, "tag", None)
                    if tag and tag.removeprefix(_TAG) not in _PLAIN_TAGS:
                        mark = event.start_mark
                        self.problems.append(Problem(
                            Position(self.file, mark.line + 1, mark.column + 1),
                            f"unsupported YAML tag {_short(tag.replace(_TAG, '!!'))!r} "
                            "(expected plain values: texts, numbers, true/false, lists and "
                            "mappings)"))
                        return False
                if isinstance(event, yaml.CollectionStartEvent):
                    depth += 1
                elif isinstance(event, yaml.CollectionEndEvent):
                    depth -= 1
                if values > MAX_YAML_NODES or depth > MAX_BLOCK_DEPTH:
                    mark = event.start_mark
                    what = (f"has more than {MAX_YAML_NODES} YAML values"
                            if values > MAX_YAML_NODES
                            else f"is nested deeper than {MAX_BLOCK_DEPTH} levels")
                    self.problems.append(Problem(
                        Position(self.file, mark.line + 1, mark.column + 1),
                        f"the file {what} (too large to be a journey)"))
                    return False
        except yaml.YAMLError:
            pass  # the composer reports it, in its own (more precise) words
        return True

    def not_a_bomb(self, docs: list[Node]) -> bool:
        """Refuses aliases (`*name`) that expand to too many values or refer to themselves
        (a billion-laughs bomb is a few lines whose expansion fills the memory)."""
        sizes: dict[int, int] = {}
        for doc in docs:
            size = _expanded_size(doc, sizes, set())
            if size is None or size > MAX_YAML_NODES:
                what = ("an alias (*name) inside the anchor (&name) it refers to: the "
                        "document would be infinite" if size is None else
                        f"the document is too large once its aliases (*name) are expanded: "
                        f"more than {MAX_YAML_NODES} YAML values")
                self.error(doc, f"YAML aliases: {what} (expected a journey of a reasonable "
                                "size)")
                return False
        return True


MAX_FLOW_DEPTH = 64
MAX_BLOCK_DEPTH = 64
_PLAIN_TAGS = frozenset({"str", "int", "float", "bool", "null", "seq", "map", "!"})
"""`!!python/object`, `!!binary`, `!custom`...: never constructed, and refused outright."""
MAX_YAML_NODES = 40_000
"""Far above any real journey (2,000 commands); the pure-Python composer takes ~0.6 s then."""
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _expanded_size(node: Node, sizes: dict[int, int], path: set[int]) -> int | None:
    """Values in `node` once its aliases are expanded (memoized, so linear); None on a cycle."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in path:
        return None
    if len(path) > MAX_BLOCK_DEPTH * 4:  # a chain of aliases, each nesting the previous one
        return MAX_YAML_NODES + 1
    path.add(key)
    total = 1
    children: list[Node] = []
    if isinstance(node, SequenceNode):
        children = list(node.value)
    elif isinstance(node, MappingNode):
        children = [n for pair in node.value for n in pair]
    for child in children:
        size = _expanded_size(child, sizes, path)
        if size is None:
            return None
        total += size
        if total > MAX_YAML_NODES:
            break
    path.discard(key)
    sizes[key] = total
    return total


def flow_depth(text: str) -> int:
    """The deepest nesting of `[`/`{` outside quotes and comments (a cheap upper bound)."""
    depth = deepest = 0
    quote = ""
    previous = "\n"
    for char in text:
        if quote:
            if char == quote or char == "\n":
                quote = ""
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(0, depth - 1)
        elif char in "'\"" and previous in " \t\n[{,:-":
            quote = char
        elif char == "#" and previous in " \t\n":
            quote = "\n"
        previous = char
    return deepest


def is_null(node: Node | None) -> bool:
    return node is None or (isinstance(node, ScalarNode) and node.tag == _TAG + "null")


def scalar(node: ScalarNode) -> Scalar:
    """The typed value of a scalar (null, bool, int, float or str), never raising."""
    tag = node.tag
    try:
        if tag == _TAG + "null":
            return None
        if tag == _TAG + "bool":
            return bool(_CONSTRUCTOR.construct_yaml_bool(node))
        if tag == _TAG + "int":
            return int(_CONSTRUCTOR.construct_yaml_int(node))
        if tag == _TAG + "float":
            return float(_CONSTRUCTOR.construct_yaml_float(node))
    except (ValueError, TypeError, yaml.YAMLError):
        pass
    return str(node.value)


def kind_of(node: Node) -> str:
    """How a node reads to a user: `a list`, `a mapping`, `true`, `the text 'x'`..."""
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, ScalarNode):
        value = scalar(node)
        if value is None:
            return "nothing (null)"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return f"the number {node.value}"
        return f"the text {_short(value)!r}"
    return "something else"


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def pairs(src: Source, node: MappingNode, where: str) -> list[tuple[str, ScalarNode, Node]]:
    """(key, key node, value node) of a mapping; non-text keys, merges and duplicates refused."""
    seen: dict[str, ScalarNode] = {}
    out: list[tuple[str, ScalarNode, Node]] = []
    for key_node, value_node in node.value:
        if not isinstance(key_node, ScalarNode) or key_node.tag == _TAG + "merge":
            src.error(key_node, f"{where}: keys must be plain names (found {kind_of(key_node)})")
            continue
        key = str(key_node.value)
        if key in seen:
            first = src.pos(seen[key])
            src.error(key_node, f"{where}: duplicate key {key!r} (first given at line "
                                f"{first.line}, column {first.column})")
            continue
        seen[key] = key_node
        out.append((key, key_node, value_node))
    return out


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """` (did you mean 'text'?)` for a close candidate (case-insensitive), else ``."""
    by_lower = {c.lower(): c for c in candidates}
    if word.lower() in by_lower:
        return f" (did you mean {by_lower[word.lower()]!r}?)"
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return f" (did you mean {by_lower[close[0]]!r}?)" if close else ""


def expected_one_of(names: Iterable[str]) -> str:
    names = list(names)
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else "".join(names)


__all__ = [
    "MappingNode",
    "Node",
    "ScalarNode",
    "SequenceNode",
    "Source",
    "did_you_mean",
    "expected_one_of",
    "is_null",
    "kind_of",
    "pairs",
    "scalar",
]
