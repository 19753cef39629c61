"""The header document: `appId`/`url`, `name`, `tags`, `env` and the `monitor:` section.

Reading the header is per file (sub-flows have headers too); turning it into a `Monitor`
is per journey, with Maestro-friendly defaults when `monitor:` is absent, and with device
and channel names checked against the robot's configuration when one is given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from journeys import model as m
from journeys.context import Surroundings
from journeys.durations import format_duration
from journeys.errors import Problem
from journeys.reader import BAD, Reader
from journeys.spec import ALERT_KEYS, HEADER_KEYS, MONITOR_KEYS, UNSUPPORTED_HEADER_KEYS
from journeys.yamlnodes import MappingNode, Node, ScalarNode, SequenceNode, did_you_mean

_NOT_ID = re.compile(r"[^A-Za-z0-9._-]+")
_HEADER_NAMES = [k.name for k in HEADER_KEYS]


@dataclass
class Header:
    """A file's header values, with the raw section data for later journey-level checks."""

    node: Node | None
    data: dict[str, Any]

    @property
    def app_id(self) -> str | None:
        return self.data.get("app_id")

    @property
    def url(self) -> str | None:
        return self.data.get("url")

    @property
    def env(self) -> tuple[tuple[str, str], ...]:
        return self.data.get("env", ())

    @property
    def hooks(self) -> tuple[tuple[m.Command, ...], tuple[m.Command, ...]]:
        """(onFlowStart, onFlowComplete) commands."""
        return self.data.get("on_flow_start", ()), self.data.get("on_flow_complete", ())

    @property
    def monitor(self) -> dict[str, Any]:
        return self.data.get("monitor") or {}


def read_header(reader: Reader, node: Node | None) -> Header | Any:
    """The header mapping (None: no header), or BAD with its problems recorded."""
    if node is None:
        return Header(None, {})
    if isinstance(node, MappingNode):
        for key_node, _ in node.value:
            name = key_node.value if isinstance(key_node, ScalarNode) else None
            if name in UNSUPPORTED_HEADER_KEYS:
                reader.error(key_node, f"{name}: {UNSUPPORTED_HEADER_KEYS[name]}")
        node.value = [(k, v) for k, v in node.value
                      if not (isinstance(k, ScalarNode) and k.value in UNSUPPORTED_HEADER_KEYS)]
        node.value = [(k, v) for k, v in node.value if _known_or_noted(reader, k)]
    data = reader.section(node, HEADER_KEYS, "")
    if data is BAD:
        return BAD
    return Header(node, data)


def _known_or_noted(reader: Reader, key_node: Node) -> bool:
    """Keeps Ronde's header keys (and near misses of them, refused later as typos); notes and
    drops any other key, as Maestro keeps unknown header keys aside."""
    name = key_node.value if isinstance(key_node, ScalarNode) else None
    if not isinstance(name, str) or name in _HEADER_NAMES or did_you_mean(name, _HEADER_NAMES):
        return True
    reader.src.notes.append(Problem(reader.src.pos(key_node), f"header: {name!r} is not a "
                                    "Ronde key: ignored, as Maestro ignores unknown keys"))
    return False


def default_id(stem: str) -> str:
    """The file name without .yaml, made a valid id (`my flow` -> `my-flow`)."""
    cleaned = _NOT_ID.sub("-", stem).strip("-._")
    return cleaned or "journey"


def build_monitor(reader: Reader, header: Header, stem: str,
                  config: Surroundings | None = None) -> m.Monitor | Any:
    """The journey's Monitor: `monitor:` values over defaults, checked as a whole."""
    mon, data = header.monitor, header.data
    ok = True
    platform = _platform(reader, header)
    if platform is BAD:
        ok = False
    if "@every" in mon and "@cron" in mon:
        ok = reader.fail(mon["@cron"], "monitor.cron: give either every or cron, not both")
    timeout = mon.get("timeout_ms", m.JOURNEY_TIMEOUT_MS)
    step = mon.get("step_timeout_ms", m.STEP_TIMEOUT_MS)
    if step > timeout:
        ok = reader.fail(mon.get("@step_timeout") or mon.get("@timeout"),
                          f"monitor.step_timeout: {format_duration(step)} is longer than the "
                          f"journey's timeout {format_duration(timeout)} (expected at most the "
                          "timeout)")
    secrets = mon.get("secrets", ())
    given = dict(header.env)
    for name in secrets:
        if name in given:
            ok = reader.fail(data.get("@env"), f"env: secret {name} must not have a value in "
                                                "the file (expected it in the robot's "
                                                "environment only)")
    if config is not None:
        ok = _check_devices(reader, mon, platform, config) and ok
        ok = _check_channels(reader, mon.get("alert") or {}, config) and ok
    if not ok:
        return BAD
    policy = alert_policy(reader, mon.get("alert") or {}, mon.get("@alert"))
    fields = {k.field: mon[k.field] for k in MONITOR_KEYS
              if k.field in mon and k.field not in ("id", "platform", "alert")}
    if "cron" in fields:
        fields["every_ms"] = None
    return m.Monitor(
        id=mon.get("id") or default_id(stem),
        platform=platform,
        alert=policy,
        pos=reader.src.pos(data["@monitor"]) if "@monitor" in data else m.NOWHERE,
        **fields,
    )


def read_alert_policy(reader: Reader, node: Node, where: str) -> m.AlertPolicy | Any:
    """An `alert:` mapping (a journey's `monitor.alert`, ronde.yaml's `alerts.defaults`)."""
    data = reader.section(node, ALERT_KEYS, where)
    return BAD if data is BAD else alert_policy(reader, data, node)


def alert_policy(reader: Reader, data: dict[str, Any], node: Node | None) -> m.AlertPolicy:
    """The policy of a read `alert:` section, remembering which keys it set."""
    values = {k.field: data[k.field] for k in ALERT_KEYS if k.field in data}
    return m.AlertPolicy(**values, pos=reader.src.pos(node) if node is not None else m.NOWHERE,
                         given=frozenset(values))


def _platform(reader: Reader, header: Header) -> m.Platform | Any:
    data, mon = header.data, header.monitor
    given: m.Platform | None = mon.get("platform")
    if "@url" in data and "@appId" in data:
        return reader.error(data["@url"], "url: give either appId (a native app) or url "
                                          "(a web journey), not both")
    if "@url" in data:
        if given not in (None, m.Platform.WEB):
            return reader.error(mon["@platform"], f"monitor.platform: {given} contradicts "
                                                  "url: (expected web, or appId: instead of url:)")
        return m.Platform.WEB
    if "@appId" in data:
        if given is m.Platform.WEB:
            return reader.error(mon["@platform"], "monitor.platform: web contradicts appId: "
                                                  "(expected android or ios, or url: instead)")
        return given or m.Platform.ANDROID
    if given is not None:
        return given
    return reader.error(header.node, "header: no appId or url (expected appId: <package or "
                                     "bundle id> for an app, or url: <https://...> for the web)")


def _check_devices(reader: Reader, mon: dict[str, Any], platform: Any,
                   config: Surroundings) -> bool:
    node = mon.get("#devices")
    items = node.value if isinstance(node, SequenceNode) else [node] if node else []
    names = [d.name for d in config.devices]
    tags = sorted({t for d in config.devices for t in d.tags})
    ok = True
    for item in items:
        wanted = str(item.value)
        found = [d for d in config.devices if d.matches(wanted)]
        if wanted.startswith("tag:"):
            if not found:
                hint = did_you_mean(wanted[4:], tags) or \
                    f" (known tags: {', '.join(tags) or 'none'})"
                ok = reader.fail(item, f"monitor.devices: no device has the tag "
                                        f"{wanted[4:]!r}{hint}")
            elif platform is not BAD and not any(d.can_run(platform) for d in found):
                ok = reader.fail(item, f"monitor.devices: no device tagged {wanted[4:]!r} can "
                                        f"run a {platform} journey")
        elif not found:
            hint = did_you_mean(wanted, names) or f" (known devices: {', '.join(names) or 'none'})"
            ok = reader.fail(item, f"monitor.devices: unknown device {wanted!r}{hint}")
        elif platform is not BAD and not found[0].can_run(platform):
            ok = reader.fail(item, f"monitor.devices: device {wanted!r} cannot run a {platform} "
                                    f"journey (it is a {found[0].kind} device)")
    return ok


def _check_channels(reader: Reader, alert: dict[str, Any], config: Surroundings) -> bool:
    node = alert.get("#notify")
    items = node.value if isinstance(node, SequenceNode) else [node] if node else []
    ok = True
    for item in items:
        name = str(item.value)
        if name not in config.channels:
            known = ", ".join(sorted(config.channels)) or "none configured"
            hint = did_you_mean(name, config.channels) or f" (known channels: {known})"
            ok = reader.fail(item, f"monitor.alert.notify: unknown channel {name!r}{hint}")
    return ok


__all__ = [
    "Header",
    "alert_policy",
    "build_monitor",
    "default_id",
    "read_alert_policy",
    "read_header",
]
