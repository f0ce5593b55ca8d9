"""The simulation job: read the history once, replay both sides in memory, store the result in the one row."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import selectinload

from mall import clock
from mall.accounts.models import User
from mall.extensions import db
from mall.orders.models import Order, OrderStatus
from plugins.loyalty.checkout.models import OrderCredit
from plugins.loyalty.members.models import Membership
from plugins.loyalty.programmes.models import Rules
from plugins.loyalty.programmes.operations import rules
from plugins.loyalty.rules.operations import points_mall_variants
from plugins.loyalty.simulations.models import Simulation
from plugins.loyalty.simulations.operations import History, compare, months_before


def load_history(programme, months: int, until=None) -> History:
    """The programme's members and the orders settled in the last `months` months that earned in it (read only)."""
    until = until or clock.now()
    since = months_before(until, months)
    members = db.session.execute(
        db.select(Membership.id, Membership.user_id, User.name, Membership.joined_at)
        .join(User, User.id == Membership.user_id)
        .where(Membership.programme_id == programme.id, Membership.joined_at <= until).order_by(Membership.id)).all()
    joined = {user_id: joined_at for _id, user_id, _name, joined_at in members}
    query = (db.select(Order).options(selectinload(Order.lines), selectinload(Order.payments))
             .where(Order.settled_at.is_not(None), Order.settled_at > since, Order.settled_at <= until,
                    Order.paid_at.is_not(None), Order.status != OrderStatus.REFUNDED,
                    Order.user_id.in_(list(joined) or [0])).order_by(Order.paid_at, Order.id))
    if not programme.is_platform:
        query = query.where(Order.tenant_id == programme.tenant_id)
    # An order earns in a programme only when the shopper belonged to it when paying.
    orders = [o for o in db.session.execute(query).scalars() if joined[o.user_id] <= o.paid_at]
    ids = [m[0] for m in members]
    redeemed = {(order_id, member_id): points for order_id, member_id, points in db.session.execute(
        db.select(OrderCredit.order_id, OrderCredit.membership_id, OrderCredit.points_redeemed)
        .where(OrderCredit.membership_id.in_(ids or [0]), OrderCredit.points_redeemed > 0))}
    mall = {o.id: found for o in orders if (found := points_mall_variants(o))}
    return History(programme, orders, [tuple(m) for m in members], redeemed, since, until, mall)


def run_simulation(simulation_id: int) -> None:
    """Job: replay the current version and the draft; progress and the result go to the simulation's row only."""
    moved = db.session.execute(update(Simulation).where(Simulation.id == simulation_id, Simulation.status == "queued")
                               .values(status="running").execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        db.session.rollback()
        return  # run before
    db.session.commit()
    # Progress commits as it goes; the history read once stays loaded (a job's session is its own).
    db.session.expire_on_commit = False
    sim = db.session.get(Simulation, simulation_id)
    history = load_history(sim.programme, sim.months)

    def progress(done: int, total: int) -> None:
        db.session.execute(update(Simulation).where(Simulation.id == simulation_id)
                           .values(progress=min(99, done * 100 // max(total, 1))))
        db.session.commit()

    try:
        result = compare(history, rules(sim.programme), Rules(sim.document), progress)
    except Exception:
        db.session.rollback()
        db.session.execute(update(Simulation).where(Simulation.id == simulation_id)
                           .values(status="failed", finished_at=clock.now()))
        db.session.commit()
        raise
    sim = db.session.get(Simulation, simulation_id)
    sim.result, sim.status, sim.progress, sim.finished_at = result, "done", 100, clock.now()
    db.session.commit()
