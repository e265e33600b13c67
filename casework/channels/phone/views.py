"""The console's phone pages: logging a call (``/console/calls/new/``, staff, R43–R48, R32)
and the billable-call review (``/console/calls/billable/``, R47, G16: managers and
administrators only). Other people get a 404. Views are thin: the reads are ``selectors``,
the writes ``services.phone_call_take`` and ``services.phone_call_review``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from casework.accounts.models import Organization
from casework.cases.errors import CaseInputError, TransitionRefusedError
from casework.cases.services import CaseDraft
from casework.channels.models import PhoneCall
from casework.channels.phone.forms import BillableReviewForm, CallerForm, CallForm
from casework.channels.phone.selectors import (
    CallerLookup,
    billable_call_get,
    billable_calls_pending,
    billable_calls_reviewed,
    caller_lookup,
)
from casework.channels.phone.services import TakenCall, phone_call_review, phone_call_take
from casework.lib.web import HtmxHttpRequest, manager_required, request_user, staff_required

TEMPLATE = "phone/console/billable_calls.html"
CALL_TEMPLATE = "phone/console/call_new.html"


def _caller(request: HttpRequest, *, at: datetime) -> tuple[CallerForm, CallerLookup]:
    """The caller form bound to the query (GET) or the call's POST, and who it finds."""
    form = CallerForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        return form, CallerLookup()
    data = form.cleaned_data
    return form, caller_lookup(
        request_user(request), number=data["number"], dialled=data["dialled"], query=data["q"],
        organization=data["organization"], contact=data["contact"], at=at,
    )  # fmt: skip


def _call_page(
    request: HtmxHttpRequest, caller: CallerForm, lookup: CallerLookup, form: CallForm, *,
    status: int = 200, refusal: str = "",
) -> HttpResponse:  # fmt: skip
    numbers = caller.cleaned_data if caller.is_valid() else {}
    context = {
        "caller_form": caller, "lookup": lookup, "form": form, "refusal": refusal,
        "number": numbers.get("number", ""), "dialled": numbers.get("dialled", ""),
    }  # fmt: skip
    # htmx's live lookup swaps everything under the caller form (the match and the call form).
    template = CALL_TEMPLATE + ("#call" if request.htmx and request.method == "GET" else "")
    return render(request, template, context, status=status)


def _taken(
    organization: Organization, lookup: CallerLookup, caller: dict[str, Any], data: dict[str, Any]
) -> TakenCall:
    return TakenCall(
        organization=organization, contact=lookup.contact, direction=data["direction"],
        started_at=data["started_at"], ended_at=data["ended_at"], said=data["said"],
        caller=caller["number"], dialled=caller["dialled"],
        recap=data["recap"].strip() if data["resolved_on_call"] else "",
    )  # fmt: skip


def _draft(organization: Organization, form: CallForm) -> CaseDraft | None:
    """The new case the call opens, or None when it joins an open one."""
    data = form.cleaned_data
    if form.chosen_case() is not None:
        return None
    return CaseDraft(
        organization=organization, subject=data["subject"], description=data["said"],
        environment=data["environment"], priority=data["priority"], product=data["product"],
        channel="phone",
    )  # fmt: skip


def _done(call: PhoneCall, *, opened: bool, resolved: bool) -> str:
    case = call.case
    done = f"Call logged: {case.number} opened on {case.organization}'s behalf." if opened else (
        f"Call logged on {case.number}.")  # fmt: skip
    if resolved:
        done += " Resolved and closed on the call, with the recap (R44)."
    if call.billable:
        done += " The call is flagged billable for a manager's review (R47)."
    return done


@staff_required
@require_http_methods(["GET", "POST"])
def call_new(request: HtmxHttpRequest) -> HttpResponse:
    """Log a call (R43): find the caller by number, dedicated number dialled (R32) or
    search, or choose the organisation by hand; then attach the call to one of its open
    cases or open one on the caller's behalf, its time to open from the call's start (G6);
    resolved on the call closes it with the recap (R44). A field to fix re-renders the form
    with it named (400), a refusal with the reason (409)."""
    at = timezone.now()
    caller, lookup = _caller(request, at=at)
    form = CallForm(request.POST or None, policy=lookup.terms.policy if lookup.terms else None,
                    cases=lookup.open_cases, at=at)  # fmt: skip
    if request.method != "POST":
        return _call_page(request, caller, lookup, form, status=400 if caller.errors else 200)
    organization = lookup.organization
    if organization is None:
        if not caller.errors:
            caller.add_error("organization", "choose the caller's organisation")
        return _call_page(request, caller, lookup, form, status=400)
    if lookup.terms is None:
        refusal = f"{organization} has no support plan in effect: no case can be opened."
        return _call_page(request, caller, lookup, form, status=409, refusal=refusal)
    if not form.is_valid():
        return _call_page(request, caller, lookup, form, status=400)
    try:
        call = phone_call_take(
            call=_taken(organization, lookup, caller.cleaned_data, form.cleaned_data),
            engineer=request_user(request), at=at, case=form.chosen_case(),
            draft=_draft(organization, form),
        )  # fmt: skip
    except CaseInputError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _call_page(request, caller, lookup, form, status=400)
    except TransitionRefusedError as error:
        return _call_page(request, caller, lookup, form, status=409, refusal=error.reason)
    opened, resolved = form.chosen_case() is None, form.cleaned_data["resolved_on_call"]
    messages.success(request, _done(call, opened=opened, resolved=resolved))
    return redirect("console:case", case_id=call.case_id)


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
