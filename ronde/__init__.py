"""The user-facing shell: command line, configuration loading, dashboard, reports."""

from robots.version import VERSION as __version__

__all__ = ["__version__"]
