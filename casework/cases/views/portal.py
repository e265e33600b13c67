"""The customer portal's case pages (``/portal/``, customer contacts only).

A contact reaches only the cases of their organisation that they may see (R30), through the
scoped selectors; any other case is a 404.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from casework.cases.selectors import CaseFilters, case_list_for_user
from casework.lib.web import contact_required, request_user


@contact_required
def case_list(request: HttpRequest) -> HttpResponse:
    """The organisation's cases the contact may see (R30), next due first."""
    cases, cursor = case_list_for_user(request_user(request), filters=CaseFilters(), limit=50)
    return render(request, "cases/portal/case_list.html", {"cases": cases, "cursor": cursor})
