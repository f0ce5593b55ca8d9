"""Loyalty JSON API under /api/v1: programmes, memberships, points, check-in, wallet, coupons."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, g, jsonify, request
from flask_babel import gettext as _
from marshmallow import ValidationError

from mall import clock, idempotency
from mall.accounts.models import User
from mall.api import _authenticate, json_body, write
from mall.api.openapi import documented
from mall.api.serializers import iso, order_json
from mall.audit.operations import record
from mall.errors import FieldErrors
from mall.extensions import csrf, db
from mall.money import format_money
from mall.orders.models import Order
from mall.pagination import page_number
from plugins.loyalty import api_docs as docs
from plugins.loyalty import paid_tiers
from plugins.loyalty import points as ledger
from plugins.loyalty import wallet as wallet_ledger
from plugins.loyalty.lifecycle import check_in, join_programme
from plugins.loyalty.member_filters import MemberFilter, member_select
from plugins.loyalty.memberships import effective_tier, membership, memberships_of
from plugins.loyalty.models import PLATFORM, Coupon, Membership, PointsEntry, WalletEntry
from plugins.loyalty.programmes import programme_for, rules, save_document
from plugins.loyalty.wallet import parse_amount, top_up, wallet_for
from tenants.access import actor, login_required, open_shop_or_404, operator_required, resolve_tenant, staff_required
from tenants.models import StaffRole

bp = Blueprint("loyalty_api", __name__, url_prefix="/api/v1")
bp.before_request(_authenticate)
PAGE = 50


def init_app(app) -> None:
    """Register the loyalty API (token auth as the core API, no CSRF)."""
    from plugins.loyalty import api_marketing  # noqa: F401  (its routes join this blueprint)

    csrf.exempt(bp)
    app.register_blueprint(bp)


def request_key() -> str:
    """The operation's key for ledgers and the gateway: the Idempotency-Key scoped to caller and endpoint.

    Without the header (or a caller) every call is a new operation.
    """
    key = request.headers.get("Idempotency-Key")
    user = actor()
    if key is None or user is None:
        return uuid.uuid4().hex
    return idempotency.operation_key(user.id, idempotency.check_key(key), request.endpoint)


def membership_json(member: Membership) -> dict:
    """A membership as API.md describes it."""
    tier = effective_tier(member)
    return {"programme": member.programme.slug, "level": {"code": tier.code, "name": tier.name},
            "points": {"available": member.points_available, "pending": member.points_pending},
            "level_metric": format_money(member.period_metric if rules(member.programme).window["kind"] == "validity"
                                         else member.lifetime_metric),
            "level_expires_at": iso(member.paid_until if tier.is_paid else member.period_end),
            "joined_at": iso(member.joined_at)}


def wallet_json(wallet) -> dict:
    """Balances of a wallet."""
    return {"cash": format_money(wallet.cash), "bonus": format_money(wallet.bonus),
            "total": format_money(wallet.cash + wallet.bonus)}


def coupon_json(coupon: Coupon) -> dict:
    """A coupon as API.md describes it."""
    t = coupon.template
    return {"id": coupon.id, "template_id": coupon.template_id, "programme": coupon.programme.slug,
            "name": t.name, "kind": t.kind, "value": str(t.value), "min_spend": format_money(t.min_spend),
            "status": coupon.status(clock.now()), "valid_from": iso(coupon.valid_from),
            "valid_until": iso(coupon.valid_until), "used_order_id": coupon.used_order_id}


def template_json(t) -> dict:
    """A coupon template."""
    return {"id": t.id, "name": t.name, "kind": t.kind, "value": str(t.value), "min_spend": format_money(t.min_spend),
            "max_discount": format_money(t.max_discount) if t.max_discount is not None else None,
            "exclude_sale_items": t.exclude_sale_items, "stock": t.stock, "issued": t.issued,
            "per_member_limit": t.per_member_limit, "valid_days": t.valid_days, "valid_from": iso(t.valid_from),
            "valid_until": iso(t.valid_until), "claimable": t.claimable, "points_price": t.points_price,
            "funded_by": t.funded_by, "active": t.is_active}


def programme_or_404(tenant):
    """The tenant's programme (None: the platform's), or a 404 when it has none."""
    programme = programme_for(tenant)
    if programme is None:
        abort(404, description=_("This shop has no loyalty programme."))
    return programme


def _document_reply(programme):
    return {"programme": {**programme.document, "version": programme.version}}


# --- programmes -------------------------------------------------------------------------------

@bp.route("/shops/<shop>/programme", methods=["GET"])
@documented(response=docs.ProgrammeReply)
@staff_required(StaffRole.SUPPORT)
def shop_programme(shop: str):
    """The shop's programme document."""
    return jsonify(_document_reply(programme_or_404(g.tenant)))


@bp.route("/shops/<shop>/programme", methods=["PUT"])
@documented(docs.ProgrammeBody, docs.ProgrammeReply)
@staff_required(StaffRole.MANAGER)
@write
def shop_programme_put(shop: str):
    """Replace the shop's programme document (a new version)."""
    programme = save_document(g.tenant, json_body(), actor())
    return 200, _document_reply(programme)


@bp.route("/platform/programme", methods=["GET"])
@documented(response=docs.ProgrammeReply)
@operator_required
def platform_programme_get():
    """The platform programme document."""
    return jsonify(_document_reply(programme_or_404(None)))


@bp.route("/platform/programme", methods=["PUT"])
@documented(docs.ProgrammeBody, docs.ProgrammeReply)
@operator_required
@write
def platform_programme_put():
    """Replace the platform programme document (a new version)."""
    return 200, _document_reply(save_document(None, json_body(), actor()))


# --- memberships, points, check-in --------------------------------------------------------------

@bp.route("/shops/<shop>/join", methods=["POST"])
@documented(response=docs.MembershipReply, created=True)
@login_required
@write
def join_shop(shop: str):
    """Join a shop's programme (201, or 200 when already a member)."""
    programme = programme_or_404(open_shop_or_404(shop))
    member, created = join_programme(programme, actor())
    return (201 if created else 200), {"membership": membership_json(member)}


@bp.route("/me/memberships", methods=["GET"])
@documented(response=docs.MembershipsReply)
@login_required
def my_memberships():
    """Every programme the shopper belongs to."""
    return jsonify({"items": [membership_json(m) for m in memberships_of(actor())]})


def _programme_by_name(name):
    if name == PLATFORM:
        return programme_for(None)
    if not isinstance(name, str):
        return None
    tenant = resolve_tenant(name)
    return programme_for(tenant)


def _programme_of_body(data: dict):
    """The programme a request body names ("programme": a shop's slug or "platform", the default); 422 if none."""
    programme = _programme_by_name(data.get("programme", PLATFORM))
    if programme is None:
        raise FieldErrors(_("No such programme."), {"programme": [_("Give a shop's slug or platform.")]})
    return programme


def entry_json(e: PointsEntry) -> dict:
    """A points ledger row."""
    return {"delta": e.delta, "kind": e.kind, "status": e.bucket, "created_at": iso(e.created_at),
            "expires_at": iso(e.expires_at), "order_id": e.order_id, "reason": e.reason}


@bp.route("/me/points", methods=["GET"])
@documented(response=docs.PointsReply)
@login_required
def my_points():
    """Balances and history of one programme (?programme=<slug>|platform)."""
    programme = _programme_by_name(request.args.get("programme", PLATFORM))
    member = membership(programme, actor()) if programme else None
    if member is None:
        abort(404, description=_("You are not a member of this programme."))
    rows = db.session.execute(
        db.select(PointsEntry).filter_by(membership_id=member.id).order_by(*ledger.HISTORY_ORDER)
        .limit(PAGE).offset((page_number() - 1) * PAGE)
    ).scalars()
    return jsonify({"available": member.points_available, "pending": member.points_pending,
                    "items": [entry_json(e) for e in rows]})


@bp.route("/me/check-in", methods=["POST"])
@documented(docs.CheckInBody, docs.CheckInReply, created=True)
@login_required
@write
def my_check_in():
    """Daily check-in in a programme; 409 when already done today."""
    programme = _programme_of_body(docs.CheckInBody().load(json_body()))
    points, streak = check_in(programme, actor())
    return 201, {"points": points, "streak": streak}


def purchase_json(p) -> dict:
    """A paid tier purchase."""
    return {"tier": p.tier_code, "fee": format_money(p.fee), "paid_with": p.paid_with,
            "wallet_bonus": format_money(p.wallet_bonus), "wallet_cash": format_money(p.wallet_cash),
            "gateway_paid": format_money(p.gateway_paid), "starts_at": iso(p.starts_at), "ends_at": iso(p.ends_at)}


@bp.route("/me/paid-tier", methods=["POST"])
@documented(docs.PaidTierBody, docs.PurchaseReply, created=True)
@login_required
@write
def buy_paid_tier():
    """Buy or renew a paid tier (the platform's Plus by default) from the wallet or through the gateway."""
    data = docs.PaidTierBody().load(json_body())
    purchase = paid_tiers.buy(_programme_of_body(data), actor(), data["tier"], data["pay_with"], request_key(),
                              data["payment_token"])
    return 201, {"membership": membership_json(purchase.membership), "purchase": purchase_json(purchase)}


@bp.route("/shops/<shop>/members/<int:user_id>/points/adjust", methods=["POST"])
@documented(docs.PointsAdjustBody, docs.MembershipReply)
@staff_required(StaffRole.MANAGER)
@write
def adjust_points(shop: str, user_id: int):
    """Add or take points with a reason (audited by its ledger row)."""
    data = docs.PointsAdjustBody().load(json_body())
    if data["delta"] == 0:
        raise ValidationError({"delta": [_("Must not be zero.")]})
    member = _member_or_404(user_id)
    key = f"adjust:{member.id}:{request_key()}"
    if data["delta"] > 0:
        ledger.credit(member, data["delta"], "adjust", key, reason=data["reason"], actor=actor(), funded_by="shop")
    else:
        if -data["delta"] > member.points_available:
            raise FieldErrors(_("Not enough points."), {"delta": [
                _("The member has %(n)d points available.", n=member.points_available)]})
        ledger.debit(member, -data["delta"], "adjust", key, reason=data["reason"], actor=actor())
    record("points.adjusted", member.user.email, actor=actor(), tenant=g.tenant, delta=data["delta"],
           reason=data["reason"], membership_id=member.id)
    return 200, {"membership": membership_json(member)}


def _member_or_404(user_id: int) -> Membership:
    programme = programme_or_404(g.tenant)
    user = db.session.get(User, user_id)
    member = membership(programme, user) if user else None
    if member is None:
        abort(404)
    return member


@bp.route("/shops/<shop>/members", methods=["GET"])
@documented(response=docs.MembersReply)
@staff_required(StaffRole.SUPPORT)
def members(shop: str):
    """The shop's members: ?level=, ?activity=active|intermittent|sleeping, ?min_spend=, ?asleep_days=, ?q=."""
    programme = programme_or_404(g.tenant)
    select = member_select(programme, MemberFilter.from_args(request.args))
    total = db.session.execute(db.select(db.func.count()).select_from(select.order_by(None).subquery())).scalar()
    rows = db.session.execute(select.limit(PAGE).offset((page_number() - 1) * PAGE)).scalars()
    return jsonify({"items": [{"user_id": m.user_id, "name": m.user.name, **membership_json(m)} for m in rows],
                    "total": total})


@bp.route("/shops/<shop>/members/<int:user_id>", methods=["GET"])
@documented(response=docs.MemberDetailReply)
@staff_required(StaffRole.SUPPORT)
def member_detail(shop: str, user_id: int):
    """One member with their orders in this shop."""
    member = _member_or_404(user_id)
    orders = db.session.execute(
        db.select(Order).where(Order.tenant_id == g.tenant.id, Order.user_id == user_id).order_by(Order.id.desc())
        .limit(PAGE)
    ).scalars()
    return jsonify({"membership": membership_json(member), "user_id": user_id, "name": member.user.name,
                    "orders": [order_json(o) for o in orders]})


# --- wallet -----------------------------------------------------------------------------------

def _wallet_reply(user):
    wallet = wallet_for(user)
    rows = db.session.execute(
        db.select(WalletEntry).filter_by(wallet_id=wallet.id).order_by(*wallet_ledger.HISTORY_ORDER)
        .limit(PAGE).offset((page_number() - 1) * PAGE)
    ).scalars()
    items = [{"balance": e.balance, "delta": format_money(e.delta), "kind": e.kind, "order_id": e.order_id,
              "reason": e.reason if e.kind == "adjust" else None, "created_at": iso(e.created_at)} for e in rows]
    return {**wallet_json(wallet), "items": items}


@bp.route("/me/wallet", methods=["GET"])
@documented(response=docs.WalletHistoryReply)
@login_required
def my_wallet():
    """Cash and bonus balances with the latest movements."""
    reply = _wallet_reply(actor())
    db.session.commit()  # the wallet may just have been created
    return jsonify(reply)


@bp.route("/me/wallet/top-up", methods=["POST"])
@documented(docs.TopUpBody, docs.WalletReply)
@login_required
@write
def my_top_up():
    """Top the cash balance up through the simulated gateway."""
    data = docs.TopUpBody().load(json_body())
    wallet = top_up(actor(), data["amount"], data["payment_token"], request_key())
    return 200, {"wallet": wallet_json(wallet)}


@bp.route("/platform/users/<int:user_id>/wallet/adjust", methods=["POST"])
@documented(docs.WalletAdjustBody, docs.WalletReply)
@operator_required
@write
def wallet_adjust(user_id: int):
    """Credit or debit a user's wallet with a reason."""
    from plugins.loyalty.wallet import move

    data = docs.WalletAdjustBody().load(json_body())
    amount = parse_amount(data["amount"], allow_negative=True)
    user = db.session.get(User, user_id) or abort(404)
    wallet = wallet_for(user)
    if amount < 0 and -amount > getattr(wallet, data["balance"]):
        raise FieldErrors(_("Not enough balance."), {"amount": [_("The %(b)s balance is %(v)s.", b=data["balance"],
                                                                   v=getattr(wallet, data["balance"]))]})
    key = f"adjust:{wallet.id}:{request_key()}"
    move(wallet, data["balance"], amount, "adjust", key, reason=data["reason"], actor=actor(), funded_by="platform")
    record("wallet.adjusted", user.email, actor=actor(), amount=str(amount), balance=data["balance"],
           reason=data["reason"])
    return 200, {"wallet": wallet_json(wallet)}


# --- segments ---------------------------------------------------------------------------------
