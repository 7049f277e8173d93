"""Response headers set without Werkzeug's per-name lookups: asking a `Headers` for a name it
lacks raises and catches an exception inside, and `response.vary` parses the Vary header into
a set and writes it back. Every response runs a handful of these, so they are done here in one
pass over the headers instead."""

from werkzeug.datastructures import Headers


def first_values(headers: Headers) -> dict[str, str]:
    """Each header's first value, by its lower-case name."""
    found: dict[str, str] = {}
    for name, value in headers.items():
        found.setdefault(name.lower(), value)
    return found


def add_missing(headers: Headers, defaults: tuple[tuple[str, str], ...]) -> None:
    """`headers.setdefault(name, value)` for each pair."""
    present = first_values(headers)
    for name, value in defaults:
        if name.lower() not in present:
            headers.add(name, value)


def vary_on(headers: Headers, name: str, vary: str | None) -> None:
    """Add `name` to the Vary header (whose value is `vary`) once, as `response.vary.add`
    does."""
    if not vary:
        headers["Vary"] = name
    elif name.lower() not in (token.strip().lower() for token in vary.split(",")):
        headers["Vary"] = f"{vary}, {name}"
