"""The console's billable-call review (``/console/calls/billable/``, R47, G16): managers
and administrators only (other staff, contacts: 404). Views are thin: the reads are
``selectors``, the write ``services.phone_call_review``."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from casework.cases.errors import CaseInputError
from casework.channels.phone.forms import BillableReviewForm
from casework.channels.phone.selectors import (
    billable_call_get,
    billable_calls_pending,
    billable_calls_reviewed,
)
from casework.channels.phone.services import phone_call_review
from casework.lib.web import manager_required, request_user

TEMPLATE = "phone/console/billable_calls.html"


def _page(request: HttpRequest, form: BillableReviewForm | None, status: int) -> HttpResponse:
    context = {
        "pending": billable_calls_pending(),
        "reviewed": billable_calls_reviewed(),
        "form": form,
    }
    return render(request, TEMPLATE, context, status=status)


@manager_required
def billable_calls(request: HttpRequest) -> HttpResponse:
    """The billable calls waiting for review, each with a form to approve or waive it with
    a reason (POST), and the latest decisions."""
    if request.method != "POST":
        return _page(request, None, 200)
    form = BillableReviewForm(request.POST)
    if not form.is_valid():
        return _page(request, form, 400)
    call = billable_call_get(form.cleaned_data["call"])
    if call is None:
        raise Http404("no such call")
    try:
        phone_call_review(
            call=call, reviewer=request_user(request), decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"], at=timezone.now(),
        )  # fmt: skip
    except CaseInputError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _page(request, form, 400)
    return redirect("console:billable-calls")
