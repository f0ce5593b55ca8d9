"""The audit log: every staff and operator change, written in the same transaction as the change."""
