"""`flask loyalty …`: tick (the core tick with the loyalty rules) and audit."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from mall import clock
from mall.cli import IsoDateTime, run_tick


@click.group("loyalty")
def loyalty_cli():
    """Loyalty programme operations."""


@loyalty_cli.command("tick")
@click.option("--at", "at", type=IsoDateTime(), default=None, help="Act as of this moment (default: now).")
@click.option("--dry-run", is_flag=True, help="Report what would happen and change nothing.")
@with_appcontext
def tick(at, dry_run: bool):
    """Settle orders, release pending points, expire points, end level periods, issue scheduled coupons."""
    at = at or clock.now()
    report = run_tick(at, dry_run=dry_run)
    prefix = "[dry run] would have: " if dry_run else ""
    click.echo(f"{prefix}tick at {at.isoformat()}: " + ", ".join(f"{k}={v}" for k, v in sorted(report.items())))


@loyalty_cli.command("audit")
@with_appcontext
def audit():
    """Check every ledger invariant; exit 1 naming each violation."""
    from plugins.loyalty.audit import violations

    found = violations()
    for line in found:
        click.echo(f"VIOLATION {line}", err=True)
    if found:
        raise SystemExit(1)
    click.echo("All loyalty invariants hold.")
