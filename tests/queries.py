"""Counting the SQL a piece of work sends: for tests that pin how many statements a page or job needs."""

from contextlib import contextmanager

from sqlalchemy import event

from mall.extensions import db


@contextmanager
def recorded_statements():
    """Yield a list that fills with the text of every statement sent to the database inside the block."""
    seen: list[str] = []

    def note(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
