"""Domain errors of the cases app; ``casework/api`` maps them to HTTP answers."""

from __future__ import annotations


class CaseInputError(ValueError):
    """A value the caller gave cannot be accepted: answered as a 422 naming ``field``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class TransitionRefusedError(Exception):
    """The case cannot make this change now: answered as a 409 with the reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CaseRefusedError(Exception):
    """The policy does not let this requester do this (R27): answered as a 403 with the
    policy's reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
