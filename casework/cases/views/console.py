"""The agent console's case pages (``/console/``, staff only).

Views are thin (STYLE rule 1): authorise (``staff_required``), parse, call one selector or
service, render the page, or its inline partial when htmx asks for only that part.

Every action on a case is a plain POST form that works without JavaScript: on success the
view redirects back to the case page with a message (post/redirect/get); bad input
re-renders the page with the field's error (400); a change the workflow or the policy
refuses re-renders it with the reason (409).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from casework.cases.attachments import attachment_add
from casework.cases.errors import CaseInputError, TransitionRefusedError
from casework.cases.models import Case
from casework.cases.selectors import (
    case_conversation,
    case_events_for_user,
    case_get_for_console,
    case_list_for_user,
    case_loose_attachments,
    case_reclassify_preview,
)
from casework.cases.services import (
    case_assign,
    case_elevate,
    case_message_add,
    case_reclassify,
    case_transition,
)
from casework.cases.views.console_forms import (
    QUEUES,
    AssignForm,
    AttachForm,
    CallForm,
    CaseForm,
    ElevateForm,
    NoteForm,
    QueueForm,
    ReclassifyForm,
    ReplyForm,
    StatusForm,
    case_policy,
    default_queue,
)
from casework.cases.views.console_history import history_lines
from casework.channels.phone.services import phone_call_log
from casework.lib.downloads import attachment_download_for_user
from casework.lib.web import HtmxHttpRequest, request_user, staff_required

QUEUE_TEMPLATE = "cases/console/queue.html"
CASE_TEMPLATE = "cases/console/case.html"


@staff_required
def queue(request: HtmxHttpRequest) -> HttpResponse:
    """A queue (``?queue=``: mine, tier, unassigned, at_risk, breached, all; default "my
    tier", or "all" for someone without a tier) with filters and a full-text search, next
    due first, each case with its most urgent clock counting down. htmx polls it every 30 s
    for the rows alone (the ``rows`` partial)."""
    user = request_user(request)
    form = QueueForm(request.GET)
    current = request.GET.get("queue") or default_queue(user)
    cases: list[Case] = []
    cursor = None
    status = 200
    if form.is_valid() and current in QUEUES:
        try:
            cases, cursor = case_list_for_user(
                user, filters=form.filters(user, current), limit=50,
                cursor=form.cleaned_data["cursor"] or None,
            )  # fmt: skip
        except ValueError:
            form.add_error("cursor", "not a cursor this page gave out; start again")
    if form.errors:
        status = 400
    prefetch_related_objects(cases, "assignee")
    following = request.GET.copy()
    following["cursor"] = cursor or ""
    context = {
        "form": form, "cases": cases, "queues": QUEUES, "current": current,
        "title": QUEUES.get(current, "Queue"),
        "next_query": following.urlencode() if cursor else "",
    }  # fmt: skip
    template = QUEUE_TEMPLATE + ("#rows" if request.htmx else "")
    return render(request, template, context, status=status)


def _case(request: HtmxHttpRequest, case_id: int) -> Case:
    try:
        return case_get_for_console(request_user(request), case_id)
    except Case.DoesNotExist:
        raise Http404("no such case") from None


# The forms of the case page: context name → class.
FORMS: dict[str, type[CaseForm]] = {
    "reply_form": ReplyForm,
    "note_form": NoteForm,
    "attach_form": AttachForm,
    "reclassify_form": ReclassifyForm,
    "elevate_form": ElevateForm,
    "assign_form": AssignForm,
    "status_form": StatusForm,
    "call_form": CallForm,
}


def _page(
    request: HtmxHttpRequest, case: Case, *, status: int = 200, **bound: CaseForm
) -> HttpResponse:
    """The case page, with ``bound`` forms (a refused one, with its errors) in place of the
    empty ones."""
    forms_ = {name: bound.get(name) or cls(case=case, auto_id=f"{name}_%s") for name, cls in
              FORMS.items()}  # fmt: skip
    policy = case_policy(case)
    context: dict[str, Any] = {
        "problem": _problem(bound),
        "case": case,
        "policy": policy,
        "plan": policy.plans.get(case.plan),
        "priority": policy.priorities.get(case.priority),
        "conversation": case_conversation(case),
        "loose_attachments": case_loose_attachments(case),
        "history": history_lines(case_events_for_user(request_user(request), case)),
        **forms_,
    }
    return render(request, CASE_TEMPLATE, context, status=status)


def _problem(bound: dict[str, CaseForm]) -> dict[str, str] | None:
    """What the top of the page says about a refused form: the reason (or that a field needs
    fixing) and the anchor of the form, which may be far down the page."""
    for name, form in bound.items():
        if form.errors:
            reasons = " ".join(str(reason) for reason in form.non_field_errors())
            text = reasons or f"check {', '.join(form.errors)} below."
            return {"anchor": name.removesuffix("_form"), "text": text}
    return None


@staff_required
def case_detail(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    """The case: header with the customer's plan and account team, every clock, the
    conversation, attachments, the history and the actions."""
    return _page(request, _case(request, case_id))


Perform = Callable[[Case, dict[str, Any]], str]


def _act(request: HtmxHttpRequest, case_id: int, name: str, perform: Perform) -> HttpResponse:
    """Bind the form ``name`` to the POST, and if it is valid ``perform`` its one service:
    then redirect to the case with the success message ``perform`` returns. A service's
    ``CaseInputError`` is the field's error (400), a ``TransitionRefusedError`` the reason the
    change is refused (409); both re-render the page with the form as it was sent."""
    case = _case(request, case_id)
    form = FORMS[name](request.POST, request.FILES, case=case, auto_id=f"{name}_%s")
    if not form.is_valid():
        return _page(request, case, status=400, **{name: form})
    try:
        done = perform(case, form.cleaned_data)
    except CaseInputError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _page(request, case, status=400, **{name: form})
    except TransitionRefusedError as error:
        form.add_error(None, error.reason)
        return _page(request, case, status=409, **{name: form})
    messages.success(request, done)
    return redirect("console:case", case_id=case.pk)


@staff_required
@require_POST
def case_reply(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    """A public reply: a response (G4), with an ETA (G7) or a workaround (R62)."""

    def perform(case: Case, data: dict[str, Any]) -> str:
        case_message_add(
            case=case, author=request_user(request), body=data["body"], public=True,
            from_support=True, at=timezone.now(), eta=data["eta"], workaround=data["workaround"],
        )  # fmt: skip
        return "Reply sent to the customer."

    return _act(request, case_id, "reply_form", perform)


@staff_required
@require_POST
def case_note(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    """An internal note: never shown to the customer, not a response (G4)."""

    def perform(case: Case, data: dict[str, Any]) -> str:
        case_message_add(
            case=case, author=request_user(request), body=data["body"], public=False,
            from_support=True, at=timezone.now(), kind="note",
        )  # fmt: skip
        return "Internal note added."

    return _act(request, case_id, "note_form", perform)


@staff_required
@require_POST
def case_attach(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    """Attach a file to the case (``CASEWORK_MAX_ATTACHMENT_BYTES``, allowed types only)."""

    def perform(case: Case, data: dict[str, Any]) -> str:
        upload = data["file"]  # AttachForm refused it if over the size limit
        attachment = attachment_add(
            case=case, uploaded_by=request_user(request), name=upload.name or "",
            content=upload.read(),
        )  # fmt: skip
        return f"Attached {attachment.filename}."

    return _act(request, case_id, "attach_form", perform)


@staff_required
@require_POST
def case_reclassify_view(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    """Change the priority with a reason (R53–R55): first a preview of each open clock's
    current and new due time, then, confirmed, ``case_reclassify``."""
    if request.POST.get("confirm") != "yes":
        return _reclassify_preview(request, _case(request, case_id))

    def perform(case: Case, data: dict[str, Any]) -> str:
        case_reclassify(
            case=case, actor=request_user(request), priority=data["priority"],
            reason=data["reason"], at=timezone.now(),
        )  # fmt: skip
        return f"Reclassified as {data['priority']}; the customer is told why."

    return _act(request, case_id, "reclassify_form", perform)


def _reclassify_preview(request: HtmxHttpRequest, case: Case) -> HttpResponse:
    form = ReclassifyForm(request.POST, case=case, auto_id="reclassify_form_%s")
    if not form.is_valid():
        return _page(request, case, status=400, reclassify_form=form)
    priority = form.cleaned_data["priority"]
    try:
        changes = case_reclassify_preview(case, priority=priority, at=timezone.now())
    except CaseInputError as error:
        form.add_error("priority", error.message)
        return _page(request, case, status=400, reclassify_form=form)
    except TransitionRefusedError as error:
        form.add_error(None, error.reason)
        return _page(request, case, status=409, reclassify_form=form)
    confirm = ReclassifyForm(initial=form.cleaned_data, case=case, auto_id="confirm_%s")
    context = {"case": case, "changes": changes, "form": confirm, "priority": priority}
    return render(request, "cases/console/reclassify_preview.html", context)


@staff_required
@require_POST
def case_elevate_view(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    """Move the case to another tier with a reason (R38–R41)."""

    def perform(case: Case, data: dict[str, Any]) -> str:
        case_elevate(
            case=case, actor=request_user(request), tier=data["tier"], reason=data["reason"],
            at=timezone.now(),
        )  # fmt: skip
        return f"Elevated to {data['tier']}."

    return _act(request, case_id, "elevate_form", perform)


@staff_required
@require_POST
def case_assign_view(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    """Give the case to another member of staff, with a reason."""

    def perform(case: Case, data: dict[str, Any]) -> str:
        case_assign(
            case=case, actor=request_user(request), assignee=data["assignee"],
            reason=data["reason"], at=timezone.now(),
        )  # fmt: skip
        return f"Assigned to {data['assignee'].username}."

    return _act(request, case_id, "assign_form", perform)


@staff_required
@require_POST
def case_status(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    """Pending customer, service restored, resolved, or closed as out of scope naming the
    policy's exclusion (R2, R12–R16; R14 "solution provided – not implemented")."""

    def perform(case: Case, data: dict[str, Any]) -> str:
        case_transition(
            case=case, actor=request_user(request), status=data["status"], by_customer=False,
            at=timezone.now(), note=data["note"] or None, exclusion=data["exclusion"] or None,
        )  # fmt: skip
        return f"The case is now {case.get_status_display()}."

    return _act(request, case_id, "status_form", perform)


@staff_required
@require_POST
def case_call(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    """Log a phone call (R43); resolved on the call closes the case with the recap (R44)."""

    def perform(case: Case, data: dict[str, Any]) -> str:
        phone_call_log(
            case=case, author=request_user(request), body=data["body"], at=timezone.now(),
            resolved_on_call=data["resolved_on_call"], direction=data["direction"] or "inbound",
        )  # fmt: skip
        if data["resolved_on_call"]:
            return "Call logged; the case is resolved and closed with the recap (R44)."
        return "Call logged."

    return _act(request, case_id, "call_form", perform)


@staff_required
def attachment_download(request: HtmxHttpRequest, attachment_id: int) -> FileResponse:
    """Download an attachment as the API serves it: only a file of a case the viewer may see,
    always as a download the browser must neither render nor sniff."""
    return attachment_download_for_user(request_user(request), attachment_id)
