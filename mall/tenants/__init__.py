"""Tenants (shops): the model, staff roles, per-request resolution and scoped queries."""
