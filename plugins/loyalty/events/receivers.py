"""The built-in member events: a review and a completed profile, reported through the same path as the API's."""

from __future__ import annotations

from mall import signals
from mall.accounts.models import User
from mall.extensions import db
from mall.tenants.models import Tenant
from plugins.loyalty.events.operations import PROFILE, REVIEW, profile_complete, report_builtin
from plugins.loyalty.members.operations import memberships_of
from plugins.loyalty.programmes.operations import programme_for


def connect(app) -> None:
    """Subscribe to reviews and saved profiles."""
    signals.review_posted.connect(on_review_posted, sender=app)
    signals.profile_saved.connect(on_profile_saved, sender=app)


def on_review_posted(sender, review, **kwargs) -> None:
    """A review earns the shop programme's review bonus, once per review (the growth value is the members')."""
    tenant = db.session.get(Tenant, review.tenant_id) if getattr(review, "tenant_id", None) else None
    programme = programme_for(tenant) if tenant else None
    if programme is not None:
        report_builtin(programme, db.session.get(User, review.user_id), REVIEW, str(review.id))


def on_profile_saved(sender, user, **kwargs) -> None:
    """A complete profile is the profile_completed event of every programme the user belongs to."""
    if profile_complete(user):
        for member in memberships_of(user):
            profile_completed(member)


def profile_completed(member, at=None) -> None:
    """Report the member's completed profile to their programme (one key per user: it happens once)."""
    report_builtin(member.programme, member.user, PROFILE, str(member.user_id), at=at)


def on_joined(member, at=None) -> None:
    """A newcomer whose profile is already complete has done the programme's profile_completed event."""
    if profile_complete(member.user):
        profile_completed(member, at)
