"""The loyalty part of a shopper's personal data: what the export shows and what an erasure scrubs."""

from __future__ import annotations


def register(plugin) -> None:
    """Contribute memberships, ledgers, coupons, referrals, reminders, events and merchant notes to mall.privacy."""
    from plugins.loyalty.privacy import operations

    plugin.register_personal_data("loyalty", operations.collect, operations.anonymise, operations.blockers)
