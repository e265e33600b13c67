"""Sign-in forms of the web pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordResetForm

from casework.lib.tasks import mail_send


class LoginLinkForm(forms.Form):
    """Ask for a one-time sign-in link by email."""

    email = forms.EmailField(label="Email address", max_length=254)


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's password reset form, its mail sent by the worker (retried) rather than
    inside the request, so a slow or absent mail server neither delays nor breaks the page."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        """Render the mail as Django does, and enqueue it."""
        from django.template import loader

        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        mail_send.enqueue(to_email, subject, body)
