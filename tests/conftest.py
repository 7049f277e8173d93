"""The suite's fixtures live by domain in tests/fixtures/ and are registered here. Each test's
writes are rolled back after it (tests/fixtures/database.py); a test whose data other
connections must see is marked `real_commits`."""

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.apps",
    "tests.fixtures.accounts",
    "tests.fixtures.content",
    "tests.fixtures.services",
]
