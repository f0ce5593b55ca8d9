"""Platform accounts: registration, login, profile, API tokens, operators."""
