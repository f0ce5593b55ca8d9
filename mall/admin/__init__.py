"""Merchant admin: per-shop products, orders and staff."""
