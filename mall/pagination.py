"""Pagination for page lists and the API's ?page=."""

from flask import current_app, request

from mall.security import DB_INT_MAX


def page_number() -> int:
    """The requested ?page=, from 1 up to 2³¹−1: a nonsense value is page 1, a huge one an empty page."""
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), DB_INT_MAX)


def paginate(select):
    """Flask-SQLAlchemy pagination of a select with the configured page size and ?page=."""
    from mall.extensions import db

    return db.paginate(select, page=page_number(), per_page=current_app.config["PAGE_SIZE"], error_out=False)
