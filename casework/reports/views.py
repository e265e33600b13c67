"""The console's report pages (``/console/board/``, staff).

The at-risk board is open to every member of support staff, engineers included: it shows the
same cases as the queue's "at risk" and "breached" lists, which every engineer sees, grouped
so that whoever is free can take the case about to breach. Contacts get a 404 and the
anonymous are sent to sign in (``staff_required``).
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from casework.lib.web import HtmxHttpRequest, staff_required
from casework.reports.selectors import board_at_risk


@staff_required
def board(request: HtmxHttpRequest) -> HttpResponse:
    """The SLA at-risk board: open cases whose clock is past its warning instant or breached,
    by metric, with counts at the top; htmx refreshes the board part every 30 seconds."""
    context = {"board": board_at_risk(at=timezone.now())}
    template = "reports/board.html"
    if request.htmx:
        template += "#board"
    return render(request, template, context)
