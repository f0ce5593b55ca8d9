"""Files follow their rows: a deleted image's files go when the deletion commits; files saved by a
transaction that rolls back are removed at once, so neither leaves a file nothing points to."""

from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

from mall import jobs
from mall.media.models import ProductImage
from mall.media.operations import SAVED_KEYS

log = logging.getLogger(__name__)


@event.listens_for(ProductImage, "after_delete")
def _files_go_after_commit(mapper, connection, image: ProductImage) -> None:
    # A queued job leaves only when the transaction commits: a rolled-back deletion keeps its files.
    from mall.media.jobs import delete_files

    jobs.enqueue(delete_files, [image.key, image.thumb_key], idempotency_key=f"media-delete:{image.key}")


@event.listens_for(Session, "after_commit")
def _keep_saved(session) -> None:
    if session.get_nested_transaction() is None:  # a released savepoint is not the commit that counts
        session.info.pop(SAVED_KEYS, None)


@event.listens_for(Session, "after_soft_rollback")
def _remove_saved(session, previous_transaction) -> None:
    rolled_back = previous_transaction
    while rolled_back.parent is not None and not rolled_back.nested:
        rolled_back = rolled_back.parent
    if rolled_back.nested:
        return  # the enclosing transaction may still commit them
    keys = session.info.pop(SAVED_KEYS, None)
    if keys:
        from mall.media.storage import storage

        for key in keys:
            try:
                storage().delete(key)
            except Exception:  # a file left behind is untidy, not a reason to fail the request's answer
                log.warning("could not remove %s after a rollback", key, exc_info=True)
