"""Platform super-admin: tenants and users."""
