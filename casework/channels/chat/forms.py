"""Forms of the chat pages: they work without JavaScript (plain POST); with it, the same
messages go over the websocket instead (``casework/static/chat.js``)."""

from __future__ import annotations

from typing import cast

from django import forms
from django.conf import settings

from casework.cases.models import Environment
from casework.policy import Policy


class ChatMessageForm(forms.Form):
    """One message (the limit is ``CASEWORK_CHAT_MAX_CHARS``; the service checks it)."""

    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["body"].widget.attrs["maxlength"] = settings.CASEWORK_CHAT_MAX_CHARS


class ChatCaseForm(forms.Form):
    """Make a case of a conversation, or add it to one of its organisation's cases."""

    subject = forms.CharField(max_length=300, required=False, label="Subject")
    priority = forms.ChoiceField(required=False, label="Priority")
    environment = forms.ChoiceField(choices=Environment.choices, initial="production")
    case = forms.CharField(
        max_length=20, required=False, label="Or join case (number, e.g. CW-000042)"
    )

    def __init__(self, *args: object, policy: Policy | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        names = []
        if policy is not None:
            names = [(pid, policy.priorities[pid].name) for pid in policy.enabled_priorities()]
        field = cast(forms.ChoiceField, self.fields["priority"])
        field.choices = [("", "The policy's default"), *names]
