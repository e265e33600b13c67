"""Reads of cases (``casework/cases/selectors.py``): the console's filters, the
reclassification preview, attachments as each side may read them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User

from casework.accounts.models import Organization
from casework.accounts.services import product_create
from casework.cases.attachments import attachment_add
from casework.cases.errors import CaseInputError, TransitionRefusedError
from casework.cases.models import Case
from casework.cases.selectors import (
    CaseFilters,
    attachment_get_for_user,
    case_list_for_user,
    case_reclassify_preview,
)
from casework.cases.services import (
    CaseDraft,
    case_assign,
    case_message_add,
    case_open,
    case_reclassify,
)
from tests.cases.conftest import Persona

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


def open_case(organization: Organization, requester: User | None, **fields: Any) -> Case:
    values: dict[str, Any] = {"subject": "Calls drop", "environment": "production"} | fields
    return case_open(
        draft=CaseDraft(organization=organization, **values), requester=requester, at=NOW
    )


def listed(user: User, **filters: Any) -> list[int]:
    cases, _ = case_list_for_user(user, filters=CaseFilters(**filters), at=NOW)
    return [case.pk for case in cases]


def test_unassigned_plan_and_product_filters(
    bob: Persona, alice: Persona, globex: Organization
) -> None:
    acme = alice.user.contact.organization
    dialer = product_create(name="Dialer")
    taken = open_case(acme, alice.user, product=dialer)
    case_assign(case=taken, actor=bob.user, assignee=bob.user, reason="mine", at=NOW)
    free = open_case(globex, None)
    assert listed(bob.user, unassigned=True) == [free.pk]
    assert listed(bob.user, unassigned=False) == [taken.pk]
    assert listed(bob.user, plan="support-plus") == [free.pk]
    assert listed(bob.user, plan="standard") == [taken.pk]
    assert listed(bob.user, product=dialer.pk) == [taken.pk]
    assert listed(bob.user, assignee=bob.user.pk, organization=acme.pk) == [taken.pk]


@pytest.mark.rule("R53", "R54")
def test_the_reclassify_preview_shows_what_reclassifying_records(
    bob: Persona, alice: Persona
) -> None:
    case = open_case(alice.user.contact.organization, alice.user)
    at = NOW + timedelta(hours=1)
    changes = {c.key: c for c in case_reclassify_preview(case, priority="P2", at=at)}
    first = changes["first_response"]
    assert (first.name, first.old_due, first.new_due) == (
        "First response", NOW + timedelta(hours=24), NOW + timedelta(hours=8),
    )  # fmt: skip
    case_reclassify(case=case, actor=bob.user, priority="P2", reason="most agents", at=at)
    event = case.events.get(kind="priority")
    assert {k: datetime.fromisoformat(v) for k, v in event.data["new_due"].items()} == {
        key: change.new_due for key, change in changes.items() if change.new_due
    }
    assert {k: datetime.fromisoformat(v) for k, v in event.data["old_due"].items()} == {
        key: change.old_due for key, change in changes.items() if change.old_due
    }


@pytest.mark.rule("R50")
def test_the_preview_refuses_what_the_reclassification_would(alice: Persona) -> None:
    staging = open_case(alice.user.contact.organization, alice.user, environment="staging")
    with pytest.raises(CaseInputError, match="only for production") as refused:
        case_reclassify_preview(staging, priority="P1", at=NOW)
    assert refused.value.field == "priority"
    with pytest.raises(TransitionRefusedError, match="already Priority 3"):
        case_reclassify_preview(staging, priority="P3", at=NOW)
    with pytest.raises(CaseInputError, match="unknown priority"):
        case_reclassify_preview(staging, priority="P4", at=NOW)  # disabled (G24)


def test_a_contact_cannot_reach_the_attachment_of_an_internal_note(
    bob: Persona, alice: Persona, eve: Persona, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    case = open_case(alice.user.contact.organization, alice.user)
    note = case_message_add(
        case=case, author=bob.user, body="trace", public=False, from_support=True, at=NOW
    )
    hidden = attachment_add(
        case=case, uploaded_by=bob.user, name="t.txt", content=b"x", message=note
    )
    shown = attachment_add(case=case, uploaded_by=bob.user, name="u.txt", content=b"y")
    assert attachment_get_for_user(bob.user, hidden.pk) == hidden
    assert attachment_get_for_user(alice.user, shown.pk) == shown
    with pytest.raises(type(hidden).DoesNotExist):
        attachment_get_for_user(alice.user, hidden.pk)
    with pytest.raises(type(shown).DoesNotExist):
        attachment_get_for_user(eve.user, shown.pk)
