"""The project's Appium, started one way by `ronde start`, `ronde run` and `ronde appium`.

Appium logs every typed text: its log filters mask the secrets the robot knows (the journeys'
`monitor.secrets` and secret-looking variables), in every encoding (`journeys.masking`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from journeys.masking import Masker, guessed_secrets

if TYPE_CHECKING:
    from emulators.appium_server import AppiumServer


def appium_secrets(environ: Mapping[str, str], declared: Iterable[str] = ()) -> list[str]:
    """Values of the declared secret variables and of secret-looking ones in `environ`."""
    values = {environ.get(name, "") for name in declared} | set(guessed_secrets(environ))
    return sorted(v for v in values if v)


def project_appium(secrets: Iterable[str], *, log_path: Path | None = None,
                   env: Mapping[str, str] | None = None, sim_only: bool = True) -> AppiumServer:
    """The project's Appium server (not started), masking `secrets` in its log; `sim_only`
    loads only the simulated device's driver (the fastest start)."""
    from emulators.appium_server import AppiumServer

    return AppiumServer(log_path=log_path, env=dict(env or {}),
                        drivers=["ronde-sim"] if sim_only else None,
                        mask_pattern=Masker(secrets).js_pattern())


__all__ = ["appium_secrets", "project_appium"]
