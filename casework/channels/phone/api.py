"""``POST /api/v1/intake/calls``: a phone system posts each call record (R43, R32, G6).

Auth: a bearer token of a **staff** user (``casework token create`` for a dedicated
``phone-system`` staff account); a contact's token is refused (403). The record is stored
first (``RawInbound``, deduplicated by ``from|started_at``), then processed by the one intake
service: it opens a case (channel ``phone``) or joins an open one, or is held with the reason
when neither the caller id nor the number dialled is known. A record that cannot be read is
kept as failed too, and answered 422 naming the field. Rate- and size-limited.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from casework.accounts.selectors import user_organization
from casework.api.auth import BearerTokenAuth
from casework.api.errors import FieldError, TooManyRequestsError
from casework.channels.phone.channel import PHONE
from casework.channels.phone.parse import CallFieldError
from casework.channels.phone.services import phone_call_from_raw
from casework.channels.services import raw_inbound_process, raw_inbound_store
from casework.lib.ratelimit import rate_limit_hit

router = Router(tags=["intake"], auth=BearerTokenAuth())

# Every channel is rate-limited: a phone system posts one record per call.
CALLS_PER_MINUTE = 600


class CallIn(Schema):
    """A call record, as documented for the OpenAPI schema (the body is read by
    ``casework.channels.phone.parse.call_parse``, which names a bad field)."""

    from_: str = Field(alias="from", description="The caller id (E.164)")
    to: str
    started_at: str
    ended_at: str | None = None
    recording_url: str | None = None
    case: str | None = None


class CallOut(Schema):
    """What became of the call record: ``status`` processed (``case`` opened or joined),
    held (``reason``: nobody known) or failed (``reason``)."""

    id: int
    status: str
    reason: str
    case: str | None


def _gate(request: HttpRequest) -> User:
    user: User = request.auth  # type: ignore[attr-defined]
    if user_organization(user) is not None:
        raise HttpError(403, "only the phone system's staff token may post calls")
    decision = rate_limit_hit(
        f"intake:phone:{user.pk}", limit=CALLS_PER_MINUTE, window=timedelta(minutes=1),
        at=timezone.now(),
    )  # fmt: skip
    if not decision.allowed:
        raise TooManyRequestsError(
            f"too many call records; retry in {decision.retry_after} s",
            retry_after=decision.retry_after,
        )
    return user


@router.post(
    "/intake/calls", response={200: CallOut, 201: CallOut}, openapi_extra={"requestBody": {
        "content": {"application/json": {"schema": CallIn.model_json_schema()}}}},
)  # fmt: skip
def intake_call(request: HttpRequest) -> Status[dict[str, object]]:
    """Store and process one call record: 201 when stored now, 200 for a record already
    received (the same ``from`` and ``started_at``), 422 naming a field it cannot read."""
    user = _gate(request)
    if len(request.body) > PHONE.max_bytes:
        raise HttpError(413, f"a call record is at most {PHONE.max_bytes} bytes")
    now = timezone.now()
    stored = raw_inbound_store(
        channel=PHONE, payload=request.body, source=f"api:{user.username}", received_at=now
    )
    raw = raw_inbound_process(stored.raw, at=now)
    phone_call_from_raw(raw=raw, at=now)  # R46–R47: billable or not, under the case's plan
    try:
        PHONE.parse(request.body, received_at=now)
    except CallFieldError as error:  # kept as failed with the reason; the caller is told
        raise FieldError(error.field, error.message) from None
    out = {
        "id": raw.pk, "status": raw.status, "reason": raw.reason,
        "case": raw.case.number if raw.case is not None else None,
    }  # fmt: skip
    return Status(201 if stored.created else 200, out)
