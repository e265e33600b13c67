"""Stored policy versions: the Django side of casework.policy (which stays pure)."""
