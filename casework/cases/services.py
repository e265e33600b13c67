"""Writes on cases. Each service is atomic, appends the case's history in the same transaction
and leaves its stored clocks recomputed from that history.

Services assume an authorised caller (views and API operations check who may act); they
validate what only the policy can tell (a priority's environments, a tier's existence) and
raise :class:`CaseInputError` (→ 422) or :class:`TransitionRefusedError` (→ 409).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction

from casework.accounts.models import Organization, Product, ServiceAccount
from casework.accounts.selectors import (
    Terms,
    contact_role_may_open_cases,
    plan_entitles_case_opening,
    subscription_terms,
)
from casework.cases.changes import case_field_change
from casework.cases.clocks import (
    case_clock_policy,
    case_clocks_first,
    case_clocks_refresh,
    clocks_prefetched,
)
from casework.cases.errors import CaseInputError, CaseRefusedError, TransitionRefusedError
from casework.cases.models import Case, CaseEvent, Message, Origin, Status
from casework.cases.notifications import notify_recipients
from casework.cases.selectors import case_clocks_reclassified
from casework.cases.signals import case_opened
from casework.cases.tasks import case_event_notify_on_commit
from casework.cases.workflow import transition_refusal
from casework.lib.prepared import insert_all
from casework.policies.selectors import policy_get, policy_with_overlay
from casework.policy import Policy, initial_tier
from casework.policy.routing import route_by_category

# Channels through which a customer opens a ticket themselves, which R27 may limit; mail, chat
# and messaging stay open to every user of the account.
TICKET_CHANNELS = frozenset({"portal", "api"})

# Channels whose messages arrive whatever they say: a priority they may not carry is lowered
# with a note rather than refused (R50).
UNREFUSABLE_CHANNELS = frozenset({"email", "phone", "dedicated-phone", "noc"})


@dataclass(frozen=True, slots=True)
class CaseDraft:
    """What a new case is made of (a frozen value: ``case_open`` takes many fields)."""

    organization: Organization
    subject: str
    environment: str
    description: str = ""
    priority: str | None = None
    channel: str = "portal"
    origin: str = Origin.CUSTOMER
    category: str = ""
    product: Product | None = None
    service_account: ServiceAccount | None = None
    notified_at: datetime | None = None


def _policy_of(case: Case) -> Policy:
    return policy_get(case.policy_id, version=case.policy_version).policy


def _priority_for(policy: Policy, draft: CaseDraft) -> tuple[str, str | None]:
    """(priority, note): R56 default, R50 environments, lowered for unrefusable channels."""
    asked = draft.priority or policy.rules.default_priority  # R56
    if asked not in policy.enabled_priorities():
        expected = ", ".join(policy.enabled_priorities())
        raise CaseInputError("priority", f"unknown priority {asked!r}; expected one of {expected}")
    allowed = [
        pid
        for pid in policy.enabled_priorities()
        if draft.environment in policy.priorities[pid].environments
    ]
    if asked in allowed:
        return asked, None
    name = policy.priorities[asked].name
    envs = " and ".join(policy.priorities[asked].environments)
    if draft.channel not in UNREFUSABLE_CHANNELS:  # R50: refused, with the reason
        raise CaseInputError(
            "priority",
            f"{name} is only for {envs}; a {draft.environment} case may be "
            f"{', '.join(policy.priorities[p].name for p in allowed)}",
        )
    highest = allowed[0]
    return highest, (
        f"Asked for {name}, which is only for {envs}: opened as "
        f"{policy.priorities[highest].name} for a {draft.environment} environment."
    )


def _check_may_open(policy: Policy, plan_id: str, requester: User | None, channel: str) -> None:
    """R27, G28: a contact opens a ticket only in a role the policy names, and only on a plan
    entitled to tickets where the policy asks for one. Staff open cases for anyone."""
    contact = getattr(requester, "contact", None) if requester is not None else None
    if contact is None or channel not in TICKET_CHANNELS:
        return
    rule = policy.rules.case_opening
    if not contact_role_may_open_cases(contact, policy=policy):
        raise CaseRefusedError(rule.note or f"a contact with the role {contact.role} may not "
                               "open cases")  # fmt: skip
    if not plan_entitles_case_opening(policy=policy, plan_id=plan_id):
        raise CaseRefusedError(rule.note or f"the {plan_id} plan does not include tickets")


@transaction.atomic
def case_open(
    *,
    draft: CaseDraft,
    requester: User | None,
    at: datetime,
    followup: bool = False,
    terms: Terms | None = None,
) -> Case:
    """Open a case under the organisation's current plan; its clocks start from history.

    The case pins the policy version in force (a later version does not change it, G27),
    starts at Level 1 or at the tier of an immediate elevation (R39, R61), or higher when
    its category is a topic of a higher tier (the routing table, R38–R41), and records the
    problem notification for the time-to-open clock (G6). A contact must be allowed to open
    tickets (R27) unless the case is the ``followup`` of a reply to one of theirs (G25).
    ``terms`` are the organisation's terms at ``at`` when the caller has read them already.
    """
    terms = terms or subscription_terms(draft.organization.pk, at=at)
    if terms is None:
        raise CaseInputError("organization", f"{draft.organization} has no support plan now")
    subscription, policy = terms.subscription, terms.policy
    if not followup:
        _check_may_open(policy, subscription.plan_id, requester, draft.channel)
    priority, note = _priority_for(policy, draft)
    zone = draft.service_account.time_zone if draft.service_account else ""
    routing = route_by_category(
        policy, draft.category, initial_tier(policy, subscription.plan_id, priority)
    )
    case = Case(
        organization=draft.organization,
        service_account=draft.service_account,
        requester=requester,
        product=draft.product,
        subject=draft.subject,
        description=draft.description,
        environment=draft.environment,
        channel=draft.channel,
        origin=draft.origin,
        category=draft.category,
        priority=priority,
        tier=routing.tier,
        policy_id=policy.id,
        policy_version=terms.policy_version,
        plan=subscription.plan_id,
        account_timezone=zone or draft.organization.time_zone,
        sla_overlay=subscription.sla_overlay or {},
        created_at=at,
        updated_at=at,
    )
    events = []
    if draft.notified_at is not None and draft.notified_at < at:
        events.append(
            CaseEvent(case=case, kind="notified", at=at, data={"at": draft.notified_at.isoformat()})
        )
    events.append(
        CaseEvent(
            case=case,
            kind="opened",
            at=at,
            actor=requester,
            data={
                "priority": priority,
                "asked_priority": draft.priority,
                "note": note,
                "environment": draft.environment,
                "channel": draft.channel,
                "origin": draft.origin,
                "tier": case.tier,
                "category": draft.category,
                "routing": routing.reason,
                "policy": f"{policy.id} v{terms.policy_version}",
                "plan": subscription.plan_id,
                "sla_overlay": case.sla_overlay or None,  # R26
            },
        )
    )
    # The clocks come from these first events before anything is written, so the case, its
    # history and its clocks go in with one INSERT each and nothing is read back.
    clock_policy = policy_with_overlay(
        pk=terms.policy_pk, sha256=terms.policy_sha256, plan_id=subscription.plan_id,
        overlay=case.sla_overlay,
    )  # fmt: skip
    clocks = case_clocks_first(case, policy=clock_policy, events=events, at=at)
    # One INSERT each, with SQL made once per process (insert_all: bulk_create rebuilds it).
    insert_all([case])
    insert_all(events)
    insert_all(clocks)
    clocks_prefetched(case, clocks)
    case_opened.send(sender=Case, case=case, at=at)
    return case


@transaction.atomic
def case_message_add(
    *,
    case: Case,
    author: User | None,
    body: str,
    public: bool,
    from_support: bool,
    at: datetime,
    kind: str = Message.Kind.REPLY,
    eta: datetime | None = None,
    workaround: bool = False,
) -> Message:
    """Add a reply, internal note or phone log. A public message from support is a response
    (G4, R65); with ``eta`` it records an ETA (G7), with ``workaround`` a workaround (R62).
    A customer's reply to a case waiting on them sends it back to support (R17).

    A customer's reply to a resolved or closed case reopens it at its last priority within
    the policy's ``pending_customer.reopen_within`` (G25); later, or when the case was closed
    as a solution not implemented (R14), the reply stays on the case and opens a new case
    linked to it (``message.followup_case``)."""
    reopen_refusal = (
        _reopen_refusal(case, at=at)
        if public and not from_support and case.status in _FINISHED
        else None
    )
    message = Message.objects.create(
        case=case,
        author=author,
        kind=kind,
        public=public,
        from_support=from_support,
        body=body,
        eta=eta,
        workaround=workaround,
        created_at=at,
    )
    data: dict[str, object] = {
        "message": message.pk,
        "via": _VIA.get(kind, "reply"),
        "public": public,
        "from_support": from_support,
        "eta": eta.isoformat() if eta else None,
        "workaround": workaround,
    }
    if public and from_support and kind in _MAILED:
        # Support's reply goes to the requester by mail too, threaded on their own mail.
        told = notify_recipients(case, ["requester"])
        data |= {"recipients": told.addresses, "unresolved": told.missing}
    event = CaseEvent.objects.create(
        case=case, kind="message", at=at, actor=author, public=public, data=data
    )
    case_event_notify_on_commit(event)
    if reopen_refusal is not None:
        message.followup_case = _case_followup_open(
            case, message=message, author=author, reason=reopen_refusal, at=at
        )
        message.save(update_fields=["followup_case"])
    elif not from_support and public and case.status in _FINISHED:
        note = f"the customer replied: reopened at {case.priority}, its last priority (G25)"
        _status_set(case, Status.OPEN, actor=author, at=at, note=note)
    elif not from_support and public and case.status == Status.PENDING_CUSTOMER:
        _status_set(case, Status.OPEN, actor=author, at=at, note="the customer replied")
    elif from_support and public and case.status == Status.NEW:
        _status_set(case, Status.OPEN, actor=author, at=at, note=None)
    case_clocks_refresh(case, at=at)
    return message


_FINISHED = frozenset({Status.RESOLVED, Status.CLOSED})

# What kind of response a message of each kind is, for the policy's `responses` list (G4).
_VIA: dict[str, str] = {
    Message.Kind.PHONE: "phone_call",
    Message.Kind.CHAT: "chat",
    Message.Kind.STATUS: "status_post",
}
# Kinds of public support message that also go to the requester by mail.
_MAILED = frozenset({Message.Kind.REPLY, Message.Kind.STATUS})


def _finished_at(case: Case) -> datetime:
    """When the case last went from working on it to resolved or closed."""
    for event in case.events.filter(kind="status").order_by("-at", "-pk"):
        if event.data.get("new") in _FINISHED and event.data.get("old") not in _FINISHED:
            return event.at
    return case.updated_at


def _reopen_refusal(
    case: Case, *, at: datetime, outcome: str = "so the reply opened a new case"
) -> str | None:
    """Why the customer does not reopen this resolved or closed case, by a reply or by
    asking (None: they do); ``outcome`` ends the reason with what happens instead."""
    policy = _policy_of(case)
    exclusion = policy.rules.scope_exclusions.get(case.scope_exclusion)
    if exclusion is not None and exclusion.rule == "R14":
        return (
            f"the case was closed as {exclusion.name.lower()} (R14): it is not reopened "
            f"without new information, {outcome}"
        )
    window = policy.rules.pending_customer.reopen_within
    if window is None:
        return f"the policy reopens no case, {outcome} (G25)"
    if at - _finished_at(case) > window.timedelta():
        return (
            f"it is more than {_days_words(window.timedelta())} since the case was "
            f"{case.status}, {outcome} (G25)"
        )
    return None


def _days_words(span: timedelta) -> str:
    days, rest = divmod(span, timedelta(days=1))
    if rest or not days:
        return f"{span / timedelta(hours=1):g} hours"
    return f"{days} day{'s' if days != 1 else ''}"


def _case_followup_open(
    case: Case, *, message: Message, author: User | None, reason: str, at: datetime
) -> Case:
    """Open the case a reply to a finished case starts (G25, R14), linked both ways."""
    draft = CaseDraft(
        organization=case.organization,
        subject=case.subject,
        environment=case.environment,
        description=message.body,
        channel=case.channel,
        category=case.category,
        product=case.product,
        service_account=case.service_account,
    )
    new = case_open(draft=draft, requester=author, at=at, followup=True)
    new.linked_from = case
    Case.objects.filter(pk=new.pk).update(linked_from=case)
    CaseEvent.objects.create(
        case=case,
        kind="linked",
        at=at,
        actor=author,
        data={"case": new.pk, "number": new.number, "role": "followup", "reason": reason},
    )
    CaseEvent.objects.create(
        case=new,
        kind="linked",
        at=at,
        actor=author,
        data={"case": case.pk, "number": case.number, "role": "follows", "reason": reason},
    )
    return new


@transaction.atomic
def case_phone_call_log(
    *,
    case: Case,
    author: User | None,
    body: str,
    at: datetime,
    resolved_on_call: bool = False,
    eta: datetime | None = None,
    workaround: bool = False,
) -> Message:
    """Log a support phone call with the customer (R43): a public message that counts as a
    response (G4). ``resolved_on_call``: the agent answered on the call, the customer
    confirmed (R9), and the case is resolved then closed with ``body`` as the recap of the
    solution given (R44). Raises ``TransitionRefusedError`` when the case cannot be resolved
    now (already resolved or closed)."""
    if resolved_on_call:
        refusal = transition_refusal(
            case.status, Status.RESOLVED, by_customer=True, closable=case.closable,
            scope_exclusion=None,
        )  # fmt: skip
        if refusal is not None:
            raise TransitionRefusedError(refusal.reason)
    message = case_message_add(
        case=case, author=author, body=body, public=True, from_support=True, at=at,
        kind=Message.Kind.PHONE, eta=eta, workaround=workaround,
    )  # fmt: skip
    if not resolved_on_call:
        return message
    message.resolved_on_call = True
    message.save(update_fields=["resolved_on_call"])
    recap = f"the recap is message {message.pk}"
    _status_set(
        case, Status.RESOLVED, actor=author, at=at,
        note=f"resolved on the phone call: the customer confirmed (R9, R44); {recap}",
    )  # fmt: skip
    _status_set(
        case, Status.CLOSED, actor=author, at=at,
        note=f"closed on the call with a recap of the solution given (R44); {recap}",
    )  # fmt: skip
    case_clocks_refresh(case, at=at)
    return message


def _status_set(
    case: Case, new: str, *, actor: User | None, at: datetime, note: str | None
) -> None:
    case_field_change(case, kind="status", field="status", new=new, at=at, actor=actor, note=note)


@transaction.atomic
def case_transition(
    *,
    case: Case,
    actor: User | None,
    status: str,
    by_customer: bool,
    at: datetime,
    note: str | None = None,
    exclusion: str | None = None,
) -> Case:
    """Move the case to ``status`` if the workflow allows it (G15, R9); closing as out of
    scope names the policy's exclusion (R2, R12–R16) and stops the SLA clocks."""
    if status not in Status.values:
        raise CaseInputError(
            "status", f"unknown status {status!r}; expected one of {', '.join(Status.values)}"
        )
    policy = _policy_of(case)
    if exclusion is not None and exclusion not in policy.rules.scope_exclusions:
        expected = ", ".join(policy.rules.scope_exclusions) or "none defined"
        raise CaseInputError(
            "exclusion", f"unknown scope exclusion {exclusion!r}; expected {expected}"
        )
    refusal = transition_refusal(
        case.status,
        status,
        by_customer=by_customer,
        closable=case.closable,
        scope_exclusion=exclusion,
    )
    if refusal is not None:
        raise TransitionRefusedError(refusal.reason)
    if by_customer and status == Status.OPEN and case.status in _FINISHED:  # R14, G25
        reason = _reopen_refusal(
            case, at=at, outcome="so reply with what is new and a new case is opened for it"
        )
        if reason is not None:
            raise TransitionRefusedError(reason)
    if exclusion is not None:
        name = policy.rules.scope_exclusions[exclusion].name
        CaseEvent.objects.create(
            case=case,
            kind="sla_stopped",
            at=at,
            actor=actor,
            data={"exclusion": exclusion, "name": name},
        )
        case.scope_exclusion = exclusion
        Case.objects.filter(pk=case.pk).update(scope_exclusion=exclusion)
    _status_set(case, status, actor=actor, at=at, note=note)
    case_clocks_refresh(case, at=at)
    return case


@transaction.atomic
def case_reclassify(*, case: Case, actor: User, priority: str, reason: str, at: datetime) -> Case:
    """Change the priority (R53–R55): clocks are recomputed from their original start (G13);
    the history keeps the reason and each running clock's old and new due time, and the
    people the policy names (the requester by default) are told by mail."""
    policy = case_clock_policy(case)  # with the case's enhanced SLA (R26), read once
    if priority not in policy.enabled_priorities():
        expected = ", ".join(policy.enabled_priorities())
        raise CaseInputError(
            "priority", f"unknown priority {priority!r}; expected one of {expected}"
        )
    if case.environment not in policy.priorities[priority].environments:  # R50
        envs = " and ".join(policy.priorities[priority].environments)
        raise CaseInputError("priority", f"{policy.priorities[priority].name} is only for {envs}")
    if priority == case.priority:
        raise TransitionRefusedError(f"the case is already {policy.priorities[priority].name}")
    before, after = case_clocks_reclassified(case, policy=policy, priority=priority, at=at)
    told = notify_recipients(case, list(policy.rules.reclassification.notify))
    event = case_field_change(
        case,
        kind="priority",
        field="priority",
        new=priority,
        at=at,
        actor=actor,
        reason=reason,
        old_due={c.key: _iso(c.due_at) for c in before if c.state in {"running", "paused"}},
        new_due={c.key: _iso(c.due_at) for c in after if c.state in {"running", "paused"}},
        recipients=told.addresses,
        unresolved=told.missing,
    )
    case_clocks_refresh(case, at=at, policy=policy)
    case_event_notify_on_commit(event)
    return case


def _iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant else None


@transaction.atomic
def case_elevate(*, case: Case, actor: User | None, tier: str, reason: str, at: datetime) -> Case:
    """Move the case to another tier by hand, with a reason (R38–R41)."""
    policy = _policy_of(case)
    if tier not in policy.tiers:
        raise CaseInputError(
            "tier", f"unknown tier {tier!r}; expected one of {', '.join(policy.tiers)}"
        )
    if tier == case.tier:
        raise TransitionRefusedError(f"the case is already at {policy.tiers[tier].name}")
    case_field_change(
        case, kind="elevated", field="tier", new=tier, at=at, actor=actor, reason=reason
    )
    case_clocks_refresh(case, at=at)
    return case


@transaction.atomic
def case_closable_set(*, case: Case, actor: User, at: datetime) -> Case:
    """Record the customer's "can be closed" indication (R9): support may then resolve the
    case. Saying it twice changes nothing and adds no event."""
    if case.closable:
        return case
    CaseEvent.objects.create(
        case=case,
        kind="closable",
        at=at,
        actor=actor,
        data={"old": False, "new": True, "note": "the customer says the case can be closed (R9)"},
    )
    case.closable = True
    Case.objects.filter(pk=case.pk).update(closable=True, updated_at=at)
    return case


@transaction.atomic
def case_assign(
    *, case: Case, actor: User | None, assignee: User, reason: str, at: datetime
) -> Case:
    """Give the case to ``assignee`` (a member of staff), with a reason; the history keeps
    who had it before and who has it now (by id, and by username for people to read), as an
    internal event (customers do not see who works their case or why it moved). Raises
    ``TransitionRefusedError`` when ``assignee`` has it already."""
    if case.assignee_id == assignee.pk:
        raise TransitionRefusedError(f"the case is already assigned to {assignee.username}")
    previous = case.assignee.username if case.assignee is not None else None
    case_field_change(
        case, kind="assigned", field="assignee_id", new=assignee.pk, at=at, actor=actor,
        public=False, reason=reason, old_name=previous, new_name=assignee.username,
    )  # fmt: skip
    case.assignee = assignee
    return case
