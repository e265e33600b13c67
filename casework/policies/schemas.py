"""API shapes of the policies app."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema
from pydantic import AwareDatetime, field_validator

# Ids as the policy language allows them: also keeps NUL bytes and the like away from the
# database (PostgreSQL refuses NUL in text, SQLite would store it).
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class PreviewIn(Schema):
    """``POST /policy/preview``: the clocks a case opened then would get, and their due times."""

    policy: str = Field(..., pattern=ID_PATTERN, max_length=64, description="Policy id: liveops")
    plan: str = Field(..., pattern=ID_PATTERN, max_length=64, description="Plan id in the policy")
    priority: str = Field(..., pattern=ID_PATTERN, max_length=64, description="Priority id")
    opened_at: AwareDatetime = Field(..., description="ISO 8601 instant with a UTC offset")
    version: int | None = Field(None, ge=1, description="Stored version (default: latest)")
    timezone: str | None = Field(
        None, description="The account's IANA time zone, for calendars counted in it (G2)"
    )

    @field_validator("opened_at", mode="before")
    @classmethod
    def _iso_text_only(cls, value: object) -> object:
        # pydantic would read a bare number as a Unix timestamp; the API takes ISO 8601 only.
        if not isinstance(value, str):
            raise ValueError("expected an ISO 8601 instant with a UTC offset, as text")
        return value


class TargetOut(Schema):
    """A clock that starts at opening."""

    metric: str
    calendar: str
    duration: str = Field(..., description="ISO 8601 duration; business days as days (P3D)")
    description: str = Field(..., description="The target in words, e.g. '3 business days'")
    due_at: str = Field(..., description="UTC, ISO 8601 with offset")


class PreviewOut(Schema):
    """The clocks and due times of a case opened at ``opened_at``."""

    policy: str
    version: int
    label: str
    plan: str
    priority: str
    opened_at: str
    targets: list[TargetOut]


class PolicyOut(Schema):
    """A loaded policy version with its plans, priorities, targets and calendars."""

    id: str
    name: str
    version: int
    label: str
    sha256: str
    loaded_at: str
    page: str
    summary: str | None
    timezone: str
    default_calendar: str
    calendars: dict[str, Any]
    tiers: dict[str, Any]
    channels: dict[str, Any]
    priorities: dict[str, Any]
    plans: dict[str, Any]
    rules: dict[str, Any]
