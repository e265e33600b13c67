"""HTML input of the agent console: what each form accepts, and its field shape only.

Business rules stay in the services (a priority's environments, the workflow, R44's recap is
also checked here so the form can name the field before anything is written). Choices come
from the case's pinned policy version, so an agent is offered what the case's policy knows.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.models import User

from casework.accounts.models import Organization, Product, StaffProfile, Tier
from casework.cases.models import Case, Status
from casework.cases.selectors import CaseFilters, staff_assignees
from casework.policies.selectors import policy_get, policy_list_current
from casework.policy import Policy

# ?queue= values, in the order of the tabs.
QUEUES: dict[str, str] = {
    "mine": "My cases",
    "tier": "My tier",
    "unassigned": "Unassigned",
    "at_risk": "At risk",
    "breached": "Breached",
    "all": "All",
}


def staff_tier(user: User) -> str | None:
    """The tier ``user`` works, or None (managers, administrators, superusers)."""
    try:
        return user.staff_profile.tier
    except StaffProfile.DoesNotExist:
        return None


def default_queue(user: User) -> str:
    """ "My tier" for someone who works a tier, "all" for everyone else."""
    return "tier" if staff_tier(user) else "all"


def _choices(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    field = form.fields[name]
    if isinstance(field, forms.ChoiceField):  # always: the form declares it so
        field.choices = choices


def _blank(choices: list[tuple[str, str]], label: str = "any") -> list[tuple[str, str]]:
    return [("", label), *choices]


class QueueForm(forms.Form):
    """The queue's GET form: which queue, a full-text search and the filters (all optional)."""

    queue = forms.ChoiceField(choices=list(QUEUES.items()), required=False)
    q = forms.CharField(
        label="Search", max_length=500, required=False,
        widget=forms.TextInput(attrs={"type": "search", "data-key": "/"}),
    )  # fmt: skip
    plan = forms.ChoiceField(required=False)
    priority = forms.ChoiceField(required=False)
    status = forms.ChoiceField(choices=_blank(list(Status.choices)), required=False)
    organization = forms.ModelChoiceField(
        Organization.objects.order_by("name"), required=False, label="Organisation",
        empty_label="any",
    )  # fmt: skip
    product = forms.ModelChoiceField(Product.objects.all(), required=False, empty_label="any")
    tier = forms.ChoiceField(choices=_blank(list(Tier.choices)), required=False)
    cursor = forms.CharField(max_length=200, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        policies = [stored.policy for stored in policy_list_current()]
        plans = {plan: p.plans[plan].name for p in policies for plan in p.plans}
        priorities = {pid: pid for p in policies for pid in p.enabled_priorities()}
        _choices(self, "plan", _blank(sorted(plans.items())))
        _choices(self, "priority", _blank(sorted(priorities.items())))

    def filters(self, user: User, queue: str) -> CaseFilters:
        """The selector's filters for ``queue`` of ``user`` and the chosen filters (a
        filter chosen in the form wins over the queue's own, e.g. another tier)."""
        base = {
            "mine": CaseFilters(assignee=user.pk),
            "tier": CaseFilters(tier=staff_tier(user)),
            "unassigned": CaseFilters(unassigned=True),
            "at_risk": CaseFilters(at_risk=True),
            "breached": CaseFilters(breached=True),
        }.get(queue, CaseFilters())
        data = self.cleaned_data
        chosen: dict[str, Any] = {
            name: data[name] or None for name in ("q", "plan", "priority", "status", "tier")
        }
        chosen["organization"] = data["organization"].pk if data["organization"] else None
        chosen["product"] = data["product"].pk if data["product"] else None
        return replace(base, **{name: value for name, value in chosen.items() if value})


def case_policy(case: Case) -> Policy:
    """The policy version the case is pinned to (G27)."""
    return policy_get(case.policy_id, version=case.policy_version).policy


class CaseForm(forms.Form):
    """A form about one case (``case=``), whose choices may come from the case's policy."""

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case


class ReplyForm(CaseForm):
    """A public reply (a response, G4), with an ETA (G7) or a workaround in place (R62)."""

    body = forms.CharField(
        label="Reply to the customer", widget=forms.Textarea(attrs={"data-key": "r", "rows": 5})
    )
    eta = forms.DateTimeField(
        label="ETA (your time zone)", required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )  # fmt: skip
    workaround = forms.BooleanField(label="Workaround in place", required=False)


class NoteForm(CaseForm):
    """An internal note: support only, never shown to the customer, not a response (G4)."""

    body = forms.CharField(
        label="Internal note (not shown to the customer)",
        widget=forms.Textarea(attrs={"data-key": "n", "rows": 3}),
    )


class AttachForm(CaseForm):
    """A file for the case (size and type checked again by ``attachment_add``)."""

    file = forms.FileField(label="File (PNG, JPEG, GIF, PDF or plain text)")

    def clean_file(self) -> Any:
        """Refuse a file over ``CASEWORK_MAX_ATTACHMENT_BYTES`` before reading it."""
        upload = self.cleaned_data["file"]
        limit = settings.CASEWORK_MAX_ATTACHMENT_BYTES
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(f"the file is larger than the limit of {limit} bytes")
        return upload


class ReclassifyForm(CaseForm):
    """A new priority and the reason (R53–R55). The preview's form adds ``confirm=yes``
    (not a field: a form re-rendered with an error must go through the preview again)."""

    priority = forms.ChoiceField(label="New priority")
    reason = forms.CharField(label="Reason", max_length=1000)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        policy = case_policy(case)
        _choices(
            self, "priority",
            [(pid, f"{pid}: {policy.priorities[pid].name}") for pid in policy.enabled_priorities()],
        )  # fmt: skip
        self.fields["priority"].initial = case.priority


class ElevateForm(CaseForm):
    """Another tier and the reason (R38–R41)."""

    tier = forms.ChoiceField(label="Tier")
    reason = forms.CharField(label="Reason", max_length=1000)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        tiers = case_policy(case).tiers
        _choices(self, "tier", [(tid, f"{tid}: {t.name}") for tid, t in tiers.items()])
        self.fields["tier"].initial = case.tier


class StaffChoiceField(forms.ModelChoiceField[User]):
    """A member of staff, by name."""

    def label_from_instance(self, obj: User) -> str:
        """Their full name, else their username."""
        return obj.get_full_name() or obj.username


class AssignForm(CaseForm):
    """Another assignee among support staff, and the reason."""

    assignee = StaffChoiceField(staff_assignees(), label="Assign to", empty_label="choose")
    reason = forms.CharField(label="Reason", max_length=1000)


# The statuses the console's status form offers; closing from a working status needs one of
# the policy's scope exclusions (R2, R12–R16), "solution provided – not implemented" too (R14).
STATUS_ACTIONS = [
    (Status.PENDING_CUSTOMER.value, "Pending customer"),
    (Status.SERVICE_RESTORED.value, "Service restored"),
    (Status.RESOLVED.value, "Resolved"),
    (Status.CLOSED.value, "Closed"),
    (Status.OPEN.value, "Open (back to work)"),
]


class StatusForm(CaseForm):
    """A new status; for closing as out of scope, which exclusion (R2, R12–R16)."""

    status = forms.ChoiceField(label="New status", choices=STATUS_ACTIONS)
    exclusion = forms.ChoiceField(label="Out of scope because", required=False)
    note = forms.CharField(label="Note (optional)", max_length=1000, required=False)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        exclusions = case_policy(case).rules.scope_exclusions
        named = [
            (key, f"{e.name} ({e.rule})" if e.rule else e.name) for key, e in exclusions.items()
        ]
        _choices(self, "exclusion", _blank(named, "not out of scope"))


class CallForm(CaseForm):
    """A phone call with the customer (R43); resolved on the call needs a recap (R44)."""

    body = forms.CharField(
        label="What was said", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    resolved_on_call = forms.BooleanField(
        label="Resolved on the call (the customer confirmed)", required=False
    )
    direction = forms.ChoiceField(  # R48: support's own calls never count against a plan
        choices=[("inbound", "The customer called"), ("outbound", "Support called")],
        required=False, initial="inbound",
    )  # fmt: skip

    def clean(self) -> dict[str, Any] | None:
        """R44: a case closed on the call keeps a recap of the solution given."""
        data = super().clean()
        if self.cleaned_data.get("resolved_on_call") and not self.cleaned_data.get("body"):
            self.add_error("body", "closing on the call needs a recap of the solution (R44)")
        return data
