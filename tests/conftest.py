"""Shared test set-up. Fixtures that start real services live in tests/fixtures/, one each."""

pytest_plugins: list[str] = [
    "tests.fixtures.alertmanager",
    "tests.fixtures.appium",
    "tests.fixtures.chromium",
    "tests.fixtures.grid",
    "tests.fixtures.smtp",
    "tests.fixtures.postgres",
    "tests.fixtures.readside",
]
