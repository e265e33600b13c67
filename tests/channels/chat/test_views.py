"""The chat pages without JavaScript (plain POST forms, the fallback of the websockets): the
portal's chat page and widget, the console's pane (R1)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings

from casework.cases.models import Case
from casework.channels.models import ChatMessage, Conversation, ConversationStatus
from tests.cases.conftest import Persona
from tests.support import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme_case(alice: Persona) -> Case:
    answer = Client().post(
        "/api/v1/cases", {"subject": "Acme's", "description": "d", "environment": "production"},
        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {alice.token}",
    )  # fmt: skip
    assert answer.status_code == 201, answer.content
    return Case.objects.get(pk=answer.json()["id"])


@pytest.fixture
def ida_client(ida: User) -> Client:
    return signed_in(ida)


@pytest.fixture
def bob_client(bob: Persona) -> Client:
    return signed_in(bob.user)


@pytest.mark.rule("R1")
def test_the_widget_is_on_every_portal_page_of_a_plan_with_chat(
    ida_client: Client, alice: Persona
) -> None:
    page = ida_client.get("/portal/").content.decode()
    assert 'data-chat-socket="/ws/chat/"' in page
    assert "Chat with support" in page
    assert 'href="/portal/chat/"' in page
    # LiveOps Standard offers email and phone, not chat (R1): no widget, no chat page
    alice_client = signed_in(alice.user)
    page = alice_client.get("/portal/").content.decode()
    assert "Alice" in page or "alice" in page  # signed in: the page is hers
    assert "data-chat-socket" not in page
    assert alice_client.get("/portal/chat/").status_code == 404


def test_a_contact_writes_and_ends_a_chat_without_javascript(ida_client: Client) -> None:
    answer = ida_client.post(
        "/portal/chat/", {"body": "Is the agent console down?", "next": "/portal/"}
    )
    assert (answer.status_code, answer["Location"]) == (302, "/portal/")
    conversation = Conversation.objects.get()
    assert conversation.status == ConversationStatus.WAITING
    page = ida_client.get("/portal/chat/").content.decode()
    assert "Is the agent console down?" in page
    assert f'data-conversation="{conversation.pk}"' in page

    ida_client.post("/portal/chat/end/", {"next": "/portal/chat/"})
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.ENDED
    # nobody from support answered: it became a case, so the question is not lost
    assert conversation.case is not None
    assert conversation.case.channel == "chat"
    assert conversation.case.assignee is None  # nobody answered: it waits in the queue


def test_a_redirect_after_posting_stays_on_this_site(ida_client: Client) -> None:
    answer = ida_client.post("/portal/chat/", {"body": "hi", "next": "https://evil.example/"})
    assert answer["Location"] == "/portal/chat/"


@override_settings(CASEWORK_CHAT_MAX_CHARS=10)
def test_a_refused_message_says_why_and_keeps_the_text(ida_client: Client) -> None:
    answer = ida_client.post("/portal/chat/", {"body": "far too long a message"})
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "a chat message is at most 10 characters" in page
    assert "far too long a message" in page
    assert not ChatMessage.objects.exists()


def test_the_console_pane_answers_and_makes_a_case(
    ida_client: Client, bob_client: Client, bob: Persona, alice: Persona
) -> None:
    ida_client.post("/portal/chat/", {"body": "Widget blank on our site"})
    conversation = Conversation.objects.get()
    listing = bob_client.get("/console/chat/").content.decode()
    assert "Ida Lund · Initech" in listing
    assert "waiting" in listing

    answer = bob_client.post(f"/console/chat/{conversation.pk}/message/", {"body": "Which URL?"})
    assert answer["Location"] == f"/console/chat/?conversation={conversation.pk}"
    pane = bob_client.get(answer["Location"]).content.decode()
    assert "Widget blank on our site" in pane
    assert "Which URL?" in pane
    conversation.refresh_from_db()
    assert (conversation.agent, conversation.status) == (bob.user, ConversationStatus.ACTIVE)

    refused = bob_client.post(
        f"/console/chat/{conversation.pk}/case/",
        {"subject": "Blank", "priority": "p9", "environment": "production", "case": ""},
    )
    assert refused.status_code == 400  # not one of the policy's priorities
    assert "Select a valid choice" in refused.content.decode()
    assert not Case.objects.exists()

    made = bob_client.post(
        f"/console/chat/{conversation.pk}/case/",
        {"subject": "Blank widget", "priority": "", "environment": "production", "case": ""},
    )
    case = Case.objects.get()
    assert made["Location"] == f"/console/cases/{case.pk}/"
    assert case.subject == "Blank widget"
    assert case.assignee == bob.user  # the engineer who answered the chat works it
    assert "Widget blank on our site" in case.description  # the transcript
    assert "Which URL?" in case.description
    again = bob_client.post(
        f"/console/chat/{conversation.pk}/case/",
        {"subject": "", "priority": "", "environment": "production", "case": ""},
    )
    assert again.status_code == 409
    assert f"this conversation is case {case.number} already" in again.content.decode()

    # staff only: a contact gets no console
    assert signed_in(alice.user).get("/console/chat/").status_code in (403, 404)


def test_a_conversation_joins_an_existing_case_of_its_organisation_only(
    ida_client: Client, bob_client: Client, acme_case: Case
) -> None:
    ida_client.post("/portal/chat/", {"body": "About my other case"})
    conversation = Conversation.objects.get()
    answer = bob_client.post(
        f"/console/chat/{conversation.pk}/case/",
        {"subject": "", "priority": "", "environment": "production", "case": acme_case.number},
    )
    assert answer.status_code == 400
    assert "another organisation" in answer.content.decode()
    unknown = bob_client.post(
        f"/console/chat/{conversation.pk}/case/",
        {"subject": "", "priority": "", "environment": "production", "case": "CW-999999"},
    )
    assert unknown.status_code == 400
    assert "no case CW-999999" in unknown.content.decode()


def test_an_unknown_conversation_is_404(bob_client: Client) -> None:
    assert bob_client.get("/console/chat/?conversation=999").status_code == 404
    assert bob_client.post("/console/chat/999/message/", {"body": "x"}).status_code == 404
