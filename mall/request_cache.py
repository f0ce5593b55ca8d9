"""Rows remembered for the rest of a request, so a request looks each one up once."""

from __future__ import annotations

from collections.abc import Callable

from flask import g

from mall.extensions import db


def remembered(name: str, key, load: Callable):
    """The row cached under (name, key) for this request, or load() it (None is not remembered).

    A row rolled back since it was cached is no longer in the session, and is loaded again.
    """
    cache = g.setdefault(f"_remembered_{name}", {})
    found = cache.get(key)
    if found is not None and found in db.session:
        return found
    found = load()
    if found is not None:
        cache[key] = found
    return found


def remember(name: str, key, row) -> None:
    """Put a row loaded some other way (one query for several caches) where remembered() finds it."""
    if row is not None:
        g.setdefault(f"_remembered_{name}", {})[key] = row
