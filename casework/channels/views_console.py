"""The console's intake page (``/console/intake/``, managers and administrators): what the
channels stored but could not handle by themselves (held: nobody known; failed: unreadable
or refused), with the reason, to retry or to turn into a case by hand. Nothing is ever
dropped, so this is where it waits."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from casework.cases.errors import CaseInputError, CaseRefusedError
from casework.channels.forms import CaseByHandForm
from casework.channels.models import RawInbound, RawStatus
from casework.channels.selectors import NEEDS_A_PERSON, raw_inbound_counts, raw_inbound_list
from casework.channels.services import raw_inbound_case_open, raw_inbound_process
from casework.lib.web import manager_required, request_user

PREVIEW_BYTES = 20_000


@manager_required
def intake_list(request: HttpRequest) -> HttpResponse:
    """Inputs in a status (``?status=``; default: held and failed), newest first."""
    wanted = request.GET.get("status", "")
    if wanted and wanted not in RawStatus.values:
        raise Http404("no such status")
    statuses = (wanted,) if wanted else NEEDS_A_PERSON
    context = {
        "inputs": raw_inbound_list(statuses=statuses)[:200],
        "counts": raw_inbound_counts(),
        "current": wanted,
    }
    return render(request, "channels/console/intake_list.html", context)


def _detail(
    request: HttpRequest, raw: RawInbound, form: CaseByHandForm, status: int
) -> HttpResponse:
    payload = bytes(raw.payload)
    context = {
        "raw": raw,
        "form": form,
        "preview": payload[:PREVIEW_BYTES].decode("utf-8", errors="replace"),
        "truncated": len(payload) > PREVIEW_BYTES,
        "actionable": raw.status in NEEDS_A_PERSON,
    }
    return render(request, "channels/console/intake_detail.html", context, status=status)


@manager_required
def intake_detail(request: HttpRequest, raw_id: int) -> HttpResponse:
    """One stored input: where it came from, its status and reason, its first bytes (as
    text, escaped), and the retry and by-hand forms while it needs a person."""
    raw = get_object_or_404(RawInbound, pk=raw_id)
    return _detail(request, raw, CaseByHandForm(), 200)


@require_POST
@manager_required
def intake_retry(request: HttpRequest, raw_id: int) -> HttpResponse:
    """Parse and receive the input again (after a fix, or once its sender is known)."""
    raw = get_object_or_404(RawInbound, pk=raw_id)
    raw = raw_inbound_process(raw, at=timezone.now())
    messages.info(request, f"Retried: {raw.get_status_display()} — {raw.reason}")
    return redirect("console:intake-detail", raw.pk)


@require_POST
@manager_required
def intake_case_open(request: HttpRequest, raw_id: int) -> HttpResponse:
    """Turn a held or failed input into a case for the organisation chosen."""
    raw = get_object_or_404(RawInbound, pk=raw_id, status__in=NEEDS_A_PERSON)
    form = CaseByHandForm(request.POST)
    if not form.is_valid():
        return _detail(request, raw, form, 400)
    data = form.cleaned_data
    try:
        case = raw_inbound_case_open(
            raw=raw, organization=data["organization"], actor=request_user(request),
            subject=data["subject"], environment=data["environment"],
            priority=data["priority"] or None, at=timezone.now(),
        )  # fmt: skip
    except CaseInputError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _detail(request, raw, form, 400)
    except CaseRefusedError as error:
        form.add_error(None, error.reason)
        return _detail(request, raw, form, 409)
    messages.success(request, f"Opened {case.number} from this input.")
    return redirect("console:case", case.pk)
