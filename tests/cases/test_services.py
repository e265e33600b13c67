"""Writes on cases (``casework/cases/services.py``): reassigning a case."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from casework.accounts.services import user_create
from casework.cases.errors import TransitionRefusedError
from casework.cases.models import Case
from casework.cases.services import CaseDraft, case_assign, case_open
from tests.cases.conftest import Persona

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


def test_case_assign_records_who_had_it_who_has_it_and_why(bob: Persona, alice: Persona) -> None:
    draft = CaseDraft(
        organization=alice.user.contact.organization, subject="x", environment="production"
    )
    case = case_open(draft=draft, requester=alice.user, at=NOW)
    carol = user_create(username="carol", email="carol@support.test", role="engineer")
    case_assign(case=case, actor=bob.user, assignee=bob.user, reason="taking it", at=NOW)
    case_assign(case=case, actor=bob.user, assignee=carol, reason="knows SIP", at=NOW)
    stored = Case.objects.get(pk=case.pk)
    assert stored.assignee == carol
    assert stored.updated_at == NOW
    first, second = case.events.filter(kind="assigned").order_by("pk")
    assert first.data == {
        "old": None, "new": bob.user.pk, "reason": "taking it", "old_name": None,
        "new_name": "bob",
    }  # fmt: skip
    assert (second.data["old_name"], second.data["new_name"]) == ("bob", "carol")
    assert (second.actor, second.public) == (bob.user, False)
    with pytest.raises(TransitionRefusedError, match="already assigned to carol"):
        case_assign(case=stored, actor=bob.user, assignee=carol, reason="again", at=NOW)
    assert case.events.filter(kind="assigned").count() == 2
