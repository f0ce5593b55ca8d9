"""`flask loyalty …`: tick (the core tick with the loyalty rules) and audit."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from mall.cli import tick


@click.group("loyalty")
def loyalty_cli():
    """Loyalty programme operations."""


# The core tick already runs the loyalty rules through the tick signal; offer it under this name too.
loyalty_cli.add_command(tick, "tick")


@loyalty_cli.command("audit")
@with_appcontext
def audit():
    """Check every ledger invariant; exit 1 naming each violation."""
    from plugins.loyalty.invariants import violations

    found = violations()
    for line in found:
        click.echo(f"VIOLATION {line}", err=True)
    if found:
        raise SystemExit(1)
    click.echo("All loyalty invariants hold.")
