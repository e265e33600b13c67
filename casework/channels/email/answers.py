"""The answer to mail from an unknown sender (``CASEWORK_EMAIL_UNKNOWN_SENDER=answer``): the
message is held for triage as always, and its sender is told how to get access: whom to ask,
the portal, the support policy page.

It is an automatic reply (RFC 3834): ``Auto-Submitted: auto-replied``, threaded on their
message by ``In-Reply-To``/``References``, and marked with the loop header every mail of
casework carries. It goes to the envelope sender when the message came by SMTP (RFC 3834
§4), else to its From. At most one per address per ``CASEWORK_EMAIL_ANSWER_INTERVAL_SECONDS``
(a window in the shared rate-limit table, so every process agrees), never to an automatic
message (those are ``ignored`` by the parse, never ``held``) nor to one of our own addresses:
two robots cannot keep answering each other. Sent by a task, retried like notifications.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.utils import formatdate
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction

from casework.cases.notifications import LOOP_HEADER, header_safe
from casework.channels.base import Inbound
from casework.channels.email.parse import header_text, message_id_normalised, message_read
from casework.channels.models import RawInbound
from casework.lib.mail import NULL_SENDER
from casework.lib.ratelimit import rate_limit_hit
from casework.policies.selectors import policy_ids

logger = logging.getLogger(__name__)


def access_answer_address(*, raw: RawInbound, inbound: Inbound) -> str:
    """Where the answer goes: the SMTP envelope sender, else the From address; "" for none
    (and for our own addresses, which must never be answered)."""
    envelope_sender = str((raw.envelope or {}).get("mail_from") or "").strip("<>").lower()
    address = envelope_sender or inbound.sender
    if "@" not in address:
        return ""
    local, _, domain = address.rpartition("@")
    ours = {settings.DEFAULT_FROM_EMAIL.lower(), settings.CASEWORK_EMAIL_REPLY_TO.lower()}
    return "" if f"{local.partition('+')[0]}@{domain}" in ours else address


def access_answer_enqueue(*, raw: RawInbound, inbound: Inbound, at: datetime) -> bool:
    """Queue the answer to held message ``raw`` unless its sender had one within the
    interval; say so in ``raw.reason``. True when an answer was queued."""
    from casework.channels.email.tasks import access_answer_send

    address = access_answer_address(raw=raw, inbound=inbound)
    if not address:
        return False
    window = timedelta(seconds=settings.CASEWORK_EMAIL_ANSWER_INTERVAL_SECONDS)
    if not rate_limit_hit(f"email-answer:{address}", limit=1, window=window, at=at).allowed:
        logger.info("intake email %s: %s was answered less than %s ago", raw.pk, address, window)
        return False
    raw.reason = f"{raw.reason}; {address} was told how to get access"
    RawInbound.objects.filter(pk=raw.pk).update(reason=raw.reason)
    transaction.on_commit(partial(access_answer_send.enqueue, raw.pk, address))
    return True


def _policy_url() -> str:
    ids = policy_ids()
    path = f"/policy/{ids[0]}/" if len(ids) == 1 else "/policy/"
    return f"{settings.CASEWORK_BASE_URL}{path}"


def access_answer_message(*, raw: RawInbound, to: str) -> EmailMessage:
    """The answer to ``raw`` for ``to``. Its Message-ID is the same on every attempt."""
    original = message_read(bytes(raw.payload))
    subject = header_safe(header_text(original, "Subject"), limit=200) or "your message"
    their_id = message_id_normalised(bytes(raw.payload))
    references = " ".join([*header_text(original, "References").split(), their_id]).strip()
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "casework.invalid"
    headers = {
        "Message-ID": f"<casework.access.{raw.pk}@{header_safe(domain)}>",
        "Date": formatdate(localtime=False),
        "Auto-Submitted": "auto-replied",  # RFC 3834: automatic, never to be answered
        LOOP_HEADER: "1",
    }
    if their_id:
        headers |= {"In-Reply-To": their_id, "References": header_safe(references, limit=900)}
    who = settings.CASEWORK_EMAIL_ACCESS_CONTACT or (
        "a colleague who administers your organisation's support account (a contact with "
        "the administrator role)"
    )
    base = settings.CASEWORK_BASE_URL
    body = [
        "Hello,",
        "",
        f'Your message "{subject}" reached our support desk, but {to} is not the address of',
        "a contact we know, so no case was opened. The message is kept for our team.",
        "",
        "To get access:",
        f"- ask {who} to add you as a contact;",
        f"- then sign in to the support portal: {base}/portal/",
        f"- what support covers and how fast it answers: {_policy_url()}",
        "",
        "This answer is automatic; you will not get another one from us for a while.",
    ]
    return EmailMessage(
        subject=header_safe(f"Auto: {subject}", limit=300), body="\n".join(body),
        from_email=NULL_SENDER, to=[to], headers={"From": settings.DEFAULT_FROM_EMAIL, **headers},
    )  # fmt: skip
