"""HTML input of the console's status pages: what each form accepts, its field shape only.

The rules (a title, a known impact, a final RCA's preventive measures, R29's windows) stay in
``casework.status.services``, whose ``StatusInputError`` the views put next to the field it
names. A component's state is one select per component (``state_<id>``); a ``state_`` key
naming no component is an error of the form, never ignored.
"""

from __future__ import annotations

from typing import Any

from django import forms

from casework.cases.models import Case, Origin
from casework.status.models import Component, ComponentGroup, Impact, IncidentStatus
from casework.status.selectors import case_by_reference, components_ordered
from casework.status.services import INCIDENT_STATES

STATE_PREFIX = "state_"
STATE_CHOICES = [(state.value, state.label) for state in INCIDENT_STATES]
OPENING_STATUSES = [(s.value, s.label) for s in IncidentStatus if s != IncidentStatus.RESOLVED]


class ComponentForm(forms.Form):
    """A new component, in a group (made if new) and a maintenance region (R29)."""

    name = forms.CharField(max_length=200)
    group = forms.CharField(max_length=200, required=False, help_text="Made if it is new.")
    region = forms.CharField(
        max_length=64, required=False, help_text="The policy's maintenance region: na, eu, apac…"
    )


class StatesForm(forms.Form):
    """A form with one state select per component (``state_<id>``); ``blank`` is what
    choosing nothing means (not affected, or unchanged)."""

    blank = "not affected"

    def __init__(self, *args: Any, components: list[Component], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.components = {component.pk: component for component in components}
        for component in components:
            label = component.name + (f" ({component.group.name})" if component.group else "")
            self.fields[f"{STATE_PREFIX}{component.pk}"] = forms.ChoiceField(
                label=label, required=False, choices=[("", self.blank), *STATE_CHOICES]
            )

    def clean(self) -> dict[str, Any] | None:
        """Refuse a ``state_`` key that names no component (unknown or not a number)."""
        data = super().clean()
        unknown = [key.removeprefix(STATE_PREFIX) for key in self.data
                   if key.startswith(STATE_PREFIX) and key not in self.fields]  # fmt: skip
        if unknown:
            self.add_error(None, f"no component {', '.join(sorted(unknown))}")
        return data

    def states(self) -> dict[Component, str]:
        """{component: state} for each component given a state (after ``is_valid``)."""
        return {
            component: self.cleaned_data[f"{STATE_PREFIX}{pk}"]
            for pk, component in self.components.items()
            if self.cleaned_data.get(f"{STATE_PREFIX}{pk}")
        }

    def state_fields(self) -> list[forms.BoundField]:
        """The components' selects, for the template to group them."""
        return [self[name] for name in self.fields if name.startswith(STATE_PREFIX)]

    def other_fields(self) -> list[forms.BoundField]:
        """Every visible field that is not a component's select."""
        return [field for field in self.visible_fields()
                if not field.name.startswith(STATE_PREFIX)]  # fmt: skip


class CaseReferenceField(forms.CharField):
    """A case by its number (``CW-000042``) or id; cleans to the ``Case``."""

    def clean(self, value: Any) -> Case | None:
        """The case named, or a validation error saying there is none."""
        text = super().clean(value)
        if not text:
            return None
        case = case_by_reference(text)
        if case is None:
            raise forms.ValidationError(f"no case {text}")
        return case


class IncidentForm(StatesForm):
    """Open an incident with its first update; ``case`` promotes a NOC case (linked to it)."""

    title = forms.CharField(max_length=300)
    impact = forms.ChoiceField(choices=Impact.choices, initial=Impact.MAJOR)
    status = forms.ChoiceField(choices=OPENING_STATUSES, initial=IncidentStatus.INVESTIGATING)
    message = forms.CharField(
        label="First update (public)", widget=forms.Textarea(attrs={"rows": 3})
    )
    security = forms.BooleanField(
        label="Security incident (DoS/DDoS, suspected or actual data compromise: R7)",
        required=False,
    )
    case = CaseReferenceField(
        label="Promote NOC case", max_length=40, required=False,
        help_text="Its number (CW-000042): the incident is linked to it.",
    )  # fmt: skip

    def clean_case(self) -> Case | None:
        """Only a NOC case is promoted; a customer's case is linked instead."""
        case: Case | None = self.cleaned_data.get("case")
        if case is not None and case.origin != Origin.NOC:
            raise forms.ValidationError(f"{case.number} is not a NOC case; link it instead")
        return case

    def clean(self) -> dict[str, Any] | None:
        """At least one component is affected."""
        data = super().clean()
        if not self.errors and not self.states():
            self.add_error(None, "give at least one affected component its state")
        return data


class UpdateForm(StatesForm):
    """A timeline entry: posted to every linked case (R23); ``resolved`` ends the incident."""

    blank = "unchanged"

    status = forms.ChoiceField(choices=IncidentStatus.choices)
    message = forms.CharField(label="Update (public)", widget=forms.Textarea(attrs={"rows": 3}))


class CaseLinkForm(forms.Form):
    """A customer case to link to the incident (G26)."""

    case = CaseReferenceField(label="Case number", max_length=40)


class RcaForm(forms.Form):
    """A draft RCA: preliminary (R21) or final, which needs preventive measures (R22)."""

    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    root_cause = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    preventive_measures = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ComponentsField(forms.ModelMultipleChoiceField[Component]):
    """Components as checkboxes, by name."""

    widget = forms.CheckboxSelectMultiple


class MaintenanceForm(forms.Form):
    """Planned work (R29): the window in the viewer's zone, its components and region."""

    title = forms.CharField(max_length=300)
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    components = ComponentsField(components_ordered())
    region = forms.CharField(
        max_length=64, required=False,
        help_text="Blank: the components' region. Its window applies unless an emergency.",
    )  # fmt: skip
    starts_at = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    ends_at = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    emergency = forms.BooleanField(
        label="Emergency (outside the window; notice to emergency contacts, R28)", required=False
    )

    def __init__(self, *args: Any, zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].label = f"Starts ({zone})"
        self.fields["ends_at"].label = f"Ends ({zone})"


class SubscribeForm(forms.Form):
    """``/status/subscribe/``: an address, and what to follow (nothing ticked: everything)."""

    email = forms.EmailField(label="Email address", max_length=254)
    components = forms.ModelMultipleChoiceField(
        queryset=Component.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, label="Components",
    )  # fmt: skip
    groups = forms.ModelMultipleChoiceField(
        queryset=ComponentGroup.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, label="Whole groups",
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["components"].queryset = components_ordered()  # type: ignore[attr-defined]
        self.fields["groups"].queryset = ComponentGroup.objects.order_by("position", "name")  # type: ignore[attr-defined]
