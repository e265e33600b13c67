"""casework's outgoing mail backend: Django's SMTP backend that can also send with a null
envelope sender, and folds headers at RFC 5322's hard limit.

An automatic answer (the access answer to an unknown sender) goes out with ``MAIL FROM:<>``
(RFC 3834 §3.3 and RFC 5321 §4.5.5): a bounce of it has nowhere to go, so it can never come
back to casework's own intake and start an exchange. A message asks for it by its
``from_email`` being :data:`NULL_SENDER`; its ``From`` header then comes from its headers.

Django serialises with ``email.policy.SMTP``, which folds at 78 characters and, for a header
holding one long word it cannot fold (``List-Unsubscribe: <https://…>``, RFC 8058), encodes
it as RFC 2047 words that no mail client reads as a URL. casework folds at 998, the line
limit RFC 5322 §2.1.1 sets."""

from __future__ import annotations

import email.policy
import smtplib

from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend

NULL_SENDER = "<>"
POLICY = email.policy.SMTP.clone(max_line_length=998)


class SMTPBackend(EmailBackend):
    """Django's SMTP backend; ``from_email=NULL_SENDER`` sends ``MAIL FROM:<>``."""

    def prep_address(self, address: str, force_ascii: bool = True) -> str:
        """The address for the SMTP envelope; "" (the null reverse-path) for NULL_SENDER."""
        if address == NULL_SENDER:
            return ""
        prepared: str = super().prep_address(address, force_ascii=force_ascii)
        return prepared

    def _send(self, email_message: EmailMessage) -> bool:
        """Django's, serialised under :data:`POLICY`."""
        if not email_message.recipients():
            return False
        from_email = self.prep_address(email_message.from_email)
        recipients = [self.prep_address(address) for address in email_message.recipients()]
        message = email_message.message(policy=POLICY)
        connection = self.connection
        if connection is None:  # send_messages opens it first
            raise smtplib.SMTPServerDisconnected("not connected")
        try:
            connection.sendmail(from_email, recipients, message.as_bytes())
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True
