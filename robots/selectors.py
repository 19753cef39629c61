"""The selector engine: Maestro's selectors evaluated locally on one page snapshot.

A single page-source fetch answers every selector of a poll, so polling costs one round trip.
Texts and ids are regular expressions that must match the whole value (Maestro's rule, with
its flags: case-insensitive, dot matches newlines); a pattern equal to the value also matches,
so texts such as "Prix (€)" work unescaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from journeys.model import Selector
from robots.backends.base import Bounds, Element, Snapshot

FLAGS = re.IGNORECASE | re.DOTALL | re.MULTILINE

Resolve = Callable[[str], str]


def _identity(text: str) -> str:
    return text


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern, FLAGS)
    except re.error:
        return None


def matches(pattern: str, value: str) -> bool:
    """Full regex match, or literal equality (an invalid regex is compared literally)."""
    if value == pattern:
        return True
    compiled = _compile(pattern)
    return compiled is not None and compiled.fullmatch(value) is not None


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
            p = resolve(pattern)
            cands = [el for el in cands
                     if matches(p, el.text) or matches(p, el.label) or matches(p, el.hint)]
    if sel.id is not None:
        p = resolve(sel.id)
        cands = [el for el in cands if el.id and (matches(p, el.id) or matches(p, el.short_id))]
    if sel.css is not None:
        hits = snap.css_matches.get(resolve(sel.css), set())
        cands = [el for el in cands if el.index in hits]
    for key in ("enabled", "checked", "focused", "selected"):
        want = getattr(sel, key)
        if want is not None:
            cands = [el for el in cands if getattr(el, key) is want]
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
        ordered = sorted(cands, key=lambda el: (el.bounds.y, el.bounds.x))
        return [ordered[sel.index]] if 0 <= sel.index < len(ordered) else []
    return cands


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
    return out
