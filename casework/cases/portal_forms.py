"""HTML input of the customer portal's case pages: shape only (STYLE §3.3), no business rules.

The rules themselves (R50's environments, R27's roles) stay in ``case_open``; these forms
only parse what a browser sends, so the same refusal reaches the portal and the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from casework.accounts.models import Product
from casework.cases.attachments import attachment_content_check
from casework.cases.errors import CaseInputError
from casework.cases.models import Environment, Status
from casework.cases.workflow import WORKING
from casework.policy import Policy

# The portal's two halves of the list: still being worked on, or finished.
OPEN_STATUSES = frozenset({*WORKING, Status.SERVICE_RESTORED})
CLOSED_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED})
STATE_STATUSES = {"open": OPEN_STATUSES, "closed": CLOSED_STATUSES}


@dataclass(frozen=True, slots=True)
class PriorityOption:
    """One priority as the new-case form offers it: with its definition and, when it is not
    for every environment, the reason it may be refused (R50)."""

    id: str
    name: str
    definition: str
    environments: tuple[str, ...]
    restriction: str


def priority_options(policy: Policy) -> list[PriorityOption]:
    """The policy's enabled priorities in order, each with its definition (R50, R56)."""
    options = []
    every = set(Environment.values)
    for pid in policy.enabled_priorities():
        priority = policy.priorities[pid]
        envs = tuple(priority.environments)
        restriction = ""
        if set(envs) != every:  # R50: P1/P2 are for production only
            restriction = f"{priority.name} is for {' and '.join(envs)} only."
        options.append(PriorityOption(pid, priority.name, priority.definition, envs, restriction))
    return options


class MultipleFileInput(forms.ClearableFileInput):
    """A file input that accepts several files."""

    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Zero or more files, each checked as ``attachment_add`` will check it, so that a bad
    file is a field error before anything is created. Cleans to ``[(name, content), …]``."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[tuple[str, bytes]]:
        """Read and check every file (size, type by content)."""
        uploads = data if isinstance(data, list | tuple) else [data]
        files = []
        limit = settings.CASEWORK_MAX_ATTACHMENT_BYTES
        for upload in uploads:
            if not isinstance(upload, UploadedFile):
                continue
            content = upload.read(limit + 1)
            try:
                attachment_content_check(content)
            except CaseInputError as error:
                raise forms.ValidationError(f"{upload.name}: {error.message}") from None
            files.append((upload.name or "", content))
        return files


class CaseFilterForm(forms.Form):
    """The case list's filters and search (GET)."""

    state = forms.ChoiceField(
        choices=[("", "Open and closed"), ("open", "Open"), ("closed", "Closed")],
        required=False,
        label="Open or closed",
    )
    status = forms.ChoiceField(choices=[("", "Any status"), *Status.choices], required=False)
    priority = forms.ChoiceField(required=False)
    q = forms.CharField(max_length=500, required=False, label="Search")
    cursor = forms.CharField(max_length=200, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, policy: Policy | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = []
        if policy is not None:
            names = [(pid, policy.priorities[pid].name) for pid in policy.enabled_priorities()]
        field = cast(forms.ChoiceField, self.fields["priority"])
        field.choices = [("", "Any priority"), *names]


class CaseNewForm(forms.Form):
    """Open a case: what, where, how urgent (from the policy's priorities), and files."""

    subject = forms.CharField(max_length=300)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)
    product = forms.ModelChoiceField(
        queryset=Product.objects.order_by("name"), required=False, empty_label="Not sure"
    )
    environment = forms.ChoiceField(choices=Environment.choices)
    priority = forms.ChoiceField(widget=forms.RadioSelect)
    attachments = AttachmentsField(label="Attachments")

    def __init__(self, *args: Any, policy: Policy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options = priority_options(policy)
        field = cast(forms.ChoiceField, self.fields["priority"])
        field.choices = [(option.id, option.name) for option in self.options]
        field.initial = policy.rules.default_priority  # R56


class ReplyForm(forms.Form):
    """A customer's reply, with files."""

    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), max_length=20000, label="Your reply"
    )
    attachments = AttachmentsField(label="Attachments")
