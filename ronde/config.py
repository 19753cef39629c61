"""`ronde.yaml`: where results go, which devices exist, where alerts are sent.

Every key has a default (a missing file means SQLite in ./ronde.db, the demo devices and no
channels). Values may use `${ENV_VAR}` (or `${ENV_VAR:-default}`); mistakes are reported
as `file:line:column: key: what is wrong (expected ...)`, several at once.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from journeys.cron import check_cron
from journeys.durations import MAINTENANCE_MAX, REMIND_MAX, check_bounds, parse_duration
from journeys.errors import Problem, ProblemsError
from journeys.files import SUFFIXES, UnreadableFile, read_text
from journeys.header import alert_policy
from journeys.model import Position
from journeys.policy import DEFAULT_POLICY, FilePolicy
from journeys.reader import BAD
from journeys.reader import Reader as JourneyReader
from journeys.spec import ALERT_KEYS
from journeys.yamlnodes import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    Source,
    did_you_mean,
    expected_one_of,
    is_null,
    kind_of,
    pairs,
    scalar,
)
from robots.backends.profiles import PROFILES
from robots.devices import DeviceKind, DeviceSpec
from ronde.artifacts_folder import DEFAULT_ARTIFACTS, artifacts_problem
from ronde.dashboard.settings import DashboardSettings, read_dashboard
from scheduler.alerts.settings import AlertSettings
from scheduler.maintenance import MaintenanceWindow

if TYPE_CHECKING:
    from scheduler.notify.channels import UrlProblem

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_STORAGE = "sqlite:///ronde.db"
DEMO_APP = PROJECT_DIR / "emulators" / "apps" / "demo-shop.yaml"

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$")
_HTTP = re.compile(r"^https?://\S+$")
_MAX_SESSIONS = 1000
_DB_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg")
LANGUAGES = ("en", "fr")
RUNBOOK_FIELDS = ("journey", "category", "cause")
MIN_REMIND_MS = 60_000


class ConfigError(ProblemsError):
    """ronde.yaml is not valid; `.problems` says where and why."""


@dataclass(frozen=True, slots=True)
class RobotIdentity:
    """`robot:` in ronde.yaml: who this robot is in a fleet sharing one PostgreSQL."""

    name: str = field(default_factory=lambda: _hostname())
    location: str = "default"


def _hostname() -> str:
    import socket

    host = socket.gethostname().split(".")[0] or "robot"
    return re.sub(r"[^A-Za-z0-9._-]+", "-", host).lstrip("._-") or "robot"


@dataclass(frozen=True, slots=True)
class Config:
    """The robot's configuration (`ronde.yaml`), every value checked and resolved."""

    path: Path | None = None
    storage_url: str = DEFAULT_STORAGE
    artifacts_dir: Path = DEFAULT_ARTIFACTS
    devices: tuple[DeviceSpec, ...] = ()
    channels: dict[str, str] = field(default_factory=dict)
    alertmanager_url: str | None = None
    maintenance: tuple[MaintenanceWindow, ...] = ()
    env_names: tuple[str, ...] = ()  # environment variables the file used (may be secrets)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    dashboard_url: str | None = None  # evidence links in notices: <dashboard_url>/runs/<id>
    dashboard: DashboardSettings = field(default_factory=DashboardSettings)  # who may read it
    # `file:line:column: message` for what loads but will not work (e.g. a channel whose
    # tokens Apprise refuses): the robot still runs and says so; `validate --config` shows it.
    warnings: tuple[str, ...] = ()
    file_policy: FilePolicy = DEFAULT_POLICY  # flow_roots / link_schemes: what journeys reach
    robot: RobotIdentity = field(default_factory=RobotIdentity)  # name, location (fleet)

    def device(self, name: str) -> DeviceSpec | None:
        return next((d for d in self.devices if d.name == name), None)

    def devices_for(self, wanted: Iterable[str]) -> list[DeviceSpec]:
        """Devices matching any of a journey's `devices:` items (all devices if none given)."""
        wanted = list(wanted)
        return [d for d in self.devices if not wanted or any(d.matches(w) for w in wanted)]


def default_devices() -> tuple[DeviceSpec, ...]:
    return (
        DeviceSpec("sim-demo-shop", ("android", "sim"), simulated_app=str(DEMO_APP)),
        DeviceSpec("chrome-pixel-7", ("web",), browser_emulate="Pixel 7"),
    )


def default_config() -> Config:
    return Config(devices=default_devices())


LOCAL_CONFIG = Path("ronde.yaml")


def load_command_config(path: str | os.PathLike[str] | None) -> Config:
    """What every `ronde` command reads: `--config` when given (it must exist), else
    ./ronde.yaml when there is one, else the defaults — so all commands see the same robot."""
    if path is not None:
        return load_config(path, required=True)
    return load_config(LOCAL_CONFIG if LOCAL_CONFIG.is_file() else None)


def load_config(path: str | os.PathLike[str] | None = None, *, required: bool = False,
                environ: Mapping[str, str] | None = None) -> Config:
    """The configuration in `path`; the defaults when there is no file (unless `required`)."""
    if path is None:
        return default_config()
    file = Path(path)
    if not file.is_file():
        if required:
            raise ConfigError([Problem(Position(str(file), 0, 0), "no such configuration file")])
        return default_config()
    src = Source(str(path))
    try:
        text = read_text(file)[1]  # capped at 1 MiB, checked before reading
    except UnreadableFile as exc:
        raise ConfigError([Problem(Position(str(file), 1, 1), str(exc))]) from None
    reader = _Reader(src, file.resolve().parent, os.environ if environ is None else environ)
    config = reader.config(text, file)
    if src.problems or config is None:
        raise ConfigError(src.problems)
    return config


class _Reader:
    def __init__(self, src: Source, base: Path, environ: Mapping[str, str]) -> None:
        self.src = src
        self.base = base
        self.environ = environ
        self.env_names: list[str] = []
        self.channel_names: set[str] = set()  # declared, even when the URL is refused
        self.warnings: list[str] = []

    def error(self, node: Node | None, message: str) -> None:
        self.src.error(node, message)

    def warn(self, node: Node, message: str) -> None:
        self.warnings.append(f"{self.src.pos(node)}: {message}")

    def config(self, text: str, file: Path) -> Config | None:
        docs = self.src.compose(text)
        if docs is None:
            return None
        docs = [d for d in docs if not is_null(d)]
        if not docs:
            return Config(path=file, devices=default_devices())
        if len(docs) > 1:
            self.error(docs[1], "a second YAML document (expected one mapping)")
            return None
        if not isinstance(docs[0], MappingNode):
            self.error(docs[0], f"expected a mapping of settings (found {kind_of(docs[0])})")
            return None
        values: dict[str, Any] = {}
        readers = {"storage": self.storage, "artifacts": self.artifacts,
                   "devices": self.devices, "channels": self.channels,
                   "alertmanager": self.alertmanager, "maintenance": self.maintenance,
                   "alerts": self.alerts, "dashboard_url": self.dashboard_url,
                   "dashboard": self.dashboard, "flow_roots": self.flow_roots,
                   "link_schemes": self.link_schemes, "robot": self.robot}
        for key, key_node, value in pairs(self.src, docs[0], "ronde.yaml"):
            if key not in readers:
                hint = did_you_mean(key, readers) or f" (expected {expected_one_of(readers)})"
                self.error(key_node, f"unknown setting {key!r}{hint}")
                continue
            values[key] = readers[key](value)
        devices = values.get("devices", default_devices())
        maintenance = values.get("maintenance", ())
        self.check_maintenance_devices(maintenance, devices)
        alerts, channel_refs = values.get("alerts") or (AlertSettings(), [])
        self.check_channel_names(channel_refs, self.channel_names)
        if self.src.problems:
            return None
        return Config(
            path=file,
            storage_url=values.get("storage") or DEFAULT_STORAGE,
            artifacts_dir=values.get("artifacts") or DEFAULT_ARTIFACTS,
            devices=devices,
            channels=values.get("channels", {}),
            alertmanager_url=values.get("alertmanager"),
            maintenance=tuple(w for w, _ in maintenance),
            env_names=tuple(dict.fromkeys(self.env_names)),
            alerts=alerts,
            dashboard_url=values.get("dashboard_url"),
            dashboard=values.get("dashboard") or DashboardSettings(),
            warnings=tuple(self.warnings),
            file_policy=FilePolicy(values.get("flow_roots") or (),
                                   values.get("link_schemes") or frozenset()),
            robot=values.get("robot") or RobotIdentity(),
        )

    # ---- values ----------------------------------------------------------------------

    def text(self, node: Node, where: str, *, allow_null: bool = False) -> str | None:
        if allow_null and is_null(node):
            return None
        if not isinstance(node, ScalarNode) or is_null(node):
            self.error(node, f"{where}: expected a text (found {kind_of(node)})")
            return None
        return self.expand(node, where, str(node.value))

    def expand(self, node: Node, where: str, raw: str) -> str | None:
        missing: list[str] = []

        def value(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            self.env_names.append(name)
            if name in self.environ:
                return self.environ[name]
            if default is not None:
                return default
            missing.append(name)
            return ""

        text = _ENV.sub(value, raw)
        for name in missing:
            self.error(node, f"{where}: environment variable {name} is not set (expected it "
                             f"in the environment, or a default: ${{{name}:-value}})")
        if not missing and "${" in _ENV.sub("", raw):
            self.error(node, f"{where}: bad variable reference (expected ${{NAME}} or "
                             "${NAME:-default})")
            return None
        return None if missing else text

    def url(self, node: Node, where: str, pattern: re.Pattern[str], expected: str) -> str | None:
        text = self.text(node, where)
        if text is None:
            return None
        if not pattern.match(text):
            self.error(node, f"{where}: {text!r} is not a URL (expected {expected})")
            return None
        return text

    def texts(self, node: Node, where: str) -> tuple[str, ...] | None:
        if is_null(node):
            return ()
        items = [node] if isinstance(node, ScalarNode) else \
            node.value if isinstance(node, SequenceNode) else None
        if items is None:
            self.error(node, f"{where}: expected a list of texts (found {kind_of(node)})")
            return None
        out = [self.text(item, where) for item in items]
        return None if any(v is None for v in out) else tuple(v for v in out if v is not None)

    def mapping(self, node: Node, where: str, keys: Iterable[str]) -> dict[str, Node] | None:
        if not isinstance(node, MappingNode):
            self.error(node, f"{where}: expected a mapping (found {kind_of(node)})")
            return None
        keys = list(keys)
        out: dict[str, Node] = {"": node}
        for key, key_node, value in pairs(self.src, node, where):
            if key not in keys:
                hint = did_you_mean(key, keys) or f" (expected {expected_one_of(keys)})"
                self.error(key_node, f"{where}: unknown key {key!r}{hint}")
                continue
            out[key] = value
        return out

    def plain(self, node: Node, where: str) -> Any:
        """Free-form YAML (Appium capabilities) as Python values, `${ENV}` expanded."""
        if isinstance(node, MappingNode):
            return {key: self.plain(v, f"{where}.{key}")
                    for key, _, v in pairs(self.src, node, where)}
        if isinstance(node, SequenceNode):
            return [self.plain(v, where) for v in node.value]
        value = scalar(node) if isinstance(node, ScalarNode) else None
        if isinstance(value, str):
            return self.expand(node, where, value)
        return value

    # ---- settings --------------------------------------------------------------------

    def storage(self, node: Node) -> str | None:
        expected = "a database URL like sqlite:///ronde.db or postgresql+psycopg://user@host/db"
        url = self.url(node, "storage", _URL, expected)
        if url is None:
            return None
        scheme = url.split("://", 1)[0]
        if scheme.lower() not in _DB_SCHEMES:  # else a driver traceback at the first query
            hint = did_you_mean(scheme, _DB_SCHEMES) or f" (expected {expected})"
            self.error(node, f"storage: unsupported database {scheme!r}; Ronde stores into "
                             f"SQLite or PostgreSQL{hint}")
            return None
        return url

    def artifacts(self, node: Node) -> Path | None:
        text = self.text(node, "artifacts")
        path = None if text is None else self.base_path(text)
        problem = None if path is None else artifacts_problem(path)
        if problem is not None:
            self.error(node, f"artifacts: {problem}")
            return None
        return path

    def flow_roots(self, node: Node) -> tuple[Path, ...]:
        """Folders, besides the journeys' own, that runFlow may read sub-flows from."""
        roots: list[Path] = []
        for item, text in zip(_items(node), self.texts(node, "flow_roots") or (), strict=False):
            path = self.base_path(text).resolve()
            if not path.is_dir():
                self.error(item, f"flow_roots: {text!r} is not a folder (expected folders of "
                                 "shared flows, relative to this file)")
            elif path == Path(path.anchor) or path == Path.home().resolve():
                self.error(item, f"flow_roots: {text!r} is too wide (expected a folder of "
                                 "flows, not the root or home folder)")
            else:
                roots.append(path)
        return tuple(roots)

    def link_schemes(self, node: Node) -> frozenset[str]:
        """URL schemes openLink / url may use besides http(s) and app deep links."""
        out: set[str] = set()
        for item, text in zip(_items(node), self.texts(node, "link_schemes") or (), strict=False):
            scheme = text.strip().rstrip(":/").lower()
            if not re.match(r"^[a-z][a-z0-9+.-]*$", scheme):
                self.error(item, f"link_schemes: {text!r} is not a URL scheme (expected a name "
                                 "like file or intent)")
            else:
                out.add(scheme)
        return frozenset(out)

    def base_path(self, text: str) -> Path:
        path = Path(text).expanduser()
        return path if path.is_absolute() else self.base / path

    def alertmanager(self, node: Node) -> str | None:
        if is_null(node):
            return None
        return self.url(node, "alertmanager", _HTTP, "http://host:9093")

    def channels(self, node: Node) -> dict[str, str]:
        if is_null(node):
            return {}
        if not isinstance(node, MappingNode):
            self.error(node, f"channels: expected a mapping of names to Apprise URLs "
                             f"(found {kind_of(node)})")
            return {}
        out: dict[str, str] = {}
        for name, key_node, value in pairs(self.src, node, "channels"):
            if not _NAME.match(name):
                self.error(key_node, f"channels: {name!r} is not a valid name (expected "
                                     "letters, digits, '.', '_' or '-')")
                continue
            self.channel_names.add(name)
            url = self.text(value, f"channels.{name}")
            if url is None:
                continue
            problem = _channel_problem(url)  # quotes no part of the URL but its scheme
            if problem is not None and not problem.usable:
                self.error(value, f"channels.{name}: {problem.text}")
                continue
            if problem is not None:  # a known service with placeholder or malformed tokens
                self.warn(value, f"channels.{name}: {problem.text}; alerts to it will fail")
            out[name] = url
        return out

    def dashboard_url(self, node: Node) -> str | None:
        if is_null(node):
            return None
        url = self.url(node, "dashboard_url", _HTTP, "the dashboard's address, like "
                                                     "http://ronde.example.com:8080")
        return url.rstrip("/") if url else None

    def robot(self, node: Node) -> RobotIdentity | None:
        """`robot: {name, location}`; the name defaults to the host name."""
        if is_null(node):
            return None
        data = self.mapping(node, "robot", ("name", "location"))
        if data is None:
            return None
        values: dict[str, str] = {}
        for key in ("name", "location"):
            if key not in data:
                continue
            text = self.text(data[key], f"robot.{key}")
            if text is not None and not _NAME.match(text):
                self.error(data[key], f"robot.{key}: {text!r} is not a valid {key} (expected "
                                      "letters, digits, '.', '_' or '-', like paris-1)")
            elif text is not None:
                values[key] = text
        return RobotIdentity(**values)

    def dashboard(self, node: Node) -> DashboardSettings:
        return read_dashboard(self, node)

    def alerts(self, node: Node) -> tuple[AlertSettings, list[tuple[str, str, Node]]]:
        """The `alerts:` section, and the channel names it uses (checked once all is read)."""
        keys = ("defaults", "robot_channels", "remind_every", "language", "runbook_url")
        if is_null(node):
            return AlertSettings(), []
        data = self.mapping(node, "alerts", keys)
        if data is None:
            return AlertSettings(), []
        fields: dict[str, Any] = {}
        refs: list[tuple[str, str, Node]] = []  # (where, channel name, its node)
        if "defaults" in data and not is_null(data["defaults"]):
            journeys = JourneyReader(self.src)  # the very reader of a journey's monitor.alert
            section = journeys.section(data["defaults"], ALERT_KEYS, "alerts.defaults")
            if section is not BAD:
                fields["defaults"] = alert_policy(journeys, section, data["defaults"])
                refs += [("alerts.defaults.notify", str(item.value), item)
                         for item in _items(section.get("#notify"))]
        if "robot_channels" in data:
            names = self.texts(data["robot_channels"], "alerts.robot_channels")
            if names is not None:
                fields["robot_channels"] = tuple(dict.fromkeys(names))
                refs += [("alerts.robot_channels", name, item)
                         for name, item in zip(names, _items(data["robot_channels"]),
                                               strict=False)]
        if "remind_every" in data:
            ms = self.duration(data["remind_every"], "alerts.remind_every", REMIND_MAX)
            if ms is not None and ms < MIN_REMIND_MS:
                self.error(data["remind_every"], "alerts.remind_every: too often (expected at "
                                                 "least 1m)")
            elif ms is not None:
                fields["renotify_ms"] = ms
        if "language" in data:
            fields["lang"] = self.language(data["language"])
        if "runbook_url" in data:
            fields["runbook_url"] = self.runbook_url(data["runbook_url"])
        given = {k: v for k, v in fields.items() if v is not None}
        return AlertSettings(**given, given=frozenset(given)), refs

    def language(self, node: Node) -> str | None:
        where = "alerts.language"
        if isinstance(node, ScalarNode) and not is_null(node):
            text = self.text(node, where)
            wanted = [] if text is None else [p.strip() for p in text.split(",")]
        else:
            items = self.texts(node, where)
            wanted = list(items) if items else []
        if not wanted:
            self.error(node, f"{where}: expected en, fr or en,fr")
            return None
        out: list[str] = []
        for lang in wanted:
            lang_key = lang.lower()
            if lang_key not in LANGUAGES:
                hint = did_you_mean(lang_key, LANGUAGES) or ""
                self.error(node, f"{where}: unknown language {lang!r}{hint} (expected en, fr "
                                 "or en,fr)")
                return None
            if lang_key in out:
                self.error(node, f"{where}: {lang_key!r} is listed twice")
                return None
            out.append(lang_key)
        return ",".join(out)

    def runbook_url(self, node: Node) -> str | None:
        where = "alerts.runbook_url"
        url = self.url(node, where, _URL, "a URL like https://wiki.example.com/runbooks/"
                                          "{journey}#{category}")
        if url is None:
            return None
        try:
            parts = list(string.Formatter().parse(url))
        except ValueError:
            self.error(node, f"{where}: unbalanced braces (expected placeholders {{journey}} "
                             "or {category}; write {{ and }} for a literal brace)")
            return None
        for _, name, spec, conversion in parts:
            if name is None:
                continue
            if name not in RUNBOOK_FIELDS or spec or conversion:
                shown = "{" + name + (f"!{conversion}" if conversion else "") + \
                    (f":{spec}" if spec else "") + "}"
                hint = did_you_mean(name, RUNBOOK_FIELDS) if name not in RUNBOOK_FIELDS else ""
                self.error(node, f"{where}: unknown placeholder {shown!r}{hint} (expected "
                                 "{journey}, {category} or {cause})")
                return None
        return url

    def check_channel_names(self, refs: list[tuple[str, str, Node]],
                            channels: Iterable[str]) -> None:
        """Channel names used by `alerts:` must be channels of this file."""
        channels = sorted(channels)
        for where, name, item in refs:
            if name in channels:
                continue
            known = ", ".join(channels) or "none configured"
            hint = did_you_mean(name, channels) or f" (known channels: {known})"
            self.error(item, f"{where}: unknown channel {name!r}{hint}")

    def devices(self, node: Node) -> tuple[DeviceSpec, ...]:
        if is_null(node):
            return ()
        if not isinstance(node, SequenceNode):
            self.error(node, f"devices: expected a list of devices (found {kind_of(node)})")
            return ()
        out: list[DeviceSpec] = []
        seen: dict[str, int] = {}
        for i, item in enumerate(node.value):
            device = self.device(item, f"devices[{i}]")
            if device is None:
                continue
            if device.name in seen:
                self.error(item, f"devices[{i}].name: {device.name!r} is already the name of "
                                 f"the device at line {seen[device.name]}")
                continue
            seen[device.name] = device.line or 0
            out.append(device)
        return tuple(out)

    def device(self, node: Node, where: str) -> DeviceSpec | None:
        keys = ("name", "tags", *DeviceKind, "capabilities", "sessions")
        data = self.mapping(node, where, keys)
        if data is None:
            return None
        before = len(self.src.problems)
        if "name" not in data:
            self.error(node, f"{where}: missing key 'name'")
            return None
        name = self.text(data["name"], f"{where}.name")
        if name is not None and not _NAME.match(name):
            self.error(data["name"], f"{where}.name: {name!r} is not a valid name (expected "
                                     "letters, digits, '.', '_' or '-')")
        tags = self.texts(data["tags"], f"{where}.tags") if "tags" in data else ()
        kinds = [k for k in DeviceKind if k in data]
        if len(kinds) != 1:
            self.error(node, f"{where}: expected exactly one of {expected_one_of(DeviceKind)} "
                             f"(found {expected_one_of(kinds) if kinds else 'none'})")
            return None
        kind = kinds[0]
        fields = DEVICE_READERS[kind](self, data[kind], f"{where}.{kind}")
        if "capabilities" in data:
            if kind is not DeviceKind.APPIUM:
                self.error(data["capabilities"], f"{where}.capabilities: only appium devices "
                                                 "take capabilities")
            elif not isinstance(data["capabilities"], MappingNode):
                self.error(data["capabilities"], f"{where}.capabilities: expected a mapping "
                                                 f"(found {kind_of(data['capabilities'])})")
            else:
                fields["capabilities"] = self.plain(data["capabilities"],
                                                    f"{where}.capabilities")
        if "sessions" in data:
            fields["sessions"] = self.sessions(data["sessions"], f"{where}.sessions", kind)
        if len(self.src.problems) != before or name is None or tags is None:
            return None
        return DeviceSpec(name=name, tags=tags, line=node.start_mark.line + 1, **fields)

    def simulated_device(self, node: Node, where: str) -> dict[str, Any]:
        """`simulated: {app: <app model>, appium: <url>}` (DeviceKind.SIMULATED)."""
        fields: dict[str, Any] = {}
        sim = self.mapping(node, where, ("app", "appium"))
        if sim is not None and "app" not in sim:
            self.error(sim[""], f"{where}: missing key 'app' (expected the path "
                                "of an app model, e.g. emulators/apps/demo-shop.yaml)")
        elif sim is not None:
            app = self.text(sim["app"], f"{where}.app")
            if app is not None:
                path = self.base_path(app)
                bundled = PROJECT_DIR / app  # the app models Ronde ships (demo shop)
                if not path.is_file() and not Path(app).is_absolute() and bundled.is_file():
                    path = bundled
                if not path.is_file():
                    self.error(sim["app"], f"{where}.app: no such file {app!r} "
                                           f"(looked for {path})")
                elif (problem := _app_model_problem(path)) is not None:
                    self.error(sim["app"], f"{where}.app: {app!r} {problem}")
                fields["simulated_app"] = str(path)
        if sim is not None and "appium" in sim:  # a running Appium: `ronde appium`, say
            fields["appium_url"] = self.url(sim["appium"], f"{where}.appium",
                                            _HTTP, "http://127.0.0.1:4723")
        return fields

    def appium_device(self, node: Node, where: str) -> dict[str, Any]:
        """`appium: <url>` (DeviceKind.APPIUM; `capabilities:` beside it)."""
        return {"appium_url": self.url(node, where, _HTTP, "http://host:4723")}

    def browser_device(self, node: Node, where: str) -> dict[str, Any]:
        """`browser: {emulate: <phone>}` (DeviceKind.BROWSER)."""
        browser = self.mapping(node, where, ("emulate",))
        if browser is None:
            return {}
        emulate = self.text(browser["emulate"], f"{where}.emulate") \
            if "emulate" in browser else "Pixel 7"
        if emulate is not None and emulate.strip().lower() not in PROFILES:
            names = [p.name for p in PROFILES.values()]  # else every run: error/session
            hint = did_you_mean(emulate, names) or f" (expected one of {', '.join(names)})"
            self.error(browser["emulate"], f"{where}.emulate: unknown phone "
                                           f"{emulate!r}{hint}")
        return {"browser_emulate": emulate}

    def sessions(self, node: Node, where: str, kind: DeviceKind) -> int | None:
        """`sessions: N` — a Grid hub or farm hands out up to N devices at once."""
        if kind is not DeviceKind.APPIUM:
            self.error(node, f"{where}: only appium devices take sessions (a Selenium Grid "
                             "hub or a device farm that picks the device)")
            return None
        raw = node.value if isinstance(node, ScalarNode) else None
        if raw is None or not str(raw).isdigit() or not 1 <= int(raw) <= _MAX_SESSIONS:
            self.error(node, f"{where}: expected a whole number from 1 to {_MAX_SESSIONS} "
                             f"(found {raw if raw is not None else kind_of(node)!s})")
            return None
        return int(raw)

    def maintenance(self, node: Node) -> list[tuple[MaintenanceWindow, Node]]:
        if is_null(node):
            return []
        if not isinstance(node, SequenceNode):
            self.error(node, f"maintenance: expected a list of windows (found {kind_of(node)})")
            return []
        out = []
        for i, item in enumerate(node.value):
            window = self.window(item, f"maintenance[{i}]")
            if window is not None:
                out.append((window, item))
        return out

    def window(self, node: Node, where: str) -> MaintenanceWindow | None:
        keys = ("name", "cron", "duration", "start", "end", "journeys", "devices", "timezone")
        data = self.mapping(node, where, keys)
        if data is None:
            return None
        before = len(self.src.problems)
        if "name" not in data:
            self.error(node, f"{where}: missing key 'name'")
            return None
        fields: dict[str, Any] = {"name": self.text(data["name"], f"{where}.name")}
        if "timezone" in data:
            zone = self.text(data["timezone"], f"{where}.timezone")
            try:
                ZoneInfo(zone or "UTC")
                fields["timezone"] = zone
            except (ZoneInfoNotFoundError, ValueError):
                self.error(data["timezone"], f"{where}.timezone: unknown time zone {zone!r} "
                                             "(expected a name like Europe/Paris)")
        if "cron" in data and ("start" in data or "end" in data):
            self.error(node, f"{where}: give either cron + duration or start + end, not both")
        elif "cron" in data:
            fields["cron"] = self.cron(data["cron"], f"{where}.cron")
            if "duration" not in data:
                self.error(node, f"{where}: missing key 'duration' (expected how long each "
                                 "window lasts, like 30m)")
            else:
                fields["duration_ms"] = self.duration(data["duration"], f"{where}.duration",
                                                      MAINTENANCE_MAX)
        elif "start" in data and "end" in data:
            fields["start"] = self.when(data["start"], f"{where}.start")
            fields["end"] = self.when(data["end"], f"{where}.end")
            if fields["start"] and fields["end"] and fields["end"] <= fields["start"]:
                self.error(data["end"], f"{where}.end: the window ends before it starts")
            if "duration" in data:
                self.error(data["duration"], f"{where}.duration: not used with start + end")
        else:
            self.error(node, f"{where}: expected cron + duration, or start + end")
        for key in ("journeys", "devices"):
            if key in data:
                fields[key] = self.texts(data[key], f"{where}.{key}")
        if len(self.src.problems) != before:
            return None
        return MaintenanceWindow(**fields, line=node.start_mark.line + 1)

    def cron(self, node: Node, where: str) -> str | None:
        text = self.text(node, where)
        if text is None:
            return None
        try:
            check_cron(text)
        except ValueError as exc:
            self.error(node, f"{where}: {text!r} is not a valid cron expression ({exc})")
            return None
        return text

    def duration(self, node: Node, where: str, maximum: int | None = None) -> int | None:
        value = scalar(node) if isinstance(node, ScalarNode) else None
        if isinstance(value, str):
            value = self.expand(node, where, value)
        try:
            ms = parse_duration(value)
        except ValueError as exc:
            self.error(node, f"{where}: {exc}")
            return None
        if ms <= 0:
            self.error(node, f"{where}: expected a duration above zero")
            return None
        problem = check_bounds(ms, None, maximum)  # journeys.durations: one home for bounds
        if problem is not None:
            self.error(node, f"{where}: {problem}")
            return None
        return ms

    def when(self, node: Node, where: str) -> datetime | None:
        text = self.text(node, where)
        if text is None:
            return None
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            self.error(node, f"{where}: {text!r} is not a date and time (expected ISO 8601, "
                             "like 2025-01-31T02:00:00+01:00)")
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def check_maintenance_devices(self, windows: list[tuple[MaintenanceWindow, Node]],
                                  devices: tuple[DeviceSpec, ...]) -> None:
        names = [d.name for d in devices]
        for window, node in windows:
            for wanted in window.devices:
                if not any(d.matches(wanted) for d in devices):
                    hint = did_you_mean(wanted.removeprefix("tag:"), names) or \
                        f" (known devices: {', '.join(names) or 'none'})"
                    self.error(node, f"maintenance: window {window.name!r} names no known "
                                     f"device with {wanted!r}{hint}")


DEVICE_READERS: dict[DeviceKind, Callable[[_Reader, Node, str], dict[str, Any]]] = {
    DeviceKind.SIMULATED: _Reader.simulated_device,
    DeviceKind.APPIUM: _Reader.appium_device,
    DeviceKind.BROWSER: _Reader.browser_device,
}
"""How each device kind's key reads into `DeviceSpec` fields (`robots.devices.DeviceKind`)."""


def _items(node: Node | None) -> list[Node]:
    if node is None or is_null(node):
        return []
    return list(node.value) if isinstance(node, SequenceNode) else [node]


def _app_model_problem(path: Path) -> str | None:
    """Why a simulated device's `app:` is not an app model; never quotes the file."""
    if path.suffix.lower() not in SUFFIXES:
        return "is not a .yaml app model (expected a file like emulators/apps/demo-shop.yaml)"
    try:
        text = read_text(path)[1]
    except UnreadableFile as exc:
        return f"is not an app model: {exc}"
    src = Source(str(path))
    docs = src.compose(text)
    top = docs[0] if docs and len(docs) == 1 else None
    keys = {str(k.value) for k, _ in top.value if isinstance(k, ScalarNode)} \
        if isinstance(top, MappingNode) else set()
    if src.problems or "appId" not in keys:
        return ("is not an app model (expected one YAML mapping with appId:, screens:, ... "
                "as in shared/sim-app-format.md)")
    return None


def _channel_problem(url: str) -> UrlProblem | None:
    """Why Apprise could not deliver to `url` (None: it can); never quotes its secrets."""
    from scheduler.notify.channels import UrlProblem, url_problem  # Apprise: only if needed

    if not _URL.match(url):
        return UrlProblem("not a URL (expected an Apprise URL like slack://... or mailtos://...)")
    return url_problem(url)


__all__ = [
    "AlertSettings",
    "Config",
    "ConfigError",
    "MaintenanceWindow",
    "RobotIdentity",
    "default_config",
    "default_devices",
    "load_command_config",
    "load_config",
]
