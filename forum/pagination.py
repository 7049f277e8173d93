"""A page of results, shared by the HTML lists and the JSON API."""

import math
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from forum.errors import Invalid


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int
    extra: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def read_page_args(args: MultiDict, default_per_page: int = 20, max_per_page: int = 100):
    """`page` (from 1) and `per_page` (1..max) from a query string; Invalid when out of range."""
    errors: dict[str, list[str]] = {}
    page = _positive_int(args.get("page", "1"), "page", errors)
    per_page = _positive_int(args.get("per_page", str(default_per_page)), "per_page", errors)
    if per_page is not None and per_page > max_per_page:
        errors["per_page"] = [f"per_page is at most {max_per_page}."]
    if page is not None and page > 100_000:
        errors["page"] = ["page is too large."]
    if errors:
        raise Invalid(errors)
    return page, per_page


def _positive_int(raw: str, name: str, errors: dict) -> int | None:
    if not raw.isdigit() or int(raw) < 1:
        errors[name] = [f"{name} must be a whole number from 1."]
        return None
    return int(raw)
