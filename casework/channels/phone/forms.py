"""The manager's decision on one billable call (R47)."""

from __future__ import annotations

from django import forms

from casework.channels.models import BillableReview


class BillableReviewForm(forms.Form):
    """Approve (charge) or waive one billable call, with the reason."""

    call = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        choices=[(c.value, c.label) for c in (BillableReview.APPROVED, BillableReview.WAIVED)]
    )
    reason = forms.CharField(max_length=2000, widget=forms.TextInput)
