"""Parses a native page source (UiAutomator2 or XCUITest XML) into snapshot elements.

Each element gets a locator the backend can use to find it again: a unique id or accessibility
label when there is one (fast on every driver), else its absolute XPath.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter

from robots.backends.base import Bounds, Element

_BOUNDS = re.compile(r"\[(-?\d+),(-?\d+)\]\[(-?\d+),(-?\d+)\]")
_EDITABLE_ANDROID = ("EditText", "AutoCompleteTextView")
_EDITABLE_IOS = ("XCUIElementTypeTextField", "XCUIElementTypeSecureTextField",
                 "XCUIElementTypeSearchField", "XCUIElementTypeTextView")


class PageSourceError(ValueError):
    """The device answered something that is not a page source."""


def _flag(attrs: dict[str, str], key: str, default: bool = False) -> bool:
    value = attrs.get(key)
    return default if value is None else value.lower() == "true"


def _android_bounds(text: str | None) -> Bounds:
    m = _BOUNDS.match(text or "")
    if not m:
        return Bounds(0, 0, 0, 0)
    x1, y1, x2, y2 = (int(v) for v in m.groups())
    return Bounds(x1, y1, x2 - x1, y2 - y1)


def _num(attrs: dict[str, str], key: str) -> float:
    try:
        return float(attrs.get(key) or 0)
    except ValueError:
        return 0.0


def parse_page_source(xml: str) -> tuple[list[Element], Bounds | None]:
    """UiAutomator2 (`<hierarchy>`) or XCUITest (`<AppiumAUT>`) XML -> elements, screen size."""
    try:
        root = ET.fromstring(xml.encode("utf-8") if xml.startswith("<?xml") else xml)
    except ET.ParseError as exc:
        raise PageSourceError(f"page source is not XML: {exc}") from exc
    ios = root.tag == "AppiumAUT" or root.tag.startswith("XCUIElementType")
    elements: list[Element] = []
    screen: Bounds | None = None
    if root.tag == "hierarchy" and root.get("width"):
        screen = Bounds(0, 0, _num(root.attrib, "width"), _num(root.attrib, "height"))

    def visit(node: ET.Element, parent: int | None, path: str) -> None:
        nonlocal screen
        attrs = node.attrib
        if ios:
            cls = attrs.get("type") or node.tag
            value = attrs.get("value") or ""
            label = attrs.get("label") or ""
            editable = cls in _EDITABLE_IOS
            el = Element(
                # a text field's text is its value; other elements show their label
                index=len(elements), cls=cls, text=value if editable else (label or value),
                label=label,
                id=attrs.get("name") or "", hint=attrs.get("placeholderValue") or "",
                bounds=Bounds(_num(attrs, "x"), _num(attrs, "y"), _num(attrs, "width"),
                              _num(attrs, "height")),
                enabled=_flag(attrs, "enabled", True), checked=value in ("1", "true") and
                cls in ("XCUIElementTypeSwitch", "XCUIElementTypeCheckBox"),
                focused=_flag(attrs, "focused") or _flag(attrs, "hasFocus"),
                selected=_flag(attrs, "selected"), displayed=_flag(attrs, "visible", True),
                password=cls == "XCUIElementTypeSecureTextField",
                editable=editable, parent=parent,
            )
            if screen is None and cls == "XCUIElementTypeApplication":
                screen = el.bounds
        else:
            cls = attrs.get("class") or node.tag
            el = Element(
                index=len(elements), cls=cls, text=attrs.get("text") or "",
                label=attrs.get("content-desc") or "", id=attrs.get("resource-id") or "",
                hint=attrs.get("hint") or "",
                bounds=_android_bounds(attrs.get("bounds")),
                enabled=_flag(attrs, "enabled", True), checked=_flag(attrs, "checked"),
                focused=_flag(attrs, "focused"), selected=_flag(attrs, "selected"),
                displayed=_flag(attrs, "displayed", True), password=_flag(attrs, "password"),
                editable=cls.endswith(_EDITABLE_ANDROID), parent=parent,
            )
        el.locator = ("xpath", path)
        elements.append(el)
        if parent is not None:
            elements[parent].children.append(el.index)
        counts: Counter[str] = Counter()
        for child in node:
            counts[child.tag] += 1
            visit(child, el.index, f"{path}/{child.tag}[{counts[child.tag]}]")

    tops: Counter[str] = Counter()
    start = [root] if ios and root.tag != "AppiumAUT" else list(root)
    for top in start:
        tops[top.tag] += 1
        prefix = "" if ios else "/hierarchy"
        visit(top, None, f"{prefix}/{top.tag}[{tops[top.tag]}]")
    if screen is None and elements:
        screen = elements[0].bounds
    _prefer_unique_locators(elements, ios)
    return elements, screen


def _prefer_unique_locators(elements: list[Element], ios: bool) -> None:
    ids = Counter(el.id for el in elements if el.id)
    labels = Counter(el.label for el in elements if el.label)
    for el in elements:
        if el.id and ids[el.id] == 1:
            el.locator = ("accessibility id" if ios else "id", el.id)
        elif el.label and labels[el.label] == 1 and not ios:
            el.locator = ("accessibility id", el.label)
