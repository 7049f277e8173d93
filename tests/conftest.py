"""The suite's fixtures live by domain in tests/fixtures/ and are registered here. Each test's
writes are rolled back after it (tests/fixtures/database.py); a test whose data other
connections must see is marked `real_commits`.

Hypothesis profiles, chosen with `pytest --hypothesis-profile=NAME`: "default", 25 examples a
property, for `make test` on a workstation (the fuzzers and properties were a ninth of the
suite's CPU time at 40 to 100 examples); "ci", 100 examples, which `.ci/run` uses, so every
push is searched four times as deep; "mutation", 10, which `[tool.mutmut]` uses: mutmut runs
the properties once per mutant, and a mutant the worked examples miss is nearly always caught
within a few random histories. The API fuzzer has its own count (FUZZ_EXAMPLES)."""

from hypothesis import settings

settings.register_profile("default", max_examples=25)
settings.register_profile("ci", max_examples=100)
settings.register_profile("mutation", max_examples=10)
settings.load_profile("default")

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.apps",
    "tests.fixtures.accounts",
    "tests.fixtures.content",
    "tests.fixtures.services",
]
