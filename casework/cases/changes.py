"""One way to change a field of a case: append ``old → new`` to its history, then apply it."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User

from casework.cases.models import Case, CaseEvent


def case_field_change(
    case: Case,
    *,
    kind: str,
    field: str,
    new: str | int | None,
    at: datetime,
    actor: User | None = None,
    public: bool = True,
    **details: object,
) -> CaseEvent:
    """Record ``field`` going from its current value to ``new`` as a ``kind`` event (with
    ``details`` such as a reason or a note) and apply it to ``case`` and its row.

    Call inside the service's transaction; recomputing the clocks stays with the caller, which
    may make several changes first."""
    event = CaseEvent.objects.create(
        case=case,
        kind=kind,
        at=at,
        actor=actor,
        public=public,
        data={"old": getattr(case, field), "new": new, **details},
    )
    setattr(case, field, new)
    Case.objects.filter(pk=case.pk).update(**{field: new, "updated_at": at})
    return event
