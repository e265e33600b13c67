"""HTML input of the console's phone pages: shape only (STYLE §3.3). The rules (R44's recap,
R50's environments, whose case it is, what is billable) stay in the services; R44's recap is
also checked here so that the form names the field before anything is written."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms

from casework.accounts.models import Contact, Organization, Product
from casework.accounts.validators import phone_normalise
from casework.cases.models import Case, Environment
from casework.cases.portal_forms import PriorityOption, priority_options
from casework.channels.models import BillableReview, CallDirection
from casework.policy import Policy

NEW_CASE = "new"


class BillableReviewForm(forms.Form):
    """Approve (charge) or waive one billable call, with the reason."""

    call = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        choices=[(c.value, c.label) for c in (BillableReview.APPROVED, BillableReview.WAIVED)]
    )
    reason = forms.CharField(max_length=2000, widget=forms.TextInput)


class PhoneNumberField(forms.CharField):
    """A phone number, cleaned to E.164 as the phone channel reads caller ids ("" if blank)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        """The number normalised (``casework.accounts.validators.phone_normalise``)."""
        text = str(super().clean(value))
        if not text:
            return ""
        number = phone_normalise(text)
        if number is None:
            raise forms.ValidationError(
                "expected an international (E.164) number such as +15551234: + and the "
                "country code, then the number"
            )
        return number


class ContactChoiceField(forms.ModelChoiceField[Contact]):
    """An active contact, by name and organisation."""

    def label_from_instance(self, obj: Contact) -> str:
        """Their full name (else username) and email address."""
        return f"{obj.user.get_full_name() or obj.user.username} <{obj.user.email}>"


class CallerForm(forms.Form):
    """Who is calling (GET, and again with the call's POST): their number, the number they
    dialled (a White Glove dedicated line, R32), a search by name or email, or the
    organisation and contact chosen by hand. All optional."""

    number = PhoneNumberField(label="Caller's number")
    dialled = PhoneNumberField(label="Number they dialled")
    q = forms.CharField(
        label="or search contacts by name or email", max_length=200, required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )  # fmt: skip
    organization = forms.ModelChoiceField(
        Organization.objects.order_by("name"), required=False, label="Organisation",
        empty_label="choose",
    )  # fmt: skip
    contact = ContactChoiceField(
        Contact.objects.select_related("user", "organization").filter(user__is_active=True),
        required=False, label="Contact", empty_label="not known",
    )  # fmt: skip

    def clean(self) -> dict[str, Any] | None:
        """A contact chosen by hand must be one of the organisation chosen with it."""
        data = super().clean()
        contact = self.cleaned_data.get("contact")
        organization = self.cleaned_data.get("organization")
        if contact and organization and contact.organization_id != organization.pk:
            self.add_error("contact", f"is not a contact of {organization}")
        return data


def _choices(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    field = form.fields[name]
    if isinstance(field, forms.ChoiceField):  # always: the form declares it so
        field.choices = choices


class CallForm(forms.Form):
    """The call itself (POST): who started it (R48), when (G6: the time to open runs from
    its start), the open case it joins or the new case it opens on the caller's behalf
    (priorities from the organisation's policy, R50, R56), what was said, and whether it was
    resolved on the call with the recap (R44)."""

    direction = forms.ChoiceField(
        label="Who called", widget=forms.RadioSelect, initial=CallDirection.INBOUND,
        choices=[(CallDirection.INBOUND, "The customer called"),
                 (CallDirection.OUTBOUND, "Support called (never counts against the plan)")],
    )  # fmt: skip
    started_at = forms.DateTimeField(
        label="Call started (your time zone)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )  # fmt: skip
    ended_at = forms.DateTimeField(
        label="Call ended", required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )  # fmt: skip
    case = forms.ChoiceField(label="The call is about", widget=forms.RadioSelect)
    said = forms.CharField(
        label="What was said", max_length=20000, widget=forms.Textarea(attrs={"rows": 4})
    )
    subject = forms.CharField(max_length=300, required=False)
    product = forms.ModelChoiceField(
        queryset=Product.objects.order_by("name"), required=False, empty_label="Not sure"
    )
    environment = forms.ChoiceField(choices=Environment.choices, initial=Environment.PRODUCTION)
    priority = forms.ChoiceField(widget=forms.RadioSelect, required=False)
    resolved_on_call = forms.BooleanField(
        label="Resolved on the call (the customer confirmed)", required=False
    )
    recap = forms.CharField(
        label="Recap of the solution given", max_length=20000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip

    def __init__(
        self, *args: Any, policy: Policy | None, cases: tuple[Case, ...], at: datetime,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.at = at
        self.cases = {str(case.pk): case for case in cases}
        self.options: list[PriorityOption] = priority_options(policy) if policy else []
        labels = [
            (pk, f"{c.number}: {c.subject} ({c.priority}, {c.get_status_display()})")
            for pk, c in self.cases.items()
        ]
        _choices(self, "case", [(NEW_CASE, "Open a new case on their behalf"), *labels])
        _choices(self, "priority", [(option.id, option.name) for option in self.options])
        self.fields["case"].initial = NEW_CASE
        self.fields["started_at"].initial = at
        if policy is not None:
            self.fields["priority"].initial = policy.rules.default_priority  # R56

    def chosen_case(self) -> Case | None:
        """The open case the call joins, or None: it opens a new one."""
        return self.cases.get(self.cleaned_data["case"])

    def clean(self) -> dict[str, Any] | None:
        """A new case needs its subject and priority; the call ends after it starts and
        neither is in the future; resolved on the call needs a recap (R44)."""
        data = super().clean()
        value = self.cleaned_data.get
        if value("case") == NEW_CASE:
            for name in ("subject", "priority"):
                if not value(name) and name not in self.errors:
                    self.add_error(name, "a new case needs one")
        started, ended = value("started_at"), value("ended_at")
        for name, instant in (("started_at", started), ("ended_at", ended)):
            if instant is not None and instant > self.at:
                self.add_error(name, "is in the future")
        if started is not None and ended is not None and ended < started:
            self.add_error("ended_at", "is before the call started")
        if value("resolved_on_call") and not str(value("recap") or "").strip():
            self.add_error("recap", "closing on the call needs a recap of the solution (R44)")
        return data
