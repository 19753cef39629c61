"""Where the dashboard may listen: anywhere with a login, only on loopback without one."""

from __future__ import annotations

import ipaddress

from ronde.dashboard.exceptions import DashboardError
from ronde.dashboard.settings import DashboardSettings


def is_loopback(host: str) -> bool:
    """Whether `host` only accepts connections from this machine (`0.0.0.0` and names: no)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_listen(host: str, settings: DashboardSettings) -> None:
    """Refuse to serve the results to a network without asking anyone who they are."""
    if settings.auth is not None or settings.allow_unauthenticated or is_loopback(host):
        return
    raise DashboardError(
        f"the dashboard would listen on {host} with no login: anyone who can reach it would "
        "read every result and screenshot. Add `dashboard: {auth: ...}` to ronde.yaml (users, "
        "token or a trusted proxy header; see the README), listen on 127.0.0.1, or set "
        "`dashboard: {allow_unauthenticated: true}` if another layer protects it"
    )


def describe_access(host: str, settings: DashboardSettings) -> str:
    """One line for the startup banner: who may read the dashboard."""
    auth = settings.auth
    if auth is None:
        if is_loopback(host):
            return "no login (dashboard.auth is not set): open to this machine only"
        return f"no login, open to anyone who can reach {host} (dashboard.allow_unauthenticated)"
    ways = []
    if auth.users:
        ways.append(f"{len(auth.users)} user{'s' if len(auth.users) > 1 else ''}")
    if auth.token:
        ways.append("token")
    if auth.proxy_header:
        ways.append(f"{auth.proxy_header} from trusted proxies")
    return "login required (" + ", ".join(ways) + ")"
