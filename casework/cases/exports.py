"""CSV export of a case list (R30: customers export their cases), safe to open in a
spreadsheet: a cell that starts like a formula is prefixed with ``'`` (OWASP "CSV
injection"), so ``=HYPERLINK(…)`` in a subject stays text."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db.models import prefetch_related_objects

from casework.cases.models import Case
from casework.cases.selectors import CaseFilters, case_list_for_user

CSV_HEADER = ("number", "subject", "priority", "status", "created", "next due", "requester")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PAGE = 200


def csv_cell(value: str) -> str:
    """``value`` as a spreadsheet will read it as text, never as a formula."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def _when(instant: datetime | None, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).isoformat(timespec="minutes") if instant else ""


def case_csv_row(case: Case, zone: ZoneInfo) -> list[str]:
    """One case as a CSV row of :data:`CSV_HEADER`, times in ``zone``."""
    requester = case.requester
    name = (requester.get_full_name() or requester.email or requester.username) if requester else ""
    cells = [
        case.number,
        case.subject,
        case.priority,
        case.get_status_display(),
        _when(case.created_at, zone),
        _when(case.next_due_at, zone),
        name,
    ]
    return [csv_cell(str(cell)) for cell in cells]


def cases_for_export(user: User, filters: CaseFilters) -> Iterator[Case]:
    """Every case of the list ``user`` sees with ``filters``, page by page (the list's own
    cursor), each page's requesters read in one query."""
    cursor: str | None = None
    while True:
        page, cursor = case_list_for_user(user, filters=filters, cursor=cursor, limit=_PAGE)
        prefetch_related_objects(page, "requester")
        yield from page
        if cursor is None:
            return


def cases_csv(cases: Iterable[Case], zone: ZoneInfo) -> str:
    """The CSV text of ``cases``: a header row, then one row per case."""
    out = StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    writer.writerows(case_csv_row(case, zone) for case in cases)
    return out.getvalue()
