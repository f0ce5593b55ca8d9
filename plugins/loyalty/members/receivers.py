"""Member receivers: every new account joins the platform programme; a review earns its growth value."""

from __future__ import annotations

from decimal import Decimal

from mall import signals
from mall.extensions import db
from plugins.loyalty import keys
from plugins.loyalty.members.operations import credit_metric, join_programme, membership
from plugins.loyalty.programmes.operations import platform_programme, programme_for, rules


def connect(app) -> None:
    """Subscribe the member receivers to this app's sign-up and review signals."""
    signals.user_registered.connect(on_user_registered, sender=app)
    signals.review_posted.connect(on_review_posted, sender=app)


def on_user_registered(sender, user, **kwargs) -> None:
    """Every account is a platform member (a referral is rewarded later, when the first order settles)."""
    platform = platform_programme()
    if platform is not None:
        join_programme(platform, user)


def on_review_posted(sender, review, **kwargs) -> None:
    """A review earns the shop programme's growth value (its points are a built-in member event's)."""
    tenant_id = getattr(review, "tenant_id", None)
    from mall.tenants.models import Tenant

    tenant = db.session.get(Tenant, tenant_id) if tenant_id else None
    programme = programme_for(tenant) if tenant else None
    from mall.accounts.models import User

    member = membership(programme, db.session.get(User, review.user_id)) if programme else None
    if member is None:
        return
    r = rules(programme)
    if r.metric == "growth" and r.growth.get("review"):
        credit_metric(member, Decimal(r.growth["review"]), keys.growth_review(review.id))
