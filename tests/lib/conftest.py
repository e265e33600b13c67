"""The lib tests run on the accounts fixtures: both packs loaded and a customer on each."""

from tests.accounts.conftest import acme, packs

__all__ = ["acme", "packs"]
