"""What journey files may reach beyond themselves: sub-flow folders and link schemes.

The defaults are strict (sub-flows under the journeys' own folder, http(s) and app deep
links only); `ronde.yaml` widens them with `flow_roots:` and `link_schemes:`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class FilePolicy:
    """Extra folders runFlow may read from, and extra URL schemes openLink / url may use."""

    flow_roots: tuple[Path, ...] = ()  # absolute, resolved
    link_schemes: frozenset[str] = frozenset()  # lower case, e.g. {"file"}


DEFAULT_POLICY = FilePolicy()

__all__ = ["DEFAULT_POLICY", "FilePolicy"]
