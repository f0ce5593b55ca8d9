"""Pagination for page lists and the API's ?page=."""

import math
from dataclasses import dataclass

from flask import current_app, request

from mall.validation import MAX_INT


def page_number() -> int:
    """The requested ?page=, from 1 up to 2³¹−1: a nonsense value is page 1, a huge one an empty page."""
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), MAX_INT)


def paginate(select):
    """Flask-SQLAlchemy pagination of a select with the configured page size and ?page=."""
    from mall.extensions import db

    per_page = current_app.config["PAGE_SIZE"]
    page = db.paginate(select, page=page_number(), per_page=per_page, error_out=False)
    if page.pages and page.page > page.pages:
        # Past the end a page shows the last one, not an empty list that reads as "nothing here".
        page = db.paginate(select, page=page.pages, per_page=per_page, error_out=False)
    return page


@dataclass
class Page:
    """One page of a result and where it sits among all of them, read as Flask-SQLAlchemy's pagination is (the
    pager macro takes either)."""

    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages the results fill."""
        return math.ceil(self.total / self.per_page) if self.total else 0

    @property
    def has_prev(self) -> bool:
        """Whether a page comes before this one."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one."""
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        """The page before."""
        return self.page - 1

    @property
    def next_num(self) -> int:
        """The page after."""
        return self.page + 1


def page_of(items: list) -> Page:
    """The ?page= of a list already in memory (the last page past its end), with the configured page size."""
    size = current_app.config["PAGE_SIZE"]
    page = min(page_number(), max(1, math.ceil(len(items) / size)))
    return Page(items[(page - 1) * size:page * size], len(items), page, size)
