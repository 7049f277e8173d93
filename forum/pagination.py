"""A page of results, shared by the HTML lists and the JSON API."""

import math
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from forum.errors import Invalid
from forum.params import MAX_PAGE, read_whole_number


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
    """`page` (1 to MAX_PAGE) and `per_page` (1..max) from a query string, in ASCII digits;
    Invalid naming each bad one."""
    errors: dict[str, list[str]] = {}
    page = read_whole_number(args.get("page", "1"), 1, MAX_PAGE)
    if page is None:
        errors["page"] = [f"page must be a whole number from 1 to {MAX_PAGE}."]
    per_page = read_whole_number(args.get("per_page", str(default_per_page)), 1, max_per_page)
    if per_page is None:
        errors["per_page"] = [f"per_page must be a whole number from 1 to {max_per_page}."]
    if errors:  # the message too: a page shows it, where the API names the fields
        raise Invalid(errors, message=" ".join(m for ms in errors.values() for m in ms))
    return page, per_page
