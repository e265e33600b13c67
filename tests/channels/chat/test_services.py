"""Chat services (R1): conversations, messages, limits, and a conversation becoming a case
through the intake shape (stored raw, parsed, received)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import override_settings

from casework.accounts.models import Organization
from casework.cases.errors import CaseInputError, CaseRefusedError
from casework.cases.models import Case, Clock, Message
from casework.channels.chat.services import (
    chat_message_post,
    conversation_case_make,
    conversation_end,
    conversation_start,
)
from casework.channels.models import (
    ChatMessage,
    Conversation,
    ConversationStatus,
    RawInbound,
    RawStatus,
)
from tests.cases.conftest import Persona

AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def clock(case: Case, metric: str) -> Clock:
    return case.clocks.get(key=metric)


@pytest.mark.rule("R1")
def test_a_contact_chats_and_the_first_engineer_to_answer_joins(ida: User, bob: Persona) -> None:
    conversation = conversation_start(contact=ida, at=AT)
    assert conversation.channel == "chat"  # LivePerson Standard includes chat (R1)
    chat_message_post(conversation=conversation, author=ida, body=" Widgets are down ", at=AT)
    assert conversation_start(contact=ida, at=AT + timedelta(seconds=5)) == conversation
    later = AT + timedelta(seconds=30)
    chat_message_post(conversation=conversation, author=bob.user, body="Looking now", at=later)
    conversation.refresh_from_db()
    assert (conversation.status, conversation.agent, conversation.last_message_at) == (
        ConversationStatus.ACTIVE, bob.user, later,
    )  # fmt: skip
    rows = list(conversation.messages.values_list("body", "from_support"))
    assert rows == [("Widgets are down", False), ("Looking now", True)]


@pytest.mark.rule("R1")
def test_a_plan_without_chat_or_messaging_is_refused(alice: Persona) -> None:
    with pytest.raises(CaseRefusedError, match="neither chat nor messaging"):
        conversation_start(contact=alice.user, at=AT)
    assert not Conversation.objects.exists()


def test_empty_overlong_and_outsider_messages_are_refused(
    ida: User, hooli: Organization, eve: Persona
) -> None:
    conversation = conversation_start(contact=ida, at=AT)
    with pytest.raises(CaseInputError, match="write a message") as empty:
        chat_message_post(conversation=conversation, author=ida, body="   ", at=AT)
    assert empty.value.field == "body"
    with override_settings(CASEWORK_CHAT_MAX_CHARS=10), pytest.raises(CaseInputError) as long:
        chat_message_post(conversation=conversation, author=ida, body="x" * 11, at=AT)
    assert "at most 10 characters" in long.value.message
    with pytest.raises(CaseRefusedError, match="only the conversation's contact"):
        chat_message_post(conversation=conversation, author=eve.user, body="hi", at=AT)
    assert not ChatMessage.objects.exists()


def test_a_person_past_the_rate_limit_waits(ida: User) -> None:
    conversation = conversation_start(contact=ida, at=AT)
    with override_settings(CASEWORK_CHAT_RATE_LIMIT=3):
        for n in range(3):
            chat_message_post(conversation=conversation, author=ida, body=f"m{n}", at=AT)
        with pytest.raises(CaseRefusedError, match="too many messages: wait 60 seconds"):
            chat_message_post(conversation=conversation, author=ida, body="m4", at=AT)
        after = AT + timedelta(minutes=1)
        chat_message_post(conversation=conversation, author=ida, body="m5", at=after)
    assert conversation.messages.count() == 4


@pytest.mark.rule("R1", "R65")
def test_a_conversation_becomes_a_case_with_its_transcript_and_chat_answers_count(
    ida: User, bob: Persona
) -> None:
    conversation = conversation_start(contact=ida, at=AT)
    chat_message_post(conversation=conversation, author=ida, body="Chat widget blank", at=AT)
    reply_at = AT + timedelta(minutes=2)
    chat_message_post(conversation=conversation, author=bob.user, body="Which site?", at=reply_at)
    made_at = AT + timedelta(minutes=5)
    case = conversation_case_make(
        conversation=conversation, actor=bob.user, at=made_at, subject="Widget blank on site",
        priority="sev2", environment="production",
    )  # fmt: skip
    assert (case.channel, case.subject, case.priority, case.requester) == (
        "chat", "Widget blank on site", "sev2", ida,
    )  # fmt: skip
    assert "Ida Lund:\nChat widget blank" in case.description
    assert "bob (support):\nWhich site?" in case.description
    raw = RawInbound.objects.get(channel="chat")
    assert (raw.status, raw.case, raw.dedup_key) == (
        RawStatus.PROCESSED, case, f"conversation:{conversation.pk}",
    )  # fmt: skip
    assert json.loads(bytes(raw.payload))["messages"][1]["body"] == "Which site?"
    # G6: the problem was notified when the conversation started (a plan with a time-to-open
    # target counts that clock from it; LivePerson's publishes none).
    notified = case.events.get(kind="notified")
    assert notified.data == {"at": AT.isoformat()}
    assert clock(case, "first_response").state == "running"
    answer_at = made_at + timedelta(minutes=1)
    answer = chat_message_post(
        conversation=conversation, author=bob.user, body="Fixed a config", at=answer_at
    )
    assert answer.case_message is not None
    assert (answer.case_message.kind, answer.case_message.public) == (Message.Kind.CHAT, True)
    # R65: the pack counts a chat as a response, so the first response is met by it.
    first = clock(case, "first_response")
    assert (first.state, first.met_at) == ("met", answer_at)
    last = conversation.messages.filter(author=None).get()
    assert last.body == f"This conversation is now case {case.number}."


def test_a_conversation_joins_an_open_case_of_its_organisation(
    ida: User, bob: Persona, eve: Persona
) -> None:
    earlier = conversation_start(contact=ida, at=AT)
    chat_message_post(conversation=earlier, author=ida, body="Reports slow", at=AT)
    case = conversation_case_make(conversation=earlier, actor=bob.user, at=AT)
    conversation_end(conversation=earlier, actor=ida, at=AT)
    conversation = conversation_start(contact=ida, at=AT + timedelta(hours=1))
    assert conversation != earlier
    chat_message_post(conversation=conversation, author=ida, body="Still slow", at=AT)
    joined = conversation_case_make(conversation=conversation, actor=bob.user, at=AT, case=case)
    assert joined == case
    message = case.messages.get(body__contains="Still slow")
    assert (message.author, message.from_support) == (ida, False)
    with pytest.raises(CaseRefusedError, match="already"):
        conversation_case_make(conversation=conversation, actor=bob.user, at=AT)
    conversation_end(conversation=conversation, actor=bob.user, at=AT)
    eve_case = outsider_case(eve)  # a case of another organisation cannot be joined
    third = conversation_start(contact=ida, at=AT + timedelta(hours=2))
    chat_message_post(conversation=third, author=ida, body="Hello", at=AT)
    with pytest.raises(CaseInputError, match="another organisation"):
        conversation_case_make(conversation=third, actor=bob.user, at=AT, case=eve_case)


def outsider_case(eve: Persona) -> Case:
    from casework.cases.services import CaseDraft, case_open

    organization = eve.user.contact.organization
    draft = CaseDraft(organization=organization, subject="Globex's", environment="production")
    return case_open(draft=draft, requester=eve.user, at=AT)


def test_a_refused_priority_keeps_nothing_of_the_attempt(ida: User, bob: Persona) -> None:
    conversation = conversation_start(contact=ida, at=AT)
    chat_message_post(conversation=conversation, author=ida, body="Staging broken", at=AT)
    with pytest.raises(CaseInputError, match="unknown priority 'P1'") as refused:
        conversation_case_make(
            conversation=conversation, actor=bob.user, at=AT, priority="P1",
            environment="staging",
        )  # fmt: skip
    assert refused.value.field == "priority"
    assert not RawInbound.objects.exists()
    assert not Case.objects.exists()
    case = conversation_case_make(
        conversation=conversation, actor=bob.user, at=AT, priority="sev3", environment="staging"
    )
    assert case.environment == "staging"


def test_ended_unanswered_the_question_becomes_a_case(ida: User, bob: Persona) -> None:
    conversation = conversation_start(contact=ida, at=AT)
    chat_message_post(conversation=conversation, author=ida, body="Anyone there?", at=AT)
    with time_machine.travel(AT + timedelta(minutes=10), tick=False):
        conversation_end(conversation=conversation, actor=ida, at=AT + timedelta(minutes=10))
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.ENDED
    assert conversation.case is not None
    assert conversation.case.subject == "Anyone there?"
    assert conversation.case.priority == "sev3"  # the policy's default (R56)
    with pytest.raises(CaseRefusedError, match="ended"):
        chat_message_post(conversation=conversation, author=ida, body="hello?", at=AT)
    answered = conversation_start(contact=ida, at=AT + timedelta(hours=1))
    chat_message_post(conversation=answered, author=ida, body="How do I export?", at=AT)
    chat_message_post(conversation=answered, author=bob.user, body="Menu > Export", at=AT)
    conversation_end(conversation=answered, actor=bob.user, at=AT + timedelta(hours=1))
    answered.refresh_from_db()
    assert answered.case is None  # answered on the chat: no case needed, the chat is kept
