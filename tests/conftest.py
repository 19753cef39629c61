"""Shared test set-up. Fixtures that start real services live in tests/fixtures/, one module each."""

pytest_plugins: list[str] = [
]
