"""The shopper's cart across shops."""
