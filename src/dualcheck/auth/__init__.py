"""Users, roles, tenants and API tokens: one place resolves who is acting."""
