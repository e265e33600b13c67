"""The agent console's case pages (``/console/``, staff only).

Views are thin (STYLE rule 1): authorise (``staff_required``), parse, call one selector or
service, render the page, or its inline partial when htmx asks for only that part.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from casework.cases.selectors import CaseFilters, case_list_for_user
from casework.lib.web import HtmxHttpRequest, request_user, staff_required


@staff_required
def queue(request: HtmxHttpRequest) -> HttpResponse:
    """Every case, next due first, each with its most urgent clock counting down."""
    cases, cursor = case_list_for_user(request_user(request), filters=CaseFilters(), limit=50)
    context = {"cases": cases, "cursor": cursor}
    template = "cases/console/queue.html"
    if request.htmx:
        template += "#rows"
    return render(request, template, context)
