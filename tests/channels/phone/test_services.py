"""``phone_call_take``, the service behind the console's "Log a call" page (R43, R44, R48):
what it refuses whoever calls it, and that it writes nothing when it does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from casework.accounts.models import Contact, Organization
from casework.cases.errors import CaseInputError
from casework.cases.models import Case, Status
from casework.cases.services import CaseDraft, case_open, case_transition
from casework.channels.models import CallDirection, PhoneCall
from casework.channels.phone.services import TakenCall, phone_call_take
from tests.cases.conftest import Persona


def taken(organization: Organization, **fields: object) -> TakenCall:
    values: dict[str, object] = {
        "direction": CallDirection.INBOUND, "said": "It broke",
        "started_at": timezone.now() - timedelta(minutes=5), **fields,
    }  # fmt: skip
    return TakenCall(organization=organization, **values)  # type: ignore[arg-type]


def draft(organization: Organization, **fields: object) -> CaseDraft:
    return CaseDraft(organization=organization, subject="It broke", environment="production",
                     **fields)  # type: ignore[arg-type]  # fmt: skip


@pytest.mark.parametrize(
    ("make", "field"),
    [
        ("both", "case"),
        ("neither", "case"),
        ("other_organisation", "case"),
        ("other_contact", "contact"),
        ("sideways", "direction"),
    ],
)
def test_a_call_that_names_no_case_or_the_wrong_one_is_refused_naming_the_field(
    acme: Organization, globex: Organization, bob: Persona, eve: Persona, make: str, field: str
) -> None:
    acmes = case_open(draft=draft(acme), requester=None, at=timezone.now())
    globexs = case_open(draft=draft(globex), requester=None, at=timezone.now())
    call, case, new = taken(acme), None, None
    if make == "both":
        case, new = acmes, draft(acme)
    elif make == "other_organisation":
        case = globexs
    elif make == "other_contact":
        call, new = taken(acme, contact=Contact.objects.get(user=eve.user)), draft(acme)
    elif make == "sideways":
        call, new = taken(acme, direction="sideways"), draft(acme)
    with pytest.raises(CaseInputError) as refused:
        phone_call_take(call=call, engineer=bob.user, at=timezone.now(), case=case, draft=new)
    assert refused.value.field == field
    assert not PhoneCall.objects.exists()
    assert Case.objects.count() == 2


@pytest.mark.rule("R43")
def test_a_finished_case_is_not_joined(acme: Organization, bob: Persona) -> None:
    case = case_open(draft=draft(acme), requester=None, at=timezone.now())
    case_transition(case=case, actor=None, status=Status.RESOLVED, by_customer=True,
                    at=timezone.now())  # fmt: skip
    with pytest.raises(CaseInputError, match="open a new case"):
        phone_call_take(call=taken(acme), engineer=bob.user, at=timezone.now(), case=case)
    assert not PhoneCall.objects.exists()


@pytest.mark.rule("R48")
def test_supports_own_call_opening_a_non_p1_case_is_never_billable(
    acme: Organization, bob: Persona
) -> None:
    made = phone_call_take(
        call=taken(acme, direction=CallDirection.OUTBOUND), engineer=bob.user,
        at=timezone.now(), draft=draft(acme, priority="P3"),
    )  # fmt: skip
    assert (made.case.plan, made.priority, made.billable) == ("standard", "P3", False)
    assert made.case.requester is None  # nobody known: opened for the organisation
