"""Forms of the console's intake page."""

from __future__ import annotations

from django import forms

from casework.accounts.models import Organization
from casework.cases.models import Environment


class CaseByHandForm(forms.Form):
    """Open a case from a held or failed input: whose it is, and what it is about."""

    organization = forms.ModelChoiceField(
        queryset=Organization.objects.order_by("name"), label="Organisation"
    )
    subject = forms.CharField(max_length=300, required=False, label="Subject (optional)")
    environment = forms.ChoiceField(choices=Environment.choices, initial="production")
    priority = forms.CharField(
        max_length=32, required=False, label="Priority (optional: the policy's default)"
    )
