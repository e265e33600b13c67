"""casework's outgoing mail backend: Django's SMTP backend that can also send with a null
envelope sender.

An automatic answer (the access answer to an unknown sender) goes out with ``MAIL FROM:<>``
(RFC 3834 §3.3 and RFC 5321 §4.5.5): a bounce of it has nowhere to go, so it can never come
back to casework's own intake and start an exchange. A message asks for it by its
``from_email`` being :data:`NULL_SENDER`; its ``From`` header then comes from its headers."""

from __future__ import annotations

from django.core.mail.backends.smtp import EmailBackend

NULL_SENDER = "<>"


class SMTPBackend(EmailBackend):
    """Django's SMTP backend; ``from_email=NULL_SENDER`` sends ``MAIL FROM:<>``."""

    def prep_address(self, address: str, force_ascii: bool = True) -> str:
        """The address for the SMTP envelope; "" (the null reverse-path) for NULL_SENDER."""
        if address == NULL_SENDER:
            return ""
        prepared: str = super().prep_address(address, force_ascii=force_ascii)
        return prepared
