"""The merchant's member list and member page: filters, CSV export, tags and notes, coupons, bulk actions."""

from __future__ import annotations

import csv
import io
import uuid
from urllib.parse import parse_qsl

from flask import Response, flash, g, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound
from wtforms.fields.choices import SelectChoice

from mall import clock, idempotency
from mall.boundary import commits
from mall.errors import Conflict, FieldErrors
from mall.extensions import db
from mall.form_numbers import object_id
from mall.forms import show_field_errors
from mall.i18n import localized
from mall.orders.models import Order
from mall.pagination import paginate
from mall.tenants.access import actor, staff_required
from mall.tenants.models import StaffRole
from plugins.loyalty import keys
from plugins.loyalty.coupons.models import Coupon, CouponTemplate
from plugins.loyalty.members.forms import AdjustForm
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import effective_tier
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.points.models import PointsEntry
from plugins.loyalty.programmes.operations import get_in_programme_or_404, rules
from plugins.loyalty.roster import operations as roster
from plugins.loyalty.roster.forms import BULK_ACTIONS, BulkForm, CouponForm, NoteForm, TagForm
from plugins.loyalty.segments.operations import activity_of, days_asleep, spend_of
from plugins.loyalty.segments.schemas import ACTIVITY, MAX_ASLEEP_DAYS
from plugins.loyalty.web.blueprints import merchant_bp, shop_programme

#: What a staff member reads when a coupon is not sent, by refusal code (the shopper's wording says "you").
NOT_SENT = {"coupon_limit": lambda name: _("%(name)s already has as many of these coupons as allowed.", name=name),
            "coupon_out_of_stock": lambda name: _("This coupon is sold out.")}


#: The list's query arguments, kept when a bulk action returns to it.
LIST_ARGS = ("q", "level", "tag", "activity", "min_spend", "asleep_days", "segment", "points_min", "points_max",
             "joined_from", "joined_to", "ordered_from", "ordered_to", "rfm", "page")


def _filter_args() -> dict:
    """The list's query arguments without the page number, to carry into links and the export."""
    return {k: v for k, v in request.args.items() if k != "page" and v.strip()}


@merchant_bp.route("/members")
@staff_required(StaffRole.SUPPORT)
def members(shop: str):
    """Members filtered by tier, tag, activity, spend, points, joined and last order dates; a malformed value is
    left out, with its message; managers select members for a bulk action."""
    programme = shop_programme()
    lf, errors = roster.parse_filter(request.args, g.tenant)
    page = paginate(roster.list_select(programme, lf))
    form, ids = BulkForm(formdata=None), [m.id for m in page.items]
    return render_template("loyalty/members/merchant_members.html", shop=g.tenant, page=page, f=lf.base, lf=lf,
                           errors=errors, tiers=rules(programme).tiers, activities=ACTIVITY,
                           spend=spend_of(programme, page.items), tags=roster.tags_by_member(ids),
                           shop_tags=roster.shop_tags(g.tenant), activity_of=activity_of, days_asleep=days_asleep,
                           tier_of=effective_tier, max_asleep_days=MAX_ASLEEP_DAYS, form=form,
                           args=_filter_args()), 422 if errors else 200


def _csv(programme, select) -> Response:
    """The members of a select as a CSV download: UTF-8 with a BOM (so Excel reads Chinese), streamed."""
    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")
        writer.writerow(roster.export_header())
        for row in roster.export_rows(programme, select, g.tenant):
            writer.writerow(row)
            if buffer.tell() > 16_384:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    day = clock.local_date(clock.zone_of(g.tenant)).isoformat()
    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="members-{g.tenant.slug}-{day}.csv"'})


@merchant_bp.route("/members/export")
@staff_required(StaffRole.SUPPORT)
def members_export(shop: str):
    """The filtered list as CSV (the same filters as the list; a malformed one sends back to the list's message)."""
    programme = shop_programme()
    lf, errors = roster.parse_filter(request.args, g.tenant)
    if errors:
        return redirect(url_for("loyalty_merchant.members", shop=shop, **_filter_args()))
    return _csv(programme, roster.list_select(programme, lf))


def _member_or_404(user_id: int) -> Membership:
    return get_in_programme_or_404(Membership, user_id, shop_programme(), by="user_id")


def _coupon_choices(templates) -> list[SelectChoice]:
    """The coupons a page offers to send, by name, with how many are left when the stock is limited."""
    def label(t):
        name = localized(t, "name")
        return name if t.stock is None else _("%(name)s (%(n)d left)", name=name, n=t.stock - t.issued)

    return [SelectChoice("", _("Choose a coupon"))] + [SelectChoice(str(t.id), label(t)) for t in templates]


def _member_page(m: Membership, status: int = 200, **forms):
    """The member page, with the forms given (re-shown with their messages) and fresh ones for the others."""
    programme = shop_programme()
    templates = roster.sendable_templates(programme)
    note = roster.note_of(m)
    forms.setdefault("form", AdjustForm(formdata=None))
    forms.setdefault("tag_form", TagForm(formdata=None))
    forms.setdefault("note_form", NoteForm(formdata=None, note=note.body if note else ""))
    forms.setdefault("coupon_form", CouponForm(formdata=None))
    forms["coupon_form"].template.choices = _coupon_choices(templates)
    forms["coupon_form"].idempotency_key.data = uuid.uuid4().hex
    entries = paginate(db.select(PointsEntry).where(PointsEntry.membership_id == m.id).order_by(*ledger.HISTORY_ORDER))
    coupons = db.session.execute(db.select(Coupon).where(Coupon.programme_id == programme.id,
                                                         Coupon.user_id == m.user_id).order_by(Coupon.id.desc())
                                 .limit(20)).scalars().all()
    orders = db.session.execute(db.select(Order).where(Order.tenant_id == g.tenant.id, Order.user_id == m.user_id)
                                .order_by(Order.id.desc()).limit(20)).scalars().all()
    return render_template("loyalty/members/merchant_member.html", shop=g.tenant, m=m, tier=effective_tier(m),
                           entries=entries, coupons=coupons, orders=orders, note=note,
                           tags=roster.tags_by_member([m.id])[m.id], shop_tags=roster.shop_tags(g.tenant),
                           templates=templates, spend=spend_of(programme, [m])[m.id], activity=activity_of(m),
                           asleep=days_asleep(m), **forms), status


def _adjust(m: Membership, form: AdjustForm) -> bool:
    """Add or take the form's points with its reason (audited); False with a message when too few are available."""
    delta = form.delta.data
    try:
        ledger.adjust(m, delta, form.reason.data.strip(), keys.points_adjustment(m.id, uuid.uuid4().hex), actor(),
                      g.tenant)
    except FieldErrors as exc:
        form.delta.errors = list(exc.fields["delta"])
        return False
    flash(_("%(n)+d points for %(name)s.", n=delta, name=m.user.name), "success")
    return True


@merchant_bp.route("/members/<int:user_id>", methods=["GET", "POST"])
@staff_required(StaffRole.SUPPORT)
@commits
def member(shop: str, user_id: int):
    """A member's balances, tags, note, ledgers, coupons and orders in this shop; managers adjust points with a
    reason, tag the member, write the note and send a coupon."""
    m = _member_or_404(user_id)
    if request.method == "GET":
        return _member_page(m)
    form = AdjustForm()
    if form.validate_on_submit() and _adjust(m, form):
        return redirect(url_for("loyalty_merchant.member", shop=shop, user_id=user_id))
    return _member_page(m, 422, form=form)


def _back_to(m: Membership):
    return redirect(url_for("loyalty_merchant.member", shop=g.tenant.slug, user_id=m.user_id))


@merchant_bp.route("/members/<int:user_id>/tags", methods=["POST"])
@staff_required(StaffRole.MANAGER)
@commits
def member_tags(shop: str, user_id: int):
    """Put a tag on the member (one of the shop's, or a new one), or take one off (`remove` names its id)."""
    m = _member_or_404(user_id)
    if "remove" in request.form:
        tag = roster.find_tag(g.tenant, object_id(request.form["remove"]))
        if tag is None:
            raise NotFound()
        roster.remove_tag(m, tag, actor(), g.tenant)
        flash(_("Tag “%(tag)s” removed.", tag=tag.name), "success")
        return _back_to(m)
    form = TagForm()
    if form.validate_on_submit():
        try:
            tag = roster.tag_named(g.tenant, form.name.data)
            added = roster.add_tag(m, tag, actor(), g.tenant)
        except FieldErrors as exc:
            show_field_errors(form, exc)
            return _member_page(m, 422, tag_form=form)
        flash(_("Tag “%(tag)s” added.", tag=tag.name) if added else _("%(name)s already has this tag.",
                                                                      name=m.user.name), "success")
        return _back_to(m)
    return _member_page(m, 422, tag_form=form)


@merchant_bp.route("/members/<int:user_id>/note", methods=["POST"])
@staff_required(StaffRole.MANAGER)
@commits
def member_note(shop: str, user_id: int):
    """Write the shop's private note on the member (an empty note clears it)."""
    m = _member_or_404(user_id)
    form = NoteForm()
    if form.validate_on_submit():
        roster.save_note(m, form.note.data, actor(), g.tenant)
        flash(_("Note saved."), "success")
        return _back_to(m)
    return _member_page(m, 422, note_form=form)


def _template_or_404(raw) -> CouponTemplate:
    """The shop's coupon template named by a posted id: another shop's, or none, is a 404."""
    return get_in_programme_or_404(CouponTemplate, object_id(str(raw or "")), shop_programme())


def _refused(exc: Conflict, name: str) -> Conflict:
    """A refusal worded for the staff member sending the coupon, not for the shopper."""
    if exc.code in NOT_SENT:
        return Conflict(NOT_SENT[exc.code](name), code=exc.code)
    return exc


@merchant_bp.route("/members/<int:user_id>/coupon", methods=["POST"])
@staff_required(StaffRole.MANAGER)
@commits(back="loyalty_merchant.member")
def member_coupon(shop: str, user_id: int):
    """Send one of the shop's coupons to the member, once per form (a double submit sends one coupon)."""
    m = _member_or_404(user_id)
    form = CouponForm()
    if not form.validate_on_submit() or not form.template.data:
        form.template.errors = [_("Choose a coupon.")]
        return _member_page(m, 422, coupon_form=form)
    template = _template_or_404(form.template.data)

    def work(operation_key: str):
        coupon = roster.send_coupon(template, m, actor(), g.tenant)
        return 201, {"coupon": coupon.id}

    try:
        idempotency.run_form_once(actor().id, {"template": template.id, "member": m.id}, work)
    except Conflict as exc:
        raise _refused(exc, m.user.name) from None
    flash(_("“%(coupon)s” sent to %(name)s.", coupon=localized(template, "name"), name=m.user.name), "success")
    return _back_to(m)



def _bulk_form(programme) -> BulkForm:
    """The bulk form as posted, offering the shop's tags and the coupons it can send now."""
    form = BulkForm()
    form.tag.choices = [SelectChoice("", _("Choose a tag"))] + [
        SelectChoice(str(t.id), t.name) for t in roster.shop_tags(g.tenant)]
    form.template.choices = _coupon_choices(roster.sendable_templates(programme))
    return form


def _bulk_target(form: BulkForm):
    """The tag or coupon the confirmed action uses (a foreign id is a 404); None with the field's message."""
    action = form.action.data
    if action == "coupon":
        if not form.template.data:
            form.template.errors = [_("Choose a coupon.")]
            return None
        return _template_or_404(form.template.data)
    if action == "remove_tag":
        if not (form.tag.data or "").strip():
            form.tag.errors = [_("Choose a tag.")]
            return None
        tag = roster.find_tag(g.tenant, object_id(form.tag.data))
        if tag is None:
            raise NotFound()
        return tag
    try:
        return roster.tag_named(g.tenant, form.name.data)
    except FieldErrors as exc:
        show_field_errors(form, exc)
        return None


def _summary(action: str, outcomes: dict, label: str) -> str:
    """What a bulk action did, in one line: "sent to 12, 3 already had it"."""
    n = outcomes.get
    done = n("sent", 0) if action == "coupon" else n("done", 0)
    parts = [_("“%(coupon)s” sent to %(n)d.", coupon=label, n=done) if action == "coupon" else
             _("Tag “%(tag)s” added to %(n)d.", tag=label, n=done) if action == "add_tag" else
             _("Tag “%(tag)s” removed from %(n)d.", tag=label, n=done)]
    if n("coupon_limit") or n("unchanged"):
        parts.append(_("%(n)d already had it.", n=n("coupon_limit") or n("unchanged")) if action != "remove_tag"
                     else _("%(n)d did not have it.", n=n("unchanged")))
    if n("coupon_out_of_stock"):
        parts.append(_("%(n)d not sent: sold out.", n=n("coupon_out_of_stock")))
    if n("too_many_tags"):
        parts.append(_("%(n)d have too many tags already.", n=n("too_many_tags")))
    rest = sum(outcomes.values()) - done - sum(n(k, 0) for k in ("coupon_limit", "unchanged", "coupon_out_of_stock",
                                                                   "too_many_tags"))
    if rest:
        parts.append(_("%(n)d not sent.", n=rest))
    return " ".join(parts)


@merchant_bp.route("/members/bulk", methods=["POST"])
@staff_required(StaffRole.MANAGER)
@commits(back="loyalty_merchant.members")
def members_bulk(shop: str):
    """A bulk action on the selected members (or all on the page): exported at once; tagged or sent a coupon
    after a confirmation step that names its tag or coupon, once per confirmation."""
    programme = shop_programme()
    form = _bulk_form(programme)
    chosen = roster.selected(programme, request.form.getlist("page_ids" if request.form.get("all_on_page") else "ids"))
    action = form.action.data
    if action not in BULK_ACTIONS:
        raise FieldErrors(_("Choose what to do with the selected members."))
    if action == "export":
        return _csv(programme, roster.selected_select(programme, chosen))
    if request.form.get("confirm") != "1" or (target := _bulk_target(form)) is None:
        form.idempotency_key.data = form.idempotency_key.data or uuid.uuid4().hex
        return render_template("loyalty/members/merchant_members_confirm.html", shop=g.tenant, form=form,
                               chosen=chosen, back_url=_list_url(request.form.get("back"))), \
            422 if request.form.get("confirm") == "1" else 200

    def work(operation_key: str):
        outcomes = (roster.send_coupons(target, chosen, actor(), g.tenant) if action == "coupon" else
                    roster.tag_members(target, chosen, action == "add_tag", actor(), g.tenant))
        return 200, {"outcomes": dict(outcomes)}

    body = idempotency.run_form_once(actor().id, {"action": action, "target": target.id,
                                                  "ids": sorted(m.id for m in chosen)}, work)
    label = localized(target, "name") if action == "coupon" else target.name
    flash(_summary(action, body["outcomes"], label), "success")
    return redirect(_list_url(request.form.get("back")))


def _list_url(back) -> str:
    """The member list with the filters it was showing (carried as a query string; only the list's own names)."""
    kept = {k: v for k, v in parse_qsl(str(back or "")[:2000]) if k in LIST_ARGS and v.strip()}
    return url_for("loyalty_merchant.members", shop=g.tenant.slug, **kept)
