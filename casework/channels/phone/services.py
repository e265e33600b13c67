"""Phone calls as they count against a plan (R45–R48): recorded per call, billable ones
reviewed by a manager (R47, G16: never billed automatically)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction

from casework.cases.errors import CaseInputError
from casework.cases.models import Case, CaseEvent, Message
from casework.cases.services import case_phone_call_log
from casework.channels.models import (
    BillableReview,
    CallDirection,
    PhoneCall,
    RawInbound,
    RawStatus,
)
from casework.channels.phone.parse import call_parse
from casework.policies.selectors import policy_get
from casework.policy import Policy

REVIEW_DECISIONS = (BillableReview.APPROVED, BillableReview.WAIVED)


def call_billable_reason(*, policy: Policy, plan_id: str, priority: str, direction: str) -> str:
    """Why a call may be charged ("" when it may not), read from the plan's ``phone``
    channel: a customer's call outside its ``priorities`` when ``other_calls`` is
    ``billable`` (R46, R47). A call support initiates never counts (R48)."""
    if direction == CallDirection.OUTBOUND:
        return ""  # R48: support-initiated contact never uses up the plan
    plan = policy.plan(plan_id)
    channel = plan.channels.get("phone")
    if channel is None or channel.priorities is None or priority in channel.priorities:
        return ""
    if channel.other_calls != "billable":
        return ""
    return (
        f"the {plan.name} plan includes phone calls for {', '.join(channel.priorities)} only: "
        f"a {priority} call may be charged, for a manager's review (R46, R47)"
    )


@transaction.atomic
def phone_call_record(
    *,
    case: Case,
    direction: str,
    started_at: datetime,
    actor: User | None,
    at: datetime,
    caller: str = "",
    dialled: str = "",
    raw: RawInbound | None = None,
) -> PhoneCall:
    """Record one call about ``case`` under the case's plan and priority, flagged billable
    for a manager's review where the plan says so (R46, R47; never support's own, R48), and
    say so in the case's history."""
    policy = policy_get(case.policy_id, version=case.policy_version).policy
    reason = call_billable_reason(
        policy=policy, plan_id=case.plan, priority=case.priority, direction=direction
    )
    call = PhoneCall.objects.create(
        case=case, raw=raw, direction=direction, caller=caller, dialled=dialled,
        started_at=started_at, plan=case.plan, priority=case.priority, billable=bool(reason),
        billable_reason=reason, review=BillableReview.PENDING if reason else BillableReview.NONE,
    )  # fmt: skip
    CaseEvent.objects.create(
        case=case, kind="call_recorded", at=at, actor=actor, public=False,
        data={"call": call.pk, "direction": direction, "billable": call.billable,
              "reason": reason or None},
    )  # fmt: skip
    return call


def phone_call_from_raw(*, raw: RawInbound, at: datetime) -> PhoneCall | None:
    """The call a processed call record made, recorded once (an inbound call: the
    customer's); None while the record opened or joined no case (held, failed)."""
    if raw.status != RawStatus.PROCESSED or raw.case is None:
        return None
    existing = PhoneCall.objects.filter(raw=raw).first()
    if existing is not None:
        return existing
    inbound = call_parse(bytes(raw.payload), received_at=raw.received_at)
    return phone_call_record(
        case=raw.case, direction=CallDirection.INBOUND, caller=inbound.sender,
        dialled=inbound.organization_hint, started_at=inbound.notified_at or raw.received_at,
        actor=None, at=at, raw=raw,
    )  # fmt: skip


@transaction.atomic
def phone_call_review(
    *, call: PhoneCall, reviewer: User, decision: str, reason: str, at: datetime
) -> PhoneCall:
    """A manager's decision on a billable call: ``approved`` (charge) or ``waived``, with
    the reason, once (R47, G16). Raises ``CaseInputError`` naming the field."""
    if decision not in REVIEW_DECISIONS:
        raise CaseInputError("decision", "expected approved or waived")
    if not reason.strip():
        raise CaseInputError("reason", "say why")
    call = PhoneCall.objects.select_for_update().get(pk=call.pk)
    if call.review != BillableReview.PENDING:
        raise CaseInputError("decision", f"this call is not waiting for review ({call.review})")
    call.review, call.reviewed_by, call.reviewed_at = decision, reviewer, at
    call.review_reason = reason.strip()
    call.save(update_fields=["review", "reviewed_by", "reviewed_at", "review_reason"])
    CaseEvent.objects.create(
        case=call.case, kind="call_review", at=at, actor=reviewer, public=False,
        data={"call": call.pk, "decision": decision, "reason": call.review_reason},
    )  # fmt: skip
    return call


@transaction.atomic
def phone_call_log(
    *,
    case: Case,
    author: User,
    body: str,
    direction: str,
    at: datetime,
    resolved_on_call: bool = False,
) -> Message:
    """An engineer logs a call from the console: the public phone-call message (a response,
    G4; resolved on the call closes the case with the recap, R44) and the call as it counts
    against the plan, ``outbound`` (support called: never billable, R48) or ``inbound``."""
    if direction not in CallDirection.values:
        raise CaseInputError("direction", "expected inbound or outbound")
    message = case_phone_call_log(
        case=case, author=author, body=body, at=at, resolved_on_call=resolved_on_call
    )
    phone_call_record(case=case, direction=direction, started_at=at, actor=author, at=at)
    return message
