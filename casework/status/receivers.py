"""What the status app does when something happens to a case."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from casework.cases.models import Case
from casework.status.services import case_incidents_suggest


def case_opened_suggest(sender: type[Case], *, case: Case, at: datetime, **_: Any) -> None:
    """A new case from an organisation on an affected component is suggested for linking
    to the open incident (the NOC confirms it: G26)."""
    case_incidents_suggest(case=case, at=at)
