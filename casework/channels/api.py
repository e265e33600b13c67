"""``POST /api/v1/intake/email``: a raw MIME message posted by a mail service.

Bearer token of a staff user with the ``admin`` role (mail services get a token of their
own: ``casework token create`` for an admin account); the body is the message itself,
``Content-Type: message/rfc822``. 201 with ``{id, status, reason, case}`` for a new
message, 200 with the first row for a duplicate Message-ID, 413 over
``CASEWORK_EMAIL_MAX_BYTES`` (before anything is stored), 429 with ``Retry-After`` past
the SMTP listener's limit per sender (``CASEWORK_SMTP_RATE_LIMIT``; nothing stored: the mail
service sends it again later)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from casework.accounts.models import StaffRole
from casework.accounts.selectors import NoRoleError, user_role
from casework.api.auth import BearerTokenAuth
from casework.api.errors import FieldError, TooManyRequestsError
from casework.channels.email import EMAIL
from casework.channels.email.intake import email_receive, raw_status, sender_rate_hit
from casework.lib.http import body_within

router = Router(tags=["intake"], auth=BearerTokenAuth())


class RawInboundOut(Schema):
    """A stored input and where it stands."""

    id: int
    status: str
    reason: str
    case: str | None


def _admin(request: HttpRequest) -> None:
    user: User = request.auth  # type: ignore[attr-defined]
    try:
        role = user_role(user)
    except NoRoleError:
        role = ""
    if role != StaffRole.ADMIN:
        raise HttpError(403, "only an administrator's token may post mail")


def _body(request: HttpRequest) -> bytes:
    payload = body_within(request, limit=EMAIL.max_bytes, what="message")
    if not payload:
        raise FieldError("body", "the message is empty")
    if request.content_type != "message/rfc822":
        raise HttpError(415, "expected Content-Type: message/rfc822")
    return payload


@router.post(
    "/intake/email", response={200: RawInboundOut, 201: RawInboundOut}, operation_id="intake_email"
)
def intake_email(request: HttpRequest) -> Status[dict[str, object]]:
    """Store, then process, one raw MIME message (STYLE §3.5: nothing is lost)."""
    _admin(request)
    payload = _body(request)
    decision = sender_rate_hit(payload=payload, at=timezone.now())
    if not decision.allowed:
        raise TooManyRequestsError(
            f"too many messages from this sender; retry in {decision.retry_after} s",
            retry_after=decision.retry_after,
        )
    peer = str(request.META.get("REMOTE_ADDR", ""))
    stored = email_receive(payload=payload, source=f"http {peer}")
    return Status(201 if stored.created else 200, raw_status(stored.raw))
