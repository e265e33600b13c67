"""Phone calls as they count against a plan (R45–R48): recorded per call, billable ones
reviewed by a manager (R47, G16: never billed automatically)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction

from casework.accounts.models import Contact, Organization
from casework.accounts.selectors import subscription_terms
from casework.cases.errors import CaseInputError
from casework.cases.models import Case, CaseEvent, Message, Status
from casework.cases.services import (
    CaseDraft,
    case_assign,
    case_message_add,
    case_open,
    case_phone_call_log,
)
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
    ended_at: datetime | None = None,
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
        started_at=started_at, ended_at=ended_at, plan=case.plan, priority=case.priority,
        billable=bool(reason), billable_reason=reason,
        review=BillableReview.PENDING if reason else BillableReview.NONE,
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
    ended = dict(inbound.labels).get("ended_at")
    return phone_call_record(
        case=raw.case, direction=CallDirection.INBOUND, caller=inbound.sender,
        dialled=inbound.organization_hint, started_at=inbound.notified_at or raw.received_at,
        actor=None, at=at, raw=raw, ended_at=datetime.fromisoformat(ended) if ended else None,
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


@dataclass(frozen=True, slots=True)
class TakenCall:
    """A call an engineer logs from the console (:func:`phone_call_take`): whose it is
    (``contact`` None: an unknown caller, the organisation chosen by hand), who started it
    (``direction``, R48), when, the numbers (E.164, "" when unknown) and what was said;
    a ``recap`` means it was resolved on the call (R44)."""

    organization: Organization
    direction: str
    started_at: datetime
    said: str
    contact: Contact | None = None
    ended_at: datetime | None = None
    caller: str = ""
    dialled: str = ""
    recap: str = ""


def _call_case_open(call: TakenCall, draft: CaseDraft, *, at: datetime) -> Case:
    """The case a call opens on the caller's behalf: channel ``phone``, its time to open
    from the call's start (G6). R50: a priority only for production is refused for another
    environment, because the engineer chose it (a phone system's record is lowered instead,
    ``case_open``'s rule for the channels that cannot be refused)."""
    terms = subscription_terms(call.organization.pk, at=at)
    if terms is None:
        raise CaseInputError("organization", f"{call.organization} has no support plan now")
    policy = terms.policy
    priority = policy.priorities.get(draft.priority or policy.rules.default_priority)
    if priority is not None and draft.environment not in priority.environments:  # R50
        envs = " and ".join(priority.environments)
        raise CaseInputError("priority", f"{priority.name} is only for {envs} (R50)")
    draft = replace(
        draft, organization=call.organization, channel="phone", notified_at=call.started_at
    )
    requester = call.contact.user if call.contact is not None else None
    opened = case_open(draft=draft, requester=requester, at=at, terms=terms)
    # Read back without the clocks case_open left prefetched: resolving on the call
    # refreshes them twice, and must see the rows the first refresh wrote.
    return Case.objects.select_related("organization").get(pk=opened.pk)


def _call_case_join(call: TakenCall, case: Case, *, engineer: User, at: datetime) -> None:
    """Add the call to an open case of the caller's organisation: what the customer said as
    their message (not a response), or support's log of its own call (a response, G4)."""
    if case.organization_id != call.organization.pk:
        raise CaseInputError("case", f"{case.number} is not a case of {call.organization}")
    if case.status in (Status.RESOLVED, Status.CLOSED):
        raise CaseInputError("case", f"{case.number} is {case.status}: open a new case")
    if call.direction == CallDirection.OUTBOUND:
        case_phone_call_log(case=case, author=engineer, body=call.said, at=at)
        return
    case_message_add(
        case=case, author=call.contact.user if call.contact is not None else None,
        body=call.said, public=True, from_support=False, at=at, kind=Message.Kind.PHONE,
    )  # fmt: skip


@transaction.atomic
def phone_call_take(
    *,
    call: TakenCall,
    engineer: User,
    at: datetime,
    case: Case | None = None,
    draft: CaseDraft | None = None,
) -> PhoneCall:
    """An engineer logs a call from the console (R43): it joins ``case``, an open case of
    the caller's organisation, or opens one from ``draft`` on the caller's behalf (its
    ``organization``, ``channel`` and ``notified_at`` come from ``call``; it is assigned to
    ``engineer``, who took the call). With a ``recap``
    the case is resolved and closed on the call, the recap its last message (R44). The call
    is recorded as it counts against the plan, under the case's priority (R46, R47; support's
    own calls never, R48).

    Validates what only the case and the policy can tell (R50, the case's organisation and
    status, the contact's organisation): raises ``CaseInputError`` naming the field,
    ``TransitionRefusedError`` when the case cannot be resolved now."""
    if call.direction not in CallDirection.values:
        raise CaseInputError("direction", "expected inbound or outbound")
    if call.contact is not None and call.contact.organization_id != call.organization.pk:
        raise CaseInputError("contact", f"is not a contact of {call.organization}")
    if case is not None and draft is not None:
        raise CaseInputError("case", "attach the call to an open case or open a new one, not both")
    if draft is not None:
        case = _call_case_open(call, draft, at=at)
        if case.assignee_id is None:  # the engineer who took the call works what it opened
            case = case_assign(
                case=case, actor=engineer, assignee=engineer, reason="took the call", at=at
            )
    elif case is not None:
        _call_case_join(call, case, engineer=engineer, at=at)
    else:
        raise CaseInputError("case", "attach the call to an open case, or open a new one")
    if call.recap:
        case_phone_call_log(
            case=case, author=engineer, body=call.recap, at=at, resolved_on_call=True
        )
    return phone_call_record(
        case=case, direction=call.direction, started_at=call.started_at, actor=engineer, at=at,
        caller=call.caller, dialled=call.dialled, ended_at=call.ended_at,
    )  # fmt: skip
