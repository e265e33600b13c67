"""Customers and people: organisations, their plan subscription, contacts, staff, API tokens."""
