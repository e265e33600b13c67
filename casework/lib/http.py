"""HTTP helpers shared by the API's intake endpoints."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.errors import HttpError


def body_within(request: HttpRequest, *, limit: int, what: str) -> bytes:
    """The request body, refused with a 413 naming ``what`` when it is over ``limit`` bytes:
    by its declared length before anything is read, else after reading one byte more than
    the limit (a chunked body declares none). May be empty."""
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > limit:
        raise HttpError(413, f"the {what} is over {limit} bytes")
    payload = request.read(limit + 1)
    if len(payload) > limit:
        raise HttpError(413, f"the {what} is over {limit} bytes")
    return payload
