"""Reads for chat: which chat channel an organisation's plan includes, open conversations,
and the JSON-ready views of conversations and messages the websockets carry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet

from casework.accounts.models import Organization
from casework.accounts.selectors import subscription_terms
from casework.cases.errors import CaseInputError
from casework.cases.models import Case
from casework.channels.models import ChatMessage, Conversation, ConversationStatus

# The plan channels a conversation can use, the live one first (R1).
CHAT_CHANNELS = ("chat", "messaging")


def chat_channel_of(organization: Organization, *, at: datetime) -> str | None:
    """``chat`` or ``messaging`` when the organisation's plan in effect includes it, else
    None (no plan, or a plan with neither)."""
    terms = subscription_terms(organization.pk, at=at)
    if terms is None:
        return None
    plan = terms.policy.plans.get(terms.subscription.plan_id)
    channels = plan.channels if plan is not None else {}
    return next((name for name in CHAT_CHANNELS if name in channels), None)


def conversation_get(conversation_id: int) -> Conversation | None:
    """One conversation with the names its views show, or None."""
    return _with_names().filter(pk=conversation_id).first()


def conversation_open_of(contact: User) -> Conversation | None:
    """The contact's conversation that has not ended, if any."""
    return (
        _with_names()
        .filter(contact=contact)
        .exclude(status=ConversationStatus.ENDED)
        .order_by("-started_at")
        .first()
    )


def _with_names() -> QuerySet[Conversation]:
    return Conversation.objects.select_related("organization", "contact", "agent", "case")


def conversation_list(limit_ended: int = 20) -> list[Conversation]:
    """What the engineers' chat pane lists: every conversation not ended (waiting ones
    first, the longest waiting first), then the ``limit_ended`` ended most recently."""
    rows = _with_names()
    open_rows = sorted(
        rows.exclude(status=ConversationStatus.ENDED),
        key=lambda c: (c.status != ConversationStatus.WAITING, c.started_at),
    )
    ended = list(rows.filter(status=ConversationStatus.ENDED).order_by("-ended_at")[:limit_ended])
    return [*open_rows, *ended]


def _name(user: User | None) -> str:
    if user is None:
        return "casework"
    return user.get_full_name() or user.username


def message_view(message: ChatMessage) -> dict[str, Any]:
    """One message as the pages show it."""
    return {
        "id": message.pk, "at": message.at.isoformat(), "author": _name(message.author),
        "support": message.from_support, "system": message.author_id is None,
        "body": message.body,
    }  # fmt: skip


def conversation_summary(conversation: Conversation) -> dict[str, Any]:
    """One conversation as the console's list shows it."""
    case = conversation.case
    return {
        "id": conversation.pk, "status": str(conversation.status),
        "channel": conversation.channel,
        "organization": conversation.organization.name,
        "contact": _name(conversation.contact),
        "agent": _name(conversation.agent) if conversation.agent_id else None,
        "case": case.number if case is not None else None,
        "case_id": case.pk if case is not None else None,
        "started_at": conversation.started_at.isoformat(),
        "last_message_at": conversation.last_message_at.isoformat(),
    }  # fmt: skip


def transcript_view(conversation: Conversation) -> list[dict[str, Any]]:
    """Every message of the conversation, oldest first."""
    return [message_view(m) for m in conversation.messages.select_related("author")]


def case_to_join(number: str) -> Case | None:
    """The case a conversation is to join, by its number (``CW-000042``); None for "" (make
    a new one). An unknown number is refused on the ``case`` field; whether the case is the
    conversation's organisation's is the service's to check."""
    number = number.strip()
    if not number:
        return None
    case_id = Case.id_from_number(number)
    case = Case.objects.filter(pk=case_id).first() if case_id is not None else None
    if case is None:
        raise CaseInputError("case", f"no case {number}")
    return case


def chat_widget_context(contact: User, *, at: datetime) -> dict[str, Any] | None:
    """What the portal's chat widget shows a contact: the channel their plan includes, their
    open conversation and its transcript; None when the plan includes no chat (R1)."""
    channel = chat_channel_of(contact.contact.organization, at=at)
    if channel is None:
        return None
    conversation = conversation_open_of(contact)
    return {
        "channel": channel,
        "conversation": conversation,
        "messages": transcript_view(conversation) if conversation is not None else [],
    }
