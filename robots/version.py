"""Ronde's version, stamped on every run; pyproject.toml reads it from here (one home)."""

VERSION = "0.1.0"

__all__ = ["VERSION"]
