"""The chat channel (R1): live chat and messaging between contacts and support.

Messages travel over websockets (``consumers.py``, routed in ``casework/asgi.py``) through
Django Channels' channel layer: in memory in the embedded default (one process), Redis
(``CASEWORK_REDIS_URL``) when several web processes serve casework. Every message is stored
as it is written (``ChatMessage``); when a conversation becomes a case or joins one, its
transcript goes through the one intake shape: stored as raw input, read by the pure
:func:`casework.channels.chat.parse.transcript_parse`, handed to the intake service."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

from casework.channels.base import Channel, Inbound, channel_register
from casework.channels.chat.parse import transcript_parse

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from casework.accounts.models import Organization
    from casework.cases.models import Case


class ChatChannel(Channel):
    """A conversation's transcript per input; one per conversation (its dedup key)."""

    name = "chat"
    max_bytes = 2 * 1024 * 1024

    def parse(self, payload: bytes, *, received_at: datetime) -> Inbound:
        """See :func:`transcript_parse`."""
        return transcript_parse(payload, received_at=received_at)

    def dedup_key(self, payload: bytes) -> str:
        """``conversation:<id>``: a conversation becomes (or joins) one case, once."""
        try:
            document = json.loads(payload)
        except ValueError:
            return ""
        conversation = document.get("conversation") if isinstance(document, dict) else None
        return f"conversation:{conversation}" if isinstance(conversation, int) else ""

    def case_for(self, inbound: Inbound) -> Case | None:
        """The case the engineer chose to add the conversation to, when it is the
        conversation's organisation's (the intake service looks by the sender's address
        first; a contact without one still joins their own organisation's case)."""
        from casework.cases.models import Case

        case_id = Case.id_from_number(inbound.case_number) if inbound.case_number else None
        organization = dict(inbound.labels).get("organization", "")
        if case_id is None or not organization.isdigit():
            return None
        return Case.objects.filter(pk=case_id, organization_id=int(organization)).first()

    def opener_for(self, inbound: Inbound) -> tuple[Organization, User | None] | None:
        """The conversation's organisation and contact (as the transcript's labels say)."""
        from casework.accounts.models import Contact

        labels = dict(inbound.labels)
        organization, user = labels.get("organization", ""), labels.get("contact", "")
        if not (organization.isdigit() and user.isdigit()):
            return None
        contact = (
            Contact.objects.select_related("organization", "user")
            .filter(organization_id=int(organization), user_id=int(user))
            .first()
        )
        return (contact.organization, contact.user) if contact is not None else None


CHAT = channel_register(ChatChannel())
