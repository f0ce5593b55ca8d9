"""`flask mall …` commands: create-operator, tick, demo, worker."""

from __future__ import annotations

from functools import partial

import click
from flask import current_app
from flask.cli import with_appcontext

from mall import clock, signals
from mall.errors import FieldErrors
from mall.extensions import db


class IsoDateTime(click.ParamType):
    """An ISO 8601 timestamp (a date alone means midnight UTC; no offset means UTC)."""

    name = "ISO-DATETIME"

    def convert(self, value, param, ctx):
        try:
            return clock.parse_iso(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not an ISO 8601 date-time, e.g. 2026-12-01T00:00:00+08:00", param, ctx)


@click.group("mall")
def mall_cli():
    """Mall operations."""


@mall_cli.command("create-operator")
@click.argument("email")
@click.argument("password")
@click.option("--name", default="Operator", show_default=True)
@with_appcontext
def create_operator(email: str, password: str, name: str):
    """Create a platform operator (or promote an existing account)."""
    from mall.accounts.operations import create_operator as make

    try:
        user = make(email, password, name)
    except FieldErrors as exc:
        db.session.rollback()
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
        raise click.ClickException(f"{exc.message} {details}".strip()) from None
    db.session.commit()
    click.echo(f"Operator {user.email} is ready (id {user.id}).")


def run_tick(at, dry_run: bool = False) -> dict:
    """Do everything time-driven as of `at`; each effect happens once however often it runs.

    Each shop's work is its own transaction (`mall.tenant_work`): one shop's failure is rolled
    back and listed in the report's `failed` while the others commit; a later tick finishes it.
    """
    from mall.orders.operations import settle_due_orders
    from mall.tenant_work import TickReport, in_own_transaction

    # The shops' batches commit or roll back one by one: what the caller wrote before the tick
    # is committed first, so no shop's outcome decides it (from the command line there is none).
    db.session.commit()
    report = TickReport()
    # Inside the frozen moment: jobs a batch queues (pushes it started, deliveries) run after its
    # commit, and those the embedded queue runs inline see the same "now" as the tick.
    app = current_app._get_current_object()
    with clock.frozen_at(at):
        report["orders_settled"] = len(settle_due_orders(clock.now(), dry_run=dry_run, report=report))
        # Each receiver commits its shops' batches itself; it is also run as a batch of its own, so
        # what it left outside them commits after it, and an error it let out stops no other receiver.
        for receiver in list(signals.tick.receivers_for(app)):
            step = partial(receiver, app, at=clock.now(), dry_run=dry_run, report=report)
            name = f"{receiver.__module__}.{getattr(receiver, '__qualname__', type(receiver).__name__)}"
            in_own_transaction(report, name, step, dry_run=dry_run)
    return report


@mall_cli.command("tick")
@click.option("--at", "at", type=IsoDateTime(), default=None, help="Act as of this moment (default: now).")
@click.option("--dry-run", is_flag=True, help="Report what would happen and change nothing.")
@with_appcontext
def tick(at, dry_run: bool):
    """Settle orders whose return window has passed, then run the plugins' time-driven work."""
    from mall.jobs import backend

    at = at or clock.now()
    report = run_tick(at, dry_run=dry_run)
    if hasattr(backend(), "join"):
        backend().join()  # without Redis the jobs the tick queued (deliveries, pushes) run in this process
    prefix = "[dry run] would have: " if dry_run else ""
    click.echo(f"{prefix}tick at {at.isoformat()}: " + ", ".join(f"{k}={v}" for k, v in sorted(report.items())))
    for owner, error in sorted(report.failed.items()):
        click.echo(f"failed, rolled back (the next tick tries again): {owner}: {error}", err=True)
    if report.failed:
        raise SystemExit(1)


@mall_cli.command("demo")
@click.option("--reset", is_flag=True, help="Delete all data first (asks for confirmation).")
@click.option("--members", type=click.IntRange(0, 100_000), default=2000, show_default=True,
              help="Members with months of orders, refunds, reviews, check-ins and pushes (0: only the named ones).")
@click.option("--days", type=click.IntRange(30, 300), default=183, show_default=True, help="Days of orders.")
@with_appcontext
def demo(reset: bool, members: int, days: int):
    """Load the demo mall (once) and print the URL and logins."""
    import time

    from mall.demo import Volume, load_demo, print_logins

    if reset:
        click.confirm("Delete every row in the database and load the demo again?", abort=True)
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
    started = time.perf_counter()
    loaded = load_demo(Volume(members=members, days=days))
    from mall.jobs import backend

    if hasattr(backend(), "join"):
        backend().join()  # let the embedded queue finish the demo's jobs (its push) before the command ends
    click.echo(f"Demo data loaded in {time.perf_counter() - started:.0f} s." if loaded
               else "Demo data is already there.")
    print_logins()


@mall_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--fork/--no-fork", default=True, show_default=True,
              help="Run each job in a forked work horse (isolated; the default) or in the worker process itself "
                   "(no fork per job: faster for many small jobs).")
@with_appcontext
def worker(burst: bool, fork: bool):
    """Run an RQ worker for the mall's queue (needs REDIS_URL); it first queues again work a dead worker left."""
    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set; without Redis jobs run on the embedded queue.")
    from rq import SimpleWorker, Worker

    from mall import jobs

    backend = current_app.extensions["mall_queue"]
    for name, count in jobs.recover().items():
        if count:
            click.echo(f"{name}: queued again {count}")
    jobs.prepare_worker(current_app._get_current_object())
    worker_class = Worker if fork else SimpleWorker
    worker_class([backend.queue], connection=backend.connection).work(burst=burst)
