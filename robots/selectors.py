"""The selector engine: Maestro's selectors evaluated locally on one page snapshot.

A single page-source fetch answers every selector of a poll, so polling costs one round trip.
Texts and ids are regular expressions that must match the whole value (Maestro's rule, with
its flags: case-insensitive, dot matches newlines); a pattern equal to the value also matches,
so texts such as "Prix (€)" work unescaped. Every match is bounded (journeys.textmatch): a
pattern that backtracks without end fails its step with `PatternTimeout` instead of freezing
the robot.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from journeys.deferred import typed
from journeys.model import Selector
from journeys.textmatch import Matcher, fullmatch
from robots.backends.base import Bounds, Element, Snapshot

Resolve = Callable[[str], str]


def _identity(text: str) -> str:
    return text


def matches(pattern: str, value: str) -> bool:
    """Full regex match, or literal equality (an invalid regex is compared literally)."""
    return fullmatch(pattern, value)


def is_visible(el: Element, screen: Bounds | None, *, in_screen: bool = True) -> bool:
    """Shown, has an area, and (natively) intersects the screen."""
    if not el.displayed or el.bounds.empty:
        return False
    if not in_screen or screen is None or screen.empty:
        return True
    b = el.bounds
    return b.x < screen.right and b.right > screen.x and b.y < screen.bottom and b.bottom > screen.y


def find_all(
    snap: Snapshot, sel: Selector, resolve: Resolve = _identity, *, in_screen: bool = True
) -> list[Element]:
    """Every visible element matching `sel`, best first (closest for relative selectors)."""
    cands = [el for el in snap.elements if is_visible(el, snap.screen, in_screen=in_screen)]
    for pattern in (sel.text_or_label, sel.text):
        if pattern is not None:
            m = Matcher(resolve(pattern), pos=sel.pos)
            cands = [el for el in cands
                     if m.fullmatch(el.text) or m.fullmatch(el.label) or m.fullmatch(el.hint)]
    if sel.id is not None:
        m = Matcher(resolve(sel.id), pos=sel.pos)
        cands = [el for el in cands
                 if el.id and (m.fullmatch(el.id) or m.fullmatch(el.short_id))]
    if sel.css is not None:
        hits = snap.css_matches.get(resolve(sel.css), set())
        cands = [el for el in cands if el.index in hits]
    for key in ("enabled", "checked", "focused", "selected"):
        want = _typed(getattr(sel, key), resolve)
        if want is not None:
            cands = [el for el in cands if getattr(el, key) is want]
    if sel.width is not None or sel.height is not None:
        cands = [el for el in cands if _size_matches(el, sel, resolve)]
    for trait in sel.traits:
        cands = [el for el in cands if _TRAITS[trait](el)]
    for wanted in sel.contains_descendants:
        found = {d.index for d in find_all(snap, wanted, resolve, in_screen=False)}
        cands = [el for el in cands if any(d.index in found for d in snap.descendants_of(el))]
    if sel.child_of is not None:
        parents = find_all(snap, sel.child_of, resolve, in_screen=False)
        inside = {d.index for p in parents for d in snap.descendants_of(p)}
        cands = [el for el in cands if el.index in inside]
    if sel.contains_child is not None:
        kids = {k.index for k in find_all(snap, sel.contains_child, resolve, in_screen=False)}
        cands = [el for el in cands if any(c in kids for c in el.children)]
    distance: dict[int, float] = {}
    for key, keep in _RELATIVE.items():
        ref_sel = getattr(sel, key)
        if ref_sel is None:
            continue
        ref = find_one(snap, ref_sel, resolve)
        if ref is None:
            return []
        cands = [el for el in cands if el.index != ref.index and keep(el.bounds, ref.bounds)]
        for el in cands:
            distance[el.index] = distance.get(el.index, 0.0) + _distance(el.bounds, ref.bounds)
    if distance:
        cands.sort(key=lambda el: distance[el.index])
    if sel.index is not None:
        index = _typed(sel.index, resolve)
        ordered = sorted(cands, key=lambda el: (el.bounds.y, el.bounds.x))
        return [ordered[index]] if 0 <= index < len(ordered) else []
    return cands


class _Resolver:
    def __init__(self, resolve: Resolve) -> None:
        self._resolve = resolve

    def resolve(self, text: str, pos: object = None) -> str:
        return self._resolve(text)


def _typed(value: object, resolve: Resolve) -> Any:
    """A selector's `${VAR}` number or boolean, resolved and checked (journeys.deferred)."""
    return typed(value, _Resolver(resolve))


def _size_matches(el: Element, sel: Selector, resolve: Resolve) -> bool:
    """Maestro's size selector: width and height in pixels, each within the tolerance."""
    tolerance = _typed(sel.tolerance, resolve) or 0
    for want, got in ((sel.width, el.bounds.width), (sel.height, el.bounds.height)):
        if want is not None and abs(_typed(want, resolve) - got) > tolerance:
            return False
    return True


_TRAITS: dict[str, Callable[[Element], bool]] = {  # Maestro's ElementTrait
    "text": lambda el: bool(el.text),
    "long-text": lambda el: len(el.text) >= 200,
    "square": lambda el: el.bounds.height > 0 and abs(el.bounds.width / el.bounds.height - 1)
    < 0.03,
}


def find_one(
    snap: Snapshot, sel: Selector, resolve: Resolve = _identity, *, in_screen: bool = True
) -> Element | None:
    found = find_all(snap, sel, resolve, in_screen=in_screen)
    return found[0] if found else None


def _distance(a: Bounds, b: Bounds) -> float:
    ax, ay = a.center
    bx, by = b.center
    return ((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5


_RELATIVE: dict[str, Callable[[Bounds, Bounds], bool]] = {
    "below": lambda el, ref: el.y >= ref.bottom - 1,
    "above": lambda el, ref: el.bottom <= ref.y + 1,
    "left_of": lambda el, ref: el.right <= ref.x + 1,
    "right_of": lambda el, ref: el.x >= ref.right - 1,
}


def selectors_in(sel: Selector | None) -> list[Selector]:
    """A selector and every selector nested in it (to collect CSS queries ahead of a run)."""
    if sel is None:
        return []
    out = [sel]
    for key in ("below", "above", "left_of", "right_of", "child_of", "contains_child"):
        out.extend(selectors_in(getattr(sel, key)))
    for nested in sel.contains_descendants:
        out.extend(selectors_in(nested))
    return out
