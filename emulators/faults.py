"""Faults of simulated devices, switched at run time: one JSON file per udid in a state directory,
written atomically here and read by the RondeSim driver (and the web shop) on every command."""

from __future__ import annotations

import contextlib
import difflib
import fcntl
import json
import os
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from emulators.exceptions import FaultError
from emulators.project import project_root

# fault -> {parameter: (accepted types, default or None when optional without default)}
FAULTS: dict[str, dict[str, tuple[tuple[type, ...], Any]]] = {
    "slow": {"factor": ((int, float), None), "add_ms": ((int, float), None)},
    "error_dialog": {"text": ((str,), "Erreur 500"), "on": ((str,), None), "status": ((int,), 500)},
    "login_refused": {},
    "blank_screen": {"screen": ((str,), None)},
    "crash": {"on": ((str,), None)},
    "network_down": {},
    "hang": {"on": ((str,), None)},
    "offline": {},
    "flaky": {"p": ((int, float), 0.3), "seed": ((int,), 0)},
    # not a failure: a new release of the app is installed (the session reports this appVersion)
    "new_version": {"version": ((str, int, float), None)},
}


def state_dir() -> Path:
    """`$RONDE_SIM_STATE`, else `<project>/.ronde/sim` (the driver uses the same rule)."""
    env = os.environ.get("RONDE_SIM_STATE")
    return Path(env) if env else project_root() / ".ronde" / "sim"


def file_name(udid: str) -> str:
    """`[A-Za-z0-9._-]` kept, every other UTF-8 byte as `%XX` — as the Node driver does."""
    keep = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
    out = "".join(chr(b) if chr(b) in keep else f"%{b:02X}" for b in udid.encode())
    return out + ".json"


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" — did you mean '{close[0]}'?" if close else ""


def validate(fault: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Checks a fault and its parameters; returns them with defaults filled in."""
    if fault not in FAULTS:
        raise FaultError(
            f"unknown fault '{fault}'{_suggest(fault, list(FAULTS))} "
            f"(faults: {', '.join(FAULTS)})"
        )
    spec = FAULTS[fault]
    out: dict[str, Any] = {}
    for key, value in params.items():
        if key not in spec:
            allowed = ", ".join(spec) or "none"
            raise FaultError(
                f"fault '{fault}' has no parameter '{key}'{_suggest(key, list(spec))} "
                f"(parameters: {allowed})"
            )
        types, _ = spec[key]
        if isinstance(value, bool) or not isinstance(value, types):
            wanted = "text" if types == (str,) else "whole number" if types == (int,) else "number"
            raise FaultError(f"fault '{fault}': {key}={value!r} should be a {wanted}")
        out[key] = value
    for key, (_, default) in spec.items():
        if key not in out and default is not None:
            out[key] = default
    if fault == "flaky" and not 0 <= out["p"] <= 1:
        raise FaultError(f"fault 'flaky': p={out['p']} should be a probability between 0 and 1")
    if fault == "slow":
        if "factor" not in out and "add_ms" not in out:
            out["factor"] = 5
        if out.get("factor", 1) <= 0 or out.get("add_ms", 0) < 0:
            raise FaultError("fault 'slow': factor must be > 0 and add_ms >= 0")
    if fault == "new_version":
        if "version" not in out or not str(out["version"]).strip():
            raise FaultError("fault 'new_version' needs version=X.Y.Z (the release installed)")
        out["version"] = str(out["version"])  # `version=3.5` reads as a number
    return out


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {"faults": {}, "since": {}}
    except (OSError, ValueError) as exc:
        raise FaultError(f"{path}: unreadable fault state ({exc}); delete the file") from exc
    faults, since = data.get("faults", {}), data.get("since", {})
    return {"udid": data.get("udid"), "faults": faults, "since": since}


def _write(path: Path, udid: str, faults: dict[str, Any], since: dict[str, float]) -> None:
    """Atomic: a temporary file renamed over the old one, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not faults:
        path.unlink(missing_ok=True)
        return
    body = json.dumps({"udid": udid, "faults": faults, "since": since}, indent=2, sort_keys=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(body)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Serialises read-modify-write of the state (two `ronde sim` at once lose nothing)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _path(udid: str, state: Path | None) -> Path:
    if not udid:
        raise FaultError("a device name (udid) is required")
    return (state or state_dir()) / file_name(udid)


def set_fault(udid: str, fault: str, *, state: Path | None = None, **params: Any) -> dict[str, Any]:
    """Switches a fault on for a device (replacing that fault's earlier parameters)."""
    checked = validate(fault, params)
    path = _path(udid, state)
    with _locked(path.parent):
        current = _read(path)
        current["faults"][fault] = checked
        current["since"][fault] = time.time()
        _write(path, udid, current["faults"], current["since"])
    return checked


def clear_fault(udid: str, fault: str, *, state: Path | None = None) -> bool:
    """Switches one fault off; False when it was not on."""
    if fault not in FAULTS:
        validate(fault, {})  # raises the did-you-mean error
    path = _path(udid, state)
    with _locked(path.parent):
        current = _read(path)
        if fault not in current["faults"]:
            return False
        del current["faults"][fault]
        current["since"].pop(fault, None)
        _write(path, udid, current["faults"], current["since"])
    return True


def clear_faults(udid: str, *, state: Path | None = None) -> bool:
    """Switches every fault of a device off; False when none was on."""
    path = _path(udid, state)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def get_faults(udid: str, *, state: Path | None = None) -> dict[str, dict[str, Any]]:
    """The faults currently on for a device: `{fault: params}`."""
    return _read(_path(udid, state))["faults"]


def fault_state(udid: str, *, state: Path | None = None) -> tuple[dict[str, Any], dict[str, float]]:
    """`(faults, since)`: the faults on and when each was set (seeds `flaky`'s sequence)."""
    data = _read(_path(udid, state))
    return data["faults"], data["since"]


def list_faults(*, state: Path | None = None) -> dict[str, dict[str, dict[str, Any]]]:
    """Every device with faults on: `{udid: {fault: params}}`."""
    folder = state or state_dir()
    out: dict[str, dict[str, dict[str, Any]]] = {}
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith(".tmp-"):
            continue
        data = _read(path)
        if data["faults"]:
            out[data.get("udid") or path.stem] = data["faults"]
    return out
