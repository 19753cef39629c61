"""Which URLs a journey may open: http(s) and app deep links, not local files or scripts.

One rule for the parser (a link written in the file) and for the robot (a link whose
`${VARIABLES}` were resolved at run time), so neither can be talked into `file:///etc/passwd`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*):")
WEB_SCHEMES = frozenset({"http", "https"})
REFUSED_SCHEMES = frozenset({
    "file", "javascript", "data", "vbscript", "about", "blob", "filesystem", "view-source",
    "chrome", "chrome-extension", "chrome-untrusted", "devtools", "content", "intent",
    "jar", "resource", "ftp", "ws", "wss", "ms-settings",
})
"""Local files, scripts, inline documents and browser or system internals."""
LINK_EXPECTED = ("expected an http(s):// URL or an app deep link like myshop://product/1; "
                 "allow more schemes with link_schemes: in ronde.yaml")


def link_scheme(link: str) -> str | None:
    """The scheme of a link, lower case (None: no scheme, or one hidden in a ${VARIABLE})."""
    match = _SCHEME.match(link)
    return match.group(1).lower() if match else None


def link_problem(link: str, allowed: Iterable[str] = ()) -> str | None:
    """Why a journey may not open `link` (None: it may). Never quotes more than its scheme."""
    if "${" in link.split(":", 1)[0]:
        return None  # the scheme comes from a variable: checked again once it is resolved
    scheme = link_scheme(link)
    extra = {s.lower() for s in allowed}
    if scheme is None:
        if link.strip().startswith(("/", "\\", ".")):
            return f"a local path is not a link ({LINK_EXPECTED})"
        return None  # a host without scheme: the browser makes it http(s)
    if scheme in WEB_SCHEMES or scheme in extra:
        return None
    if scheme in REFUSED_SCHEMES:
        return f"{scheme}: links are refused ({LINK_EXPECTED})"
    if not link.strip()[len(scheme) + 1:].startswith("//"):
        return f"{scheme}: is not a deep link ({LINK_EXPECTED})"
    return None


__all__ = ["LINK_EXPECTED", "REFUSED_SCHEMES", "WEB_SCHEMES", "link_problem", "link_scheme"]
