"""Inbound email, bytes → :class:`Inbound` (pure: no database, no clock; STYLE §3.5).

What it decides: who sent it, what it is about, the text to show (quoted history and
signatures stripped; the original stays in ``RawInbound.payload``), its files, the case it
answers (our own Message-IDs in ``In-Reply-To``/``References``, else a per-case reply address
``support+cw-000042@…`` it was sent to, else ``CW-000042`` in the subject) and whether it is
an automatic message never to act on (RFC 3834), and why. What the transport knew besides
the bytes (the SMTP envelope) and the reply address setting come in as a :class:`Delivery`.

Outgoing mail carries :data:`LOOP_HEADER`; a message that has it came from a casework (ours
or another one) and is ignored, which is what stops two help desks answering each other.
"""

from __future__ import annotations

import email
import email.policy
import functools
import re
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage, Message
from email.parser import BytesParser
from typing import Any

import nh3

from casework.channels.base import Inbound, InboundFile, ParseError

CHANNEL = "email"
LOOP_HEADER = "X-Casework-Loop"  # set on every message casework sends (the outbound helper)

_OUR_MESSAGE_ID = re.compile(r"<casework\.(CW-\d{6,})\.[^>@]*@[^>]*>", re.IGNORECASE)
_SUBJECT_NUMBER = re.compile(r"\[?\b(CW-\d{6,})\b\]?", re.IGNORECASE)
_AUTO_LOCALPARTS = re.compile(
    r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|owner-.*|.*-request)$", re.IGNORECASE
)
_BULK_PRECEDENCE = {"bulk", "list", "junk", "auto_reply"}
_FLAG_HEADERS = ("X-Auto-Response-Suppress", "X-Autoreply", "X-Autorespond", LOOP_HEADER)
_QUOTE_INTRO = re.compile(r"^\s*On\b.{0,300}\bwrote:\s*$", re.IGNORECASE)
_OUTLOOK_FROM = re.compile(r"^\s*\**From:\**\s.+", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\s*\**(Sent|Date|To|Subject):\**\s", re.IGNORECASE)
_ORIGINAL = re.compile(r"^\s*-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE)
_FORWARDED = re.compile(r"^\s*-{2,}\s*Forwarded message\s*-{2,}\s*$", re.IGNORECASE)
_BLOCK_TAGS = re.compile(r"<\s*(br|/p|/div|/li|/tr|/h\d)\b[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^>]*>")
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&nbsp;": " "}
_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To")


@dataclass(frozen=True, slots=True)
class Delivery:
    """What came with a message besides its bytes. ``mail_from`` and ``rcpt_tos`` are the
    SMTP envelope (``mail_from`` None when the transport had none: IMAP, HTTP; "" or "<>" is
    the null sender of a bounce); ``reply_to`` is ``CASEWORK_EMAIL_REPLY_TO``, whose
    ``+cw-000042`` form names a case."""

    mail_from: str | None = None
    rcpt_tos: tuple[str, ...] = ()
    reply_to: str = ""


class _CachedHeaders(HeaderRegistry):
    """The standard header registry, remembering the headers it parsed. The stdlib parser
    asks for a part's Content-Type a dozen times while it reads the message (and the body
    walk again), parsing the header anew each time: that was most of the cost of reading a
    message (bench/intake.py, docs/benchmarks.md). Header objects are immutable strings, so
    handing out the same one is safe; long values are not kept."""

    @functools.lru_cache(maxsize=1024)  # noqa: B019 - one registry for the process: no leak
    def _cached(self, name: str, value: str) -> BaseHeader:
        return super().__call__(name, value)

    def __call__(self, name: str, value: str) -> BaseHeader:
        """The header object for ``name: value``, parsed once while it is in the cache."""
        return self._cached(name, value) if len(value) <= 1000 else super().__call__(name, value)


# email.policy.default, with the remembering registry.
POLICY = email.policy.default.clone(header_factory=_CachedHeaders())


def message_read(payload: bytes) -> EmailMessage:
    """The parsed message; :class:`ParseError` for anything that is not one."""
    if not payload.strip():
        raise ParseError("empty message")
    try:
        message = email.message_from_bytes(payload, policy=POLICY)
    except Exception as error:  # the stdlib parser is lenient; defensively, never raise
        raise ParseError(f"unreadable message: {error}") from None
    if not message.keys():
        raise ParseError("no headers: not an email message")
    return message


def header_text(message: Message, name: str) -> str:
    """A header's decoded value, "" when missing or undecodable (malformed headers)."""
    try:
        value = message.get(name)
    except Exception:  # a malformed header the registry cannot parse: its raw text
        raw = [v for k, v in message.raw_items() if k.lower() == name.lower()]
        value = raw[0] if raw else None
    return " ".join(str(value).split()) if value is not None else ""


def message_id_normalised(payload: bytes) -> str:
    """The Message-ID as ``<local@domain>`` lower-cased domain; "" without one. Never raises.
    Reads only the headers (what deduplication needs before the message is stored)."""
    if not payload.strip():
        return ""
    try:
        message = BytesParser(policy=POLICY).parsebytes(payload, headersonly=True)
    except Exception:  # as message_read: the stdlib parser is lenient, never raise
        return ""
    return message_id_of(message)


def message_id_of(message: Message) -> str:
    """:func:`message_id_normalised` of a message already read."""
    value = header_text(message, "Message-ID")
    found = re.search(r"<([^<>\s]+)>", value)
    mid = found.group(1) if found else value.strip().strip("<>")
    if not mid:
        return ""
    local, at, domain = mid.rpartition("@")
    return f"<{local}@{domain.lower()}>" if at else f"<{mid}>"


def sender_of(message: Message) -> tuple[str, str]:
    """(address, display name) of From, lower-cased address; ("", "") if unreadable."""
    try:
        header: Any = message["From"]  # an AddressHeader (email.policy.default)
        addresses: tuple[Address, ...] = tuple(header.addresses) if header else ()
    except Exception:  # malformed From
        addresses = ()
    if not addresses:
        found = _ADDRESS.search(header_text(message, "From"))
        return (found.group(0).lower(), "") if found else ("", "")
    first = addresses[0]
    address = (first.addr_spec if first.domain else first.username).strip("<>").lower()
    if not re.fullmatch(r"[^\s<>@]+@[^\s<>@]+", address):
        found = _ADDRESS.search(header_text(message, "From"))
        return (found.group(0).lower(), "") if found else ("", "")
    return address, str(first.display_name or "")


def _auto_submitted(message: Message) -> str | None:
    value = header_text(message, "Auto-Submitted").lower()
    return f"Auto-Submitted: {value} (RFC 3834)" if value and value != "no" else None


def _precedence(message: Message) -> str | None:
    value = header_text(message, "Precedence").lower()
    return f"Precedence: {value}" if value in _BULK_PRECEDENCE else None


def _list_mail(message: Message) -> str | None:
    names = [name for name in message if name.lower().startswith("list-")]
    return f"list mail ({names[0]})" if names else None


def _flagged(message: Message) -> str | None:
    present = {name.lower() for name in message}
    found = [name for name in _FLAG_HEADERS if name.lower() in present]
    return f"automatic message ({found[0]})" if found else None


def _null_return_path(message: Message) -> str | None:
    paths = [str(v) for k, v in message.raw_items() if k.lower() == "return-path"]
    return "null return path (Return-Path: <>)" if any(p.strip() == "<>" for p in paths) else None


def _report(message: Message) -> str | None:
    if message.get_content_type() != "multipart/report":
        return None
    kind = str(message.get_param("report-type", "", header="content-type") or "")
    return f"delivery report (multipart/report; report-type={kind})"


_IGNORE_RULES = (_auto_submitted, _precedence, _list_mail, _flagged, _null_return_path, _report)


def ignore_reason(message: Message, sender: str, delivery: Delivery = Delivery()) -> str | None:
    """Why this message must not be acted on (RFC 3834 and loop rules), or None."""
    for rule in _IGNORE_RULES:
        reason = rule(message)
        if reason:
            return reason
    if delivery.mail_from is not None and delivery.mail_from.strip() in ("", "<>"):
        return "null envelope sender (MAIL FROM:<>)"
    local = sender.rpartition("@")[0] if "@" in sender else sender
    if local and _AUTO_LOCALPARTS.match(local):
        return f"automatic sender ({local}@)"
    return None


def text_decoded(raw: bytes, charset: str | None) -> tuple[str, str | None]:
    """Decode a text part by its declared charset; undeclared or wrong → utf-8, then
    cp1252, then latin-1 (never fails), with a note saying what was done."""
    if charset:
        try:
            return raw.decode(charset), None
        except (LookupError, UnicodeDecodeError):
            pass
    elif raw.isascii():
        return raw.decode("ascii"), None
    declared = f"declared charset {charset!r}" if charset else "no charset declared"
    for fallback in ("utf-8", "cp1252", "latin-1"):
        try:
            return raw.decode(fallback), f"{declared}: decoded as {fallback}"
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def html_to_text(html: str) -> str:
    """Sanitise with nh3 (no scripts, no event handlers, no images), then reduce to text."""
    cleaned = nh3.clean(
        html, tags={"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"},
        attributes={}, clean_content_tags={"script", "style", "title"}, link_rel=None,
    )  # fmt: skip
    text = _ANY_TAG.sub("", _BLOCK_TAGS.sub("\n", cleaned))
    for entity, char in _ENTITIES.items():
        text = text.replace(entity, char)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _quote_starts(lines: list[str], index: int, forwarded: bool) -> bool:
    line = lines[index]
    if line == "-- " or line.rstrip() == "--" or _ORIGINAL.match(line) or _QUOTE_INTRO.match(line):
        return True
    if forwarded or not _OUTLOOK_FROM.match(line):
        return False
    return any(_OUTLOOK_NEXT.match(nxt) for nxt in lines[index + 1 : index + 4])


def quotes_stripped(text: str) -> str:
    """What the sender wrote: no ``>`` quotes, nothing after "On … wrote:", an Outlook
    "From: … Sent: …" block, "-----Original Message-----" or a ``-- `` signature. A forwarded
    message's own headers are kept (they are what was forwarded)."""
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    forwarded = False
    for index, line in enumerate(lines):
        forwarded = forwarded or bool(_FORWARDED.match(line))
        if _quote_starts(lines, index, forwarded):
            break
        if not line.lstrip().startswith(">"):
            kept.append(line.rstrip())
    shown = "\n".join(kept).strip()
    return shown or text.strip()


def _is_file(part: Message) -> bool:
    if part.is_multipart():
        return False
    if part.get_filename() or part.get_content_disposition() == "attachment":
        return True
    # a "multipart/…" part that did not parse as one (a broken boundary) is read as text
    return part.get_content_maintype() not in ("text", "message", "multipart")


def _is_plain(part: Message) -> bool:
    if part.is_multipart():
        return False
    return part.get_content_type() == "text/plain" or part.get_content_maintype() == "multipart"


def _file_of(part: Message, index: int) -> tuple[InboundFile, str | None]:
    content = part.get_payload(decode=True)
    data = content if isinstance(content, bytes) else b""
    subtype = re.sub(r"[^a-z0-9]", "", part.get_content_subtype())[:10] or "bin"
    name = part.get_filename() or f"inline-{index}.{subtype}"
    content_type = part.get_content_type()
    note = None
    if name.lower() == "winmail.dat" or content_type == "application/ms-tnef":
        note = f"{name}: an Outlook TNEF (winmail.dat) file, kept as it came (not unpacked)"
    return InboundFile(name=name, content_type=content_type, content=data), note


def _text_of(part: Message) -> tuple[str, str | None]:
    content = part.get_payload(decode=True)
    raw = content if isinstance(content, bytes) else str(part.get_payload()).encode()
    try:
        charset = part.get_content_charset()
    except Exception:  # a malformed Content-Type parameter
        charset = None
    return text_decoded(raw, charset)


def body_and_files(message: Message) -> tuple[str, tuple[InboundFile, ...], tuple[str, ...]]:
    """The text to show (text/plain preferred, else sanitised HTML), the files, the notes."""
    plain: Message | None = None
    html: Message | None = None
    files: list[InboundFile] = []
    notes: list[str] = []
    for part in message.walk():
        if _is_file(part):
            found, note = _file_of(part, len(files) + 1)
            files.append(found)
            notes.extend([note] if note else [])
        elif _is_plain(part) and plain is None:
            plain = part
        elif part.get_content_type() == "text/html" and html is None:
            html = part
    chosen = plain if plain is not None else html
    if chosen is None:
        return "", tuple(files), tuple(notes)
    text, note = _text_of(chosen)
    notes.extend([note] if note else [])
    shown = quotes_stripped(text if chosen is plain else html_to_text(text))
    return shown, tuple(files), tuple(notes)


def case_address_number(addresses: list[str], reply_to: str) -> str:
    """The case named by the first of ``addresses`` that is a per-case form of ``reply_to``
    (``support+cw-000042@example.com`` for ``support@example.com``); "" for none."""
    local, at, domain = reply_to.strip().rpartition("@")
    if not (local and at and domain):
        return ""
    pattern = re.compile(
        rf"(?<![\w.+-]){re.escape(local)}\+(cw-\d{{6,}})@{re.escape(domain)}(?![\w.-])",
        re.IGNORECASE,
    )
    for address in addresses:
        found = pattern.search(address)
        if found:
            return found.group(1).upper()
    return ""


def case_number_of(message: Message, subject: str, delivery: Delivery = Delivery()) -> str:
    """The case a message answers: one of our Message-IDs in In-Reply-To, then References
    (the nearest first), then a per-case reply address it was sent to (To, Cc,
    Delivered-To, the envelope's recipients), then ``CW-000042`` in the subject; "" for
    none. Whether the sender may add to that case is the intake service's to decide."""
    in_reply_to = _OUR_MESSAGE_ID.findall(header_text(message, "In-Reply-To"))
    references = _OUR_MESSAGE_ID.findall(header_text(message, "References"))
    for found in (*in_reply_to, *reversed(references)):
        return str(found).upper()
    if delivery.reply_to:
        recipients = [header_text(message, name) for name in _RECIPIENT_HEADERS]
        by_address = case_address_number([*recipients, *delivery.rcpt_tos], delivery.reply_to)
        if by_address:
            return by_address
    in_subject = _SUBJECT_NUMBER.search(subject)
    return in_subject.group(1).upper() if in_subject else ""


def email_parse(
    payload: bytes, *, received_at: datetime, delivery: Delivery = Delivery()
) -> Inbound:
    """Read one MIME message into an :class:`Inbound`; only :class:`ParseError` escapes."""
    try:
        return _parse(payload, received_at, delivery)
    except ParseError:
        raise
    except Exception as error:  # malformed input the stdlib trips on: say so, never 500
        raise ParseError(f"malformed message: {type(error).__name__}: {error}") from None


def _parse(payload: bytes, received_at: datetime, delivery: Delivery) -> Inbound:
    message = message_read(payload)
    sender, name = sender_of(message)
    subject = header_text(message, "Subject")
    body, files, notes = body_and_files(message)
    return Inbound(
        channel=CHANNEL, received_at=received_at, sender=sender, sender_name=name,
        subject=subject, body=body, files=files, message_id=message_id_of(message),
        case_number=case_number_of(message, subject, delivery),
        ignore=ignore_reason(message, sender, delivery), notes=notes,
    )  # fmt: skip
