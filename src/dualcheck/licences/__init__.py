"""Licences and their balances, registrations for general authorisations, holds on transactions."""
