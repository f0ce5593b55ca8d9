"""Time-driven work one shop at a time: each shop's batch commits on its own, and a failure stays with its shop.

The tick hands every batch (a shop's due orders, a chunk of a programme's members, a shop's
due pushes) to `in_own_transaction`: the batch commits when it succeeds (or is rolled back in a
dry run); an exception in it is rolled back, logged with the shop and the error, and recorded
in the tick's report, and the next batch starts on a clean transaction. Jobs a batch queues
leave after its commit (`mall.jobs.enqueue`). Every batch is idempotent, so a later tick does
what a failed batch left undone and repeats nothing the others did.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from mall.extensions import db

log = logging.getLogger(__name__)
#: The owner of work that belongs to no shop (the platform programme, its pushes).
PLATFORM = "platform"


class TickReport(dict):
    """What a tick did (name → count), and `failed`: the owners whose work failed (name → first error)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.failed: dict[str, str] = {}
        self["failed_shops"] = 0


def owner_name(tenant_id: int | None) -> str:
    """The shop's slug for logs and the report (`platform` for work of no shop)."""
    if tenant_id is None:
        return PLATFORM
    from mall.tenants.models import Tenant

    slug = db.session.execute(db.select(Tenant.slug).where(Tenant.id == tenant_id)).scalar()
    return slug or f"shop {tenant_id}"


def in_own_transaction(report: dict, owner: str, work: Callable, *args, dry_run: bool = False):
    """Run `work(*args)` as one transaction and commit it (roll it back in a dry run); returns its result.

    An exception in the work or its commit rolls everything in the batch back, is logged with
    `owner`, counted in `report["failed_shops"]`, and returns None: the caller goes on with the
    next shop. The session must hold no uncommitted work of anyone else when this starts.
    """
    try:
        result = work(*args)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    except Exception as exc:  # any failure of one shop's batch: keep it from the other shops
        db.session.rollback()
        _record_failure(report, owner, exc)
        return None
    return result


def for_each_shop(report: dict, tenant_ids: Iterable[int | None], work: Callable, *args,
                  dry_run: bool = False) -> list:
    """Run `work(tenant_id, *args)` once per shop id (None: the platform), each in its own transaction.

    Returns the results (never None) of the shops whose batch succeeded, in order.
    """
    done = []
    for tenant_id in list(tenant_ids):
        owner = owner_name(tenant_id)  # read before the work: its failure may leave nothing readable
        result = in_own_transaction(report, owner, work, tenant_id, *args, dry_run=dry_run)
        if result is not None:
            done.append(result)
    return done


def _record_failure(report: dict, owner: str, exc: Exception) -> None:
    log.error("tick: the work of %s failed and was rolled back: %s", owner, exc, exc_info=exc)
    failed = getattr(report, "failed", None)
    if failed is None:  # a plain dict: count each failed batch
        report["failed_shops"] = report.get("failed_shops", 0) + 1
        return
    failed.setdefault(owner, f"{type(exc).__name__}: {exc}"[:300])
    report["failed_shops"] = len(failed)
