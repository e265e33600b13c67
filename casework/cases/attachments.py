"""Attachments of cases: checked, stored under a random name, served only as downloads.

The checks follow OWASP ASVS 5.2–5.4 (TESTING.md A1 row 9): a size limit
(``CASEWORK_MAX_ATTACHMENT_BYTES``), a type decided by the file's first bytes, never by the
name or the type the client claims, from a short allowlist (:data:`ALLOWED_TYPES`); the
stored name is random (no user text in paths) and the original name is kept only as a
sanitised label, whose extension is made to match the detected type.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from casework.cases.errors import CaseInputError
from casework.cases.models import Attachment, Case, CaseEvent, Message

# type → (magic prefixes, extension). Plain text has no magic: see ``_detect``.
ALLOWED_TYPES: dict[str, tuple[tuple[bytes, ...], str]] = {
    "image/png": ((b"\x89PNG\r\n\x1a\n",), "png"),
    "image/jpeg": ((b"\xff\xd8\xff",), "jpg"),
    "image/gif": ((b"GIF87a", b"GIF89a"), "gif"),
    "application/pdf": ((b"%PDF-",), "pdf"),
    "text/plain": ((), "txt"),
}
_MARKUP = re.compile(rb"^\s*<|<\s*(script|svg|html|iframe|body)\b", re.IGNORECASE)
_UNSAFE = re.compile(r"[^A-Za-z0-9._ ()+-]+")


def _detect(content: bytes) -> str | None:
    for kind, (prefixes, _) in ALLOWED_TYPES.items():
        if any(content.startswith(prefix) for prefix in prefixes):
            return kind
    if b"\x00" in content or _MARKUP.search(content[:4096]):
        return None  # binary of an unknown kind, or markup that a browser might render
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/plain"


def filename_sanitised(name: str, content_type: str) -> str:
    """A safe label for ``name``: no directories, control or bidi characters, only plain
    letters, digits and ``._ ()+-``, at most 100 characters, ending in the extension of
    ``content_type``."""
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFKC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] not in {"C"})
    base = _UNSAFE.sub("_", base).strip(" ._") or "attachment"
    extension = ALLOWED_TYPES[content_type][1]
    stem, dot, ext = base.rpartition(".")
    accepted = {extension, "jpeg"} if extension == "jpg" else {extension}
    if not dot or not stem or ext.lower() not in accepted:
        stem, ext = base, extension
    return f"{stem[: 100 - len(ext) - 1]}.{ext}"


def attachment_content_check(content: bytes) -> str:
    """The type of ``content`` if it may be attached; else ``CaseInputError`` on ``file``
    (empty, over ``CASEWORK_MAX_ATTACHMENT_BYTES``, or not of :data:`ALLOWED_TYPES`). A form
    that opens a case with files checks them with it first, so nothing is half-created."""
    limit = settings.CASEWORK_MAX_ATTACHMENT_BYTES
    if not content:
        raise CaseInputError("file", "the file is empty")
    if len(content) > limit:
        raise CaseInputError("file", f"the file is larger than the limit of {limit} bytes")
    content_type = _detect(content)
    if content_type is None:
        allowed = ", ".join(ALLOWED_TYPES)
        raise CaseInputError("file", f"this kind of file is not accepted; expected {allowed}")
    return content_type


@transaction.atomic
def attachment_add(
    *, case: Case, uploaded_by: User, name: str, content: bytes, message: Message | None = None
) -> Attachment:
    """Check and store a file on ``case`` (optionally on one of its messages), with a history
    event. Validates (several surfaces share it): raises ``CaseInputError`` on ``file``."""
    content_type = attachment_content_check(content)
    filename = filename_sanitised(name, content_type)
    stored = default_storage.save(f"attachments/{secrets.token_hex(16)}", ContentFile(content))
    attachment = Attachment.objects.create(
        case=case,
        message=message,
        storage_name=stored,
        filename=filename,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=uploaded_by,
    )
    public = message.public if message is not None else True
    CaseEvent.objects.create(
        case=case,
        kind="attachment",
        at=timezone.now(),
        actor=uploaded_by,
        public=public,
        data={
            "attachment": attachment.pk,
            "filename": filename,
            "content_type": content_type,
            "size": len(content),
            "message": message.pk if message else None,
        },
    )
    return attachment
