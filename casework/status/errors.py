"""Domain errors of the status app; its API and views map them to HTTP answers."""

from __future__ import annotations


class StatusInputError(ValueError):
    """A value the caller gave cannot be accepted: answered as a 422 naming ``field``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class StatusRefusedError(Exception):
    """The incident or maintenance cannot make this change now: a 409 with the reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
