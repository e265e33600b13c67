"""What the accounts commands share: service errors as one-line command errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NoReturn

from django.core.management.base import CommandError

from casework.api.errors import FieldError


def fail(error: FieldError, labels: Mapping[str, str]) -> NoReturn:
    """Stop the command with ``error`` as one line on stderr and exit status 1.

    ``labels`` maps the service's field names to what the user typed (``organization`` →
    ``--org``), so the message points at the argument to fix.
    """
    label = labels.get(error.field.split(".")[0], error.field)
    raise CommandError(f"{label}: {error.msg}")
