"""The customer portal's case pages (``/portal/``, customer contacts only).

A contact reaches only the cases of their organisation that they may see (R30), through the
scoped selectors; any other case is a 404. Views are thin (STYLE rule 1): authorise (the
``contact_required`` gate and the scoped selectors), parse (``casework.cases.portal_forms``),
call the same services as the API, render. Forms are plain POST forms that work without
JavaScript; a bad input re-renders the form with the field named (400), a refused change
shows its reason (409).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casework.accounts.models import Organization
from casework.accounts.selectors import Terms, subscription_terms
from casework.cases.attachments import attachment_add
from casework.cases.errors import CaseInputError, CaseRefusedError, TransitionRefusedError
from casework.cases.exports import cases_csv, cases_for_export
from casework.cases.models import Case, Message, Status
from casework.cases.portal_forms import STATE_STATUSES, CaseFilterForm, CaseNewForm, ReplyForm
from casework.cases.portal_page import CUSTOMER_METRICS, case_page_context
from casework.cases.selectors import (
    CaseFilters,
    case_get_for_user,
    case_list_for_user,
)
from casework.cases.services import (
    CaseDraft,
    case_closable_set,
    case_message_add,
    case_open,
    case_transition,
)
from casework.lib.downloads import attachment_download_for_user
from casework.lib.web import HtmxHttpRequest, contact_required, request_user

_PAGE = 25


def _organization(request: HttpRequest) -> Organization:
    organization: Organization = request_user(request).contact.organization
    return organization


def _terms(request: HttpRequest) -> Terms | None:
    return subscription_terms(_organization(request).pk, at=timezone.now())


def _case(request: HttpRequest, case_id: int) -> Case:
    """The case if this contact may see it (R30); a 404 otherwise, as if it did not exist."""
    try:
        return case_get_for_user(request_user(request), case_id)
    except Case.DoesNotExist:
        raise Http404("no such case") from None


def _filters(form: CaseFilterForm) -> CaseFilters:
    data = form.cleaned_data
    return CaseFilters(
        status=data["status"] or None,
        priority=data["priority"] or None,
        q=data["q"] or None,
        statuses=STATE_STATUSES.get(data["state"]),
    )


@require_GET
@contact_required
def case_list(request: HtmxHttpRequest) -> HttpResponse:
    """The organisation's cases the contact may see (R30), next due first: filtered,
    searched (public text only for contacts) and paged by the selector's cursor."""
    terms = _terms(request)
    form = CaseFilterForm(request.GET, policy=terms.policy if terms else None)
    context: dict[str, object] = {
        "form": form, "cases": [], "cursor": None,
        "customer_metrics": ",".join(CUSTOMER_METRICS),  # the clocks a row may show
    }  # fmt: skip
    if not form.is_valid():
        return render(request, "cases/portal/case_list.html", context, status=400)
    try:
        cases, cursor = case_list_for_user(
            request_user(request),
            filters=_filters(form),
            cursor=form.cleaned_data["cursor"] or None,
            limit=_PAGE,
        )
    except ValueError:
        form.add_error("cursor", "not a page of this list; start again from the first page")
        return render(request, "cases/portal/case_list.html", context, status=400)
    query = request.GET.copy()
    query.pop("cursor", None)
    context |= {"cases": cases, "cursor": cursor, "query": query.urlencode()}
    template = "cases/portal/case_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


@require_GET
@contact_required
def case_export(request: HttpRequest) -> HttpResponse:
    """The list's cases with the same filters as CSV (R30), safe against formula injection."""
    terms = _terms(request)
    form = CaseFilterForm(request.GET, policy=terms.policy if terms else None)
    if not form.is_valid():
        return render(request, "cases/portal/case_list.html", {"form": form}, status=400)
    cases = cases_for_export(request_user(request), _filters(form))
    response = HttpResponse(
        cases_csv(cases, timezone.get_current_timezone()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="cases.csv"'
    return response


def _draft(form: CaseNewForm, organization: Organization) -> CaseDraft:
    data = form.cleaned_data
    return CaseDraft(
        organization=organization,
        subject=data["subject"],
        description=data["description"],
        environment=data["environment"],
        priority=data["priority"],
        product=data["product"],
        channel="portal",
    )


@require_http_methods(["GET", "POST"])
@contact_required
def case_new(request: HttpRequest) -> HttpResponse:
    """Open a case: each priority with its definition from the policy; P1/P2 only for
    production (R50, refused with the reason by ``case_open``); a contact whose role may not
    open cases is told why (R27). Files are checked before the case is opened."""
    terms = _terms(request)
    if terms is None:
        return render(request, "cases/portal/case_new.html", {"form": None}, status=409)
    if request.method != "POST":
        blank = CaseNewForm(policy=terms.policy)
        return render(request, "cases/portal/case_new.html", {"form": blank, "refusal": None})
    form = CaseNewForm(request.POST, request.FILES, policy=terms.policy)
    context: dict[str, object] = {"form": form, "refusal": None}
    if form.is_valid():
        user, now = request_user(request), timezone.now()
        try:
            case = case_open(draft=_draft(form, _organization(request)), requester=user, at=now,
                             terms=terms)  # fmt: skip
        except CaseInputError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        except CaseRefusedError as error:  # R27
            context["refusal"] = error.reason
            return render(request, "cases/portal/case_new.html", context, status=403)
        else:
            for name, content in form.cleaned_data["attachments"]:
                attachment_add(case=case, uploaded_by=user, name=name, content=content)
            return redirect("portal:case", case_id=case.pk)
    return render(request, "cases/portal/case_new.html", context, status=400)


def _page(
    request: HtmxHttpRequest, case: Case, *, reply: ReplyForm | None = None,
    refusal: str | None = None, status: int = 200,
) -> HttpResponse:  # fmt: skip
    context = case_page_context(case, request_user(request), at=timezone.now())
    context |= {"reply": reply or ReplyForm(), "refusal": refusal}
    template = "cases/portal/case_detail.html"
    if request.htmx and status == 200:
        template += "#clocks"
    return render(request, template, context, status=status)


@require_GET
@contact_required
def case_detail(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    """One case: the promised times, the public conversation and history, the actions the
    workflow allows the customer; htmx refreshes the clocks part on its own."""
    return _page(request, _case(request, case_id))


@require_POST
@contact_required
def case_reply(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    """The customer's reply, with files: always public. A reply to a finished case reopens
    it, or opens a linked follow-up case and says why (G25, R14)."""
    case = _case(request, case_id)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, case, reply=form, status=400)
    user = request_user(request)
    message = case_message_add(
        case=case, author=user, body=form.cleaned_data["body"], public=True,
        from_support=False, at=timezone.now(),
    )  # fmt: skip
    for name, content in form.cleaned_data["attachments"]:
        attachment_add(case=case, uploaded_by=user, name=name, content=content, message=message)
    _reply_notice(request, message)
    return redirect("portal:case", case_id=case.pk)


def _reply_notice(request: HttpRequest, message: Message) -> None:
    followup = message.followup_case
    if followup is None:
        messages.success(request, "Your reply was sent to support.")
        return
    reason = followup.events.filter(kind="linked").values_list("data", flat=True).first()
    why = f" ({reason['reason']})" if isinstance(reason, dict) and "reason" in reason else ""
    messages.info(request, f"Your reply opened a new case, {followup.number}{why}.")


@require_POST
@contact_required
def case_closable(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    """The customer says the case can be closed (R9): support may then resolve it."""
    case = _case(request, case_id)
    case_closable_set(case=case, actor=request_user(request), at=timezone.now())
    messages.success(request, "Thank you: support may now resolve the case (R9).")
    return redirect("portal:case", case_id=case.pk)


_CUSTOMER_MOVES: dict[str, str] = {
    Status.RESOLVED: "You confirmed the resolution.",
    Status.OPEN: "The case is open again.",
}


@require_POST
@contact_required
def case_status(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    """Confirm the resolution (R9) or reopen the case, as the customer; a refused change is
    shown with its reason (409)."""
    case = _case(request, case_id)
    status = request.POST.get("status", "")
    if status not in _CUSTOMER_MOVES:
        return _page(request, case, refusal="customers may confirm a resolution or reopen a case",
                     status=400)  # fmt: skip
    try:
        case_transition(case=case, actor=request_user(request), status=status, by_customer=True,
                        at=timezone.now())  # fmt: skip
    except TransitionRefusedError as error:
        return _page(request, case, refusal=error.reason, status=409)
    messages.success(request, _CUSTOMER_MOVES[status])
    return redirect("portal:case", case_id=case.pk)


@require_GET
@contact_required
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    """Download an attachment of a case this contact may see, never one of an internal note;
    always as a download the browser must not render or sniff (as the API's)."""
    return attachment_download_for_user(request_user(request), attachment_id)
