"""Chat services: start a conversation, post to it, end it, make a case of it (R1).

A contact has at most one conversation open at a time; each message is stored as it is
written and published to the websockets that show it once the transaction has committed
(``realtime.chat_publish``). A conversation becomes a case (or joins one) through the one
intake shape: its transcript is stored as the chat channel's raw input and processed by the
intake service. From then on each message is also added to the case as a ``chat`` message,
so support's messages are responses there (R65, G4). A conversation ended before anyone from
support answered becomes a case by itself: an unanswered question is never lost.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from casework.cases.errors import CaseInputError, CaseRefusedError
from casework.cases.models import Case, Message
from casework.cases.services import case_assign, case_message_add
from casework.channels.chat import CHAT
from casework.channels.chat.parse import ENVIRONMENTS, Line, transcript_payload
from casework.channels.chat.realtime import CONSOLE_GROUP, chat_publish, conversation_group
from casework.channels.chat.selectors import (
    chat_channel_of,
    conversation_open_of,
    conversation_summary,
    message_view,
)
from casework.channels.models import ChatMessage, Conversation, ConversationStatus, RawStatus
from casework.channels.services import raw_inbound_process, raw_inbound_store
from casework.lib.ratelimit import rate_limit_hit
from casework.lib.web import is_staff_member


def _publish_on_commit(conversation: Conversation, event: dict[str, Any]) -> None:
    """Tell the conversation's websockets ``event``, and every console the new summary."""
    group = conversation_group(conversation.pk)
    summary = conversation_summary(conversation)

    def publish() -> None:
        chat_publish(group, {"type": "chat.event", "event": event})
        listed = {"type": "conversation", "conversation": summary}
        chat_publish(CONSOLE_GROUP, {"type": "chat.event", "event": listed})

    transaction.on_commit(publish)


@transaction.atomic
def conversation_start(*, contact: User, at: datetime) -> Conversation:
    """The contact's open conversation, or a new one. Refused (``CaseRefusedError``) when
    their organisation's plan includes neither chat nor messaging (R1: the LivePerson plans
    do; the LiveOps plans offer email and phone instead)."""
    existing = conversation_open_of(contact)
    if existing is not None:
        return existing
    organization = contact.contact.organization
    channel = chat_channel_of(organization, at=at)
    if channel is None:
        raise CaseRefusedError(
            f"the plan of {organization.name} includes neither chat nor messaging"
        )
    conversation = Conversation.objects.create(
        organization=organization, contact=contact, channel=channel,
        started_at=at, last_message_at=at,
    )  # fmt: skip
    _publish_on_commit(conversation, {"type": "started", "conversation": conversation.pk})
    return conversation


def _check_body(body: str) -> str:
    text = body.strip()
    if not text:
        raise CaseInputError("body", "write a message first")
    limit = settings.CASEWORK_CHAT_MAX_CHARS
    if len(text) > limit:
        raise CaseInputError("body", f"a chat message is at most {limit} characters")
    return text


def _rate_check(author: User, at: datetime) -> None:
    decision = rate_limit_hit(
        f"chat:{author.pk}", limit=settings.CASEWORK_CHAT_RATE_LIMIT,
        window=timedelta(minutes=1), at=at,
    )  # fmt: skip
    if not decision.allowed:
        raise CaseRefusedError(
            f"too many messages: wait {decision.retry_after} seconds before the next one"
        )


def _system_post(conversation: Conversation, body: str, at: datetime) -> ChatMessage:
    message = ChatMessage.objects.create(conversation=conversation, body=body, at=at)
    _publish_on_commit(conversation, {"type": "message", "message": message_view(message)})
    return message


@transaction.atomic
def chat_message_post(
    *, conversation: Conversation, author: User, body: str, at: datetime
) -> ChatMessage:
    """Post ``body`` to the conversation as ``author`` (its contact, or support staff; the
    first engineer to answer joins it). Refused: an empty or over-long message
    (``CaseInputError`` on ``body``), an ended conversation, more than
    ``CASEWORK_CHAT_RATE_LIMIT`` messages a minute (``CaseRefusedError``). Once the
    conversation is a case, the message is added to the case too."""
    text = _check_body(body)
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if conversation.status == ConversationStatus.ENDED:
        raise CaseRefusedError("this conversation has ended; start a new one")
    support = is_staff_member(author)
    if not support and author.pk != conversation.contact_id:
        raise CaseRefusedError("only the conversation's contact and support may write in it")
    _rate_check(author, at)
    message = ChatMessage.objects.create(
        conversation=conversation, author=author, from_support=support, body=text, at=at
    )
    changed = ["last_message_at"]
    conversation.last_message_at = at
    if support and conversation.agent_id is None:
        conversation.agent, conversation.status = author, ConversationStatus.ACTIVE
        changed += ["agent", "status"]
    conversation.save(update_fields=changed)
    if conversation.case is not None:
        message.case_message = case_message_add(
            case=conversation.case, author=author, body=text, public=True,
            from_support=support, at=at, kind=Message.Kind.CHAT,
        )  # fmt: skip
        message.save(update_fields=["case_message"])
    _publish_on_commit(conversation, {"type": "message", "message": message_view(message)})
    return message


def _author(message: ChatMessage) -> str:
    author = message.author
    return "casework" if author is None else author.get_full_name() or author.username


def _lines(conversation: Conversation) -> list[Line]:
    messages = conversation.messages.select_related("author")
    return [Line(m.at, _author(m), m.from_support, m.body) for m in messages]


@transaction.atomic
def conversation_case_make(
    *, conversation: Conversation, actor: User | None, at: datetime, subject: str = "",
    priority: str | None = None, environment: str = "production", case: Case | None = None,
) -> Case:  # fmt: skip
    """Make a case of the conversation (or add it to ``case``, one of its organisation's)
    with its transcript, through the intake shape (stored raw, parsed, received). The
    case's time-to-open clock counts from the conversation's start (G6). Refused with the
    reason: a conversation that is a case already, a case of another organisation, a
    priority the environment does not allow (R50; nothing is kept of the attempt)."""
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if conversation.case_id is not None:
        raise CaseRefusedError(f"this conversation is case {conversation.case.number} already")  # type: ignore[union-attr]
    if environment not in ENVIRONMENTS:
        raise CaseInputError("environment", f"expected one of {', '.join(ENVIRONMENTS)}")
    if case is not None and case.organization_id != conversation.organization_id:
        raise CaseInputError("case", "that case is another organisation's")
    lines = _lines(conversation)
    if not lines:
        raise CaseInputError("conversation", "nothing has been written in it yet")
    payload = transcript_payload(
        conversation=conversation.pk, organization=conversation.organization_id,
        contact=conversation.contact_id, contact_email=conversation.contact.email,
        channel=conversation.channel, case=case.number if case is not None else None,
        subject=subject, priority=priority, environment=environment,
        started_at=conversation.started_at, lines=lines,
    )  # fmt: skip
    who = actor.username if actor is not None else "the customer ending it unanswered"
    stored = raw_inbound_store(
        channel=CHAT, payload=payload, source=f"chat {conversation.pk} by {who}", received_at=at
    )
    raw = raw_inbound_process(stored.raw, at=at)
    if raw.status != RawStatus.PROCESSED or raw.case is None:
        # Rolled back with this transaction: the messages themselves stay in the conversation.
        raise CaseInputError("priority" if "priority" in raw.reason else "case", raw.reason)
    conversation.case = raw.case
    conversation.save(update_fields=["case"])
    # A new case goes to the engineer who answered the chat (else to whoever of support made
    # it); an unanswered conversation's case waits unassigned in the queue.
    taker = conversation.agent or (actor if actor is not None and is_staff_member(actor) else None)
    if case is None and taker is not None and raw.case.assignee_id is None:
        case_assign(case=raw.case, actor=actor, assignee=taker, reason="took the chat", at=at)
    _publish_on_commit(conversation, {"type": "case", "case": raw.case.number,
                                      "case_id": raw.case.pk})  # fmt: skip
    joined = "joined" if case is not None else "is now"
    _system_post(conversation, f"This conversation {joined} case {raw.case.number}.", at)
    return raw.case


@transaction.atomic
def conversation_end(*, conversation: Conversation, actor: User, at: datetime) -> Conversation:
    """End the conversation (its contact or support). One that nobody from support
    answered, and that is not a case yet, becomes a case so that the question is answered."""
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if conversation.status == ConversationStatus.ENDED:
        return conversation
    if not is_staff_member(actor) and actor.pk != conversation.contact_id:
        raise CaseRefusedError("only the conversation's contact and support may end it")
    answered = conversation.messages.filter(from_support=True).exists()
    if conversation.case_id is None and not answered and conversation.messages.exists():
        conversation_case_make(conversation=conversation, actor=None, at=at)
        conversation.refresh_from_db()
    who = "support" if is_staff_member(actor) else "the customer"
    _system_post(conversation, f"The conversation was ended by {who}.", at)
    conversation.status, conversation.ended_at = ConversationStatus.ENDED, at
    conversation.save(update_fields=["status", "ended_at"])
    _publish_on_commit(conversation, {"type": "ended"})
    return conversation
