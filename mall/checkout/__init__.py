"""Checkout: quotes across shops, one order per shop, payment."""
