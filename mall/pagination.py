"""Pagination for page lists."""

from flask import current_app, request


def paginate(select):
    """Flask-SQLAlchemy pagination of a select with the configured page size and ?page=."""
    from mall.extensions import db

    page = request.args.get("page", 1, type=int) or 1
    return db.paginate(select, page=max(page, 1), per_page=current_app.config["PAGE_SIZE"], error_out=False)
