"""Pages of rows without counting them all.

Django's Paginator counts every row to say "page 1 of N". For a search whose matches
grow with the data (half of a practice of 10,000 clients for a common name prefix), that
count is what grows. ``UncountedPaginator`` fetches one row more than a page instead: it
knows whether a next page exists, not how many there are. Each page costs one query,
whatever the number of matches (OFFSET still reads the rows before a later page).

The extra row is only fetched, never shown: encrypted values decrypt on first access
(crisisplan.core.encryption), so nothing beyond the shown page is decrypted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet

# Page numbers above this are treated as not a page number (OFFSET is a bigint).
MAX_PAGE = 1_000_000


class UncountedPage:
    """The part of django.core.paginator.Page a template needs, without a total: it has
    no ``paginator`` (so no ``paginator.count`` or ``num_pages``)."""

    paginator = None

    def __init__(self, object_list: Sequence[Any], number: int, *, has_next: bool) -> None:
        self.object_list = object_list
        self.number = number
        self._has_next = has_next

    def __len__(self) -> int:
        return len(self.object_list)

    def __iter__(self) -> Any:
        return iter(self.object_list)

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


class UncountedPaginator:
    def __init__(self, rows: QuerySet[Any], per_page: int) -> None:
        self.rows = rows
        self.per_page = per_page

    def get_page(self, number: Any) -> UncountedPage:
        """The page ``number``; the first for a number that is not a positive integer, or
        past the last page (an old link after clients were archived): like
        Paginator.get_page, which cannot be told the last page without a count."""
        try:
            number = int(number)
        except (TypeError, ValueError):
            number = 1
        if not 1 <= number <= MAX_PAGE:
            number = 1
        start = (number - 1) * self.per_page
        found = list(self.rows[start : start + self.per_page + 1])
        if not found and number > 1:
            return self.get_page(1)
        return UncountedPage(found[: self.per_page], number, has_next=len(found) > self.per_page)
