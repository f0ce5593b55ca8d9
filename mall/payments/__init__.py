"""Payments: the simulated gateway."""
