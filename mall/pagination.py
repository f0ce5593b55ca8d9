"""Pagination for page lists and the API's ?page=."""

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
