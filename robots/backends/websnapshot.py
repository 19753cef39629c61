"""The web page as snapshot elements: one JavaScript call (snapshot.js) per poll."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from robots.backends.base import Bounds, Element, Snapshot
from robots.backends.pagesource import PageSourceError


@cache
def script() -> str:
    """`return <expression>;` for execute_script (the file's comment header dropped)."""
    text = resources.files("robots.backends").joinpath("snapshot.js").read_text("utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("//"))
    return "return " + body.strip().rstrip(";") + ";"


def expression(css_queries: list[str]) -> str:
    """The same snapshot as a DevTools `Runtime.evaluate` expression (arguments inlined)."""
    body = script()[len("return "):].rstrip(";")
    return body.replace("(arguments[0] || [])", f"({json.dumps(css_queries)})")


def parse_web_snapshot(raw: str, sent: float, received: float,
                       epoch_offset: float | None = None) -> Snapshot:
    """The JSON that snapshot.js returns -> a Snapshot (its `source` is that JSON).

    `epoch_offset` (monotonic minus epoch seconds, for a browser on this host) converts the
    document's start into the robot's clock (`Snapshot.not_before`).
    """
    try:
        data = json.loads(raw)
    except (TypeError, json.JSONDecodeError) as exc:
        raise PageSourceError(f"web snapshot is not JSON: {exc}") from exc
    elements: list[Element] = []
    for i, item in enumerate(data.get("elements", [])):
        el = Element(
            index=i, cls=item["cls"], text=item["text"], label=item["label"], id=item["id"],
            hint=item.get("hint", ""),
            bounds=Bounds(item["x"], item["y"], item["w"], item["h"]),
            enabled=item["enabled"], checked=item["checked"], focused=item["focused"],
            selected=item["selected"], displayed=item["shown"], password=item["password"],
            editable=item["editable"], parent=item["parent"], locator=("ronde-index", str(i)),
        )
        elements.append(el)
        if el.parent is not None:
            elements[el.parent].children.append(i)
    screen = Bounds(0, 0, float(data.get("width", 0)), float(data.get("height", 0)))
    css = {q: set(hits) for q, hits in data.get("css", {}).items()}
    doc_start = data.get("docStart")
    not_before = None
    if epoch_offset is not None and isinstance(doc_start, int | float):
        not_before = doc_start / 1000 + epoch_offset
    nav_start = data.get("navStart")
    began = None
    if epoch_offset is not None and isinstance(nav_start, int | float):
        began = nav_start / 1000 + epoch_offset
    status = data.get("status")
    return Snapshot(elements, raw, sent, received, screen, url=data.get("url"), css_matches=css,
                    not_before=not_before, navigation_began=began,
                    http_status=status if isinstance(status, int) and status > 0 else None)
