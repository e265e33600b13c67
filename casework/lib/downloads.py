"""Attachments sent as downloads that the browser must neither render nor sniff (OWASP ASVS
5.2–5.4): the API and the portal serve them through :func:`attachment_download_for_user`."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404

from casework.cases.models import Attachment
from casework.cases.selectors import attachment_get_for_user


def attachment_download_for_user(user: User, attachment_id: int) -> FileResponse:
    """The attachment as a download if ``user`` may see it (its case, and for a contact its
    message); a 404 otherwise, as if it did not exist."""
    try:
        attachment = attachment_get_for_user(user, attachment_id)
    except Attachment.DoesNotExist:
        raise Http404("no such attachment") from None
    response = FileResponse(
        default_storage.open(attachment.storage_name, "rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
