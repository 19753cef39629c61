"""The user-facing shell: command line, configuration loading, dashboard, reports."""

__version__ = "0.1.0"
