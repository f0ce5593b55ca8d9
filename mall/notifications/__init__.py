"""Notifications: messages to a user, kept as rows; the in-app inbox shows them in the reader's language."""
