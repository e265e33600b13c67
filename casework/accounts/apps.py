"""The accounts app: who the customers are, who works the cases, and how they sign in."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Organisations, subscriptions, service accounts, products, contacts, staff, API tokens."""

    name = "casework.accounts"
    verbose_name = "Accounts"
