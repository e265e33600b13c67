"""API shapes of cases (SPEC §4 "Cases")."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import AwareDatetime, BaseModel

Environment = Literal["production", "staging", "development"]


class CaseIn(Schema):
    """``POST /cases``: open a case."""

    subject: str = Field(..., min_length=1, max_length=300)
    description: str = Field("", max_length=100_000)
    priority: str | None = Field(None, max_length=32, description="Default: the policy's (R56)")
    environment: Environment
    product: int | None = None
    category: str = Field(
        "", max_length=64, description="Topic; a higher tier's topic routes there (R38–R41)"
    )
    organization: int | None = Field(None, description="Staff only: whose case it is")
    channel: str | None = Field(None, max_length=32, description="Default: api")
    notified_at: AwareDatetime | None = Field(
        None, description="When the problem was reported, for the time-to-open clock (G6)"
    )


class MessageIn(Schema):
    """``POST /cases/{id}/messages``: a reply or an internal note; support may give an ETA."""

    body: str = Field(..., min_length=1, max_length=100_000)
    public: bool = True
    kind: Literal["reply", "phone_call"] = Field(
        "reply", description="phone_call: support logs a call with the customer (R43)"
    )
    resolved_on_call: bool = Field(
        False, description="The call resolved the case: close it, the body is the recap (R44)"
    )
    eta: AwareDatetime | None = None
    workaround: bool = False


class ReclassifyIn(Schema):
    """``POST /cases/{id}/reclassify`` (staff; R53–R55)."""

    priority: str = Field(..., min_length=1, max_length=32)
    reason: str = Field(..., min_length=1, max_length=2000)


class ElevateIn(Schema):
    """``POST /cases/{id}/elevate``."""

    tier: str = Field(..., min_length=1, max_length=16)
    reason: str = Field(..., min_length=1, max_length=2000)


class TransitionIn(Schema):
    """``POST /cases/{id}/transition``."""

    status: str = Field(..., min_length=1, max_length=32)
    note: str | None = Field(None, max_length=2000)
    exclusion: str | None = Field(None, max_length=64, description="Scope exclusion id")


# Case shapes are plain pydantic models fed with dicts (``api.case_out``): ninja's Schema reads
# every field of an object through a getter, which made a 25-case page cost several times
# its queries.


class ClockOut(BaseModel):
    """One clock of a case."""

    metric: str
    cycle: int
    state: str
    priority: str
    calendar: str
    target: str
    started_at: datetime
    due_at: datetime | None
    warn_at: datetime | None
    met_at: datetime | None
    breached_at: datetime | None
    paused_seconds: int


class CaseOut(BaseModel):
    """A case with its clocks."""

    id: int
    number: str
    organization: int
    subject: str
    description: str
    priority: str
    environment: str
    channel: str
    origin: str
    category: str
    tier: str
    status: str
    linked_from: int | None = Field(
        None, description="The closed case a late reply to which opened this one (G25, R14)"
    )
    closable: bool = Field(description="The customer said the case can be closed (R9)")
    plan: str
    policy: str
    policy_version: int
    created_at: datetime
    next_due_at: datetime | None
    clocks: list[ClockOut]


class MessageOut(Schema):
    """A message as stored."""

    id: int
    kind: str
    public: bool
    body: str
    eta: datetime | None
    workaround: bool
    resolved_on_call: bool
    followup_case: int | None = Field(
        None, description="The new case this reply opened instead of reopening (G25, R14)"
    )
    created_at: datetime


class AttachmentOut(Schema):
    """An attachment as stored; ``GET /attachments/{id}`` downloads it."""

    id: int
    case: int
    message: int | None
    filename: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime


class EventOut(Schema):
    """One entry of the append-only history."""

    id: int
    kind: str
    at: datetime
    actor: str | None
    public: bool
    data: dict[str, object]


class CasePage(BaseModel):
    """A page of cases, ordered by the next due clock; ``next`` is the cursor for the next."""

    items: list[CaseOut]
    next: str | None
