"""Queued work of the media feature: removing files whose rows were deleted."""

from __future__ import annotations

from mall.media.storage import storage


def delete_files(keys: list[str]) -> None:
    """Remove stored files (a missing one is fine, so running twice does no harm)."""
    store = storage()
    for key in keys:
        store.delete(key)
