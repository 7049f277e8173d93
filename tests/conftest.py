"""The suite's fixtures live by domain in tests/fixtures/ and are registered here. Each test's
writes are rolled back after it (tests/fixtures/database.py); a test whose data other
connections must see is marked `real_commits`.

Hypothesis profiles: "default" (Hypothesis's own: 100 examples a property unless a test says
otherwise) and "mutation", chosen by `pytest --hypothesis-profile=mutation` (`[tool.mutmut]`
does): mutmut runs the properties once per mutant, and a mutant the worked examples miss is
nearly always caught within a few random histories, so 10 examples keep a full run short."""

from hypothesis import settings

settings.register_profile("mutation", max_examples=10)

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.apps",
    "tests.fixtures.accounts",
    "tests.fixtures.content",
    "tests.fixtures.services",
]
