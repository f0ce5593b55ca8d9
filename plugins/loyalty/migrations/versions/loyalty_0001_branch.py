"""Start of the loyalty plugin's own migration branch (its tables are prefixed loyalty_).

Revision ID: loyalty_0001
Revises:
Create Date: 2026-11-22
"""

revision = "loyalty_0001"
down_revision = None
branch_labels = ("loyalty",)
depends_on = "core_0001"


def upgrade():
    """The branch point; the plugin's tables arrive in later revisions."""


def downgrade():
    """Nothing to undo at the branch point."""
