"""The status services against the case clocks: an incident's public updates answer its
linked cases (R8, R23), its resolution restores them, its RCA meets their RCA clock (R21),
maintenance keeps to its window and to time (R29), and emergency notices (R28)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casework.accounts.models import EmergencyContact, Organization
from casework.cases.models import Case, Message, Status
from casework.cases.services import CaseDraft, case_open
from casework.status.errors import StatusInputError, StatusRefusedError
from casework.status.models import CaseLink, Component, Incident, MaintenanceStatus, Rca
from casework.status.publish import publication_deliver
from casework.status.selectors import status_now
from casework.status.services import (
    incident_case_link,
    incident_open,
    incident_update_post,
    maintenance_cancel,
    maintenance_schedule,
    maintenance_sweep,
    rca_publish,
    rca_submit,
    rca_write,
)
from tests.cases.conftest import Persona
from tests.status.conftest import T0


def _sev1(organization: Organization, requester: Persona, *, at=T0) -> Case:  # type: ignore[no-untyped-def]
    draft = CaseDraft(
        organization=organization, subject="Messages are not delivered", description="",
        environment="production", priority="sev1", channel="portal",
    )  # fmt: skip
    return case_open(draft=draft, requester=requester.user, at=at)


def _clock(case: Case, metric: str):  # type: ignore[no-untyped-def]
    return case.clocks.get(metric=metric)


def _incident(component: Component, nora: Persona, *, at=T0) -> Incident:  # type: ignore[no-untyped-def]
    return incident_open(
        title="Message delivery delayed", impact="major",
        components={component: "partial_outage"}, message="We are investigating.",
        actor=nora.user, at=at,
    )  # fmt: skip


@pytest.mark.rule("R23")
@pytest.mark.rule("R8")
def test_a_public_update_is_the_first_response_and_each_periodic_update_of_a_linked_case(
    umbrella: Organization, carol: Persona, nora: Persona, messaging: Component
) -> None:
    case = _sev1(umbrella, carol)
    incident = _incident(messaging, nora, at=T0 + timedelta(minutes=5))
    incident_case_link(incident=incident, case=case, actor=nora.user, at=T0 + timedelta(minutes=10))
    assert _clock(case, "first_response").state == "running"

    incident_update_post(
        incident=incident, status="identified", message="A queue is backed up.",
        actor=nora.user, at=T0 + timedelta(minutes=40),
    )  # fmt: skip

    first = _clock(case, "first_response")
    assert (first.state, first.met_at) == ("met", T0 + timedelta(minutes=40))
    post = case.messages.get(kind=Message.Kind.STATUS)
    assert post.public
    assert post.from_support
    assert "A queue is backed up." in post.body
    assert f"/status/incidents/{incident.pk}/" in post.body
    periodic = case.clocks.filter(metric="periodic_update").order_by("-cycle").first()
    assert periodic is not None
    assert periodic.due_at == T0 + timedelta(minutes=40, hours=2)

    incident_update_post(
        incident=incident, status="monitoring", message="Drained; watching.",
        actor=nora.user, at=T0 + timedelta(hours=2),
    )  # fmt: skip
    latest = case.clocks.filter(metric="periodic_update").order_by("-cycle").first()
    assert latest is not None
    assert latest.due_at == T0 + timedelta(hours=4)


@pytest.mark.rule("R21")
def test_resolving_restores_linked_cases_and_publishing_the_rca_meets_their_rca_clock(
    umbrella: Organization, carol: Persona, nora: Persona, messaging: Component
) -> None:
    case = _sev1(umbrella, carol)
    incident = _incident(messaging, nora)
    incident_case_link(incident=incident, case=case, actor=nora.user, at=T0)
    resolved_at = T0 + timedelta(hours=3)
    incident_update_post(
        incident=incident, status="resolved", message="Fixed.", actor=nora.user, at=resolved_at
    )
    case.refresh_from_db()
    assert case.status == Status.SERVICE_RESTORED
    rca_clock = _clock(case, "rca_preliminary")
    assert rca_clock.state == "running"
    assert rca_clock.started_at == resolved_at
    assert status_now(at=resolved_at).overall == "operational"

    with pytest.raises(StatusRefusedError, match="resolved"):
        incident_update_post(incident=incident, status="monitoring", message="x",
                             actor=nora.user, at=resolved_at)  # fmt: skip

    rca = rca_write(incident=incident, kind="preliminary", summary="A full disk.",
                    actor=nora.user, at=resolved_at + timedelta(days=1))  # fmt: skip
    with pytest.raises(StatusRefusedError, match="after review"):
        rca_publish(rca=rca, actor=nora.user, at=resolved_at + timedelta(days=1))
    rca_submit(rca=rca, actor=nora.user, at=resolved_at + timedelta(days=1))
    rca_publish(rca=rca, actor=nora.user, at=resolved_at + timedelta(days=2))
    met = _clock(case, "rca_preliminary")
    assert (met.state, met.met_at) == ("met", resolved_at + timedelta(days=2))
    assert "A full disk." in case.messages.filter(kind=Message.Kind.STATUS).last().body  # type: ignore[union-attr]
    assert Rca.objects.get(pk=rca.pk).state == Rca.State.PUBLISHED


@pytest.mark.rule("R22")
def test_a_final_rca_needs_its_preventive_measures(nora: Persona, messaging: Component) -> None:
    incident = _incident(messaging, nora)
    with pytest.raises(StatusInputError) as error:
        rca_write(incident=incident, kind="final", summary="Disk.", actor=nora.user, at=T0)
    assert error.value.field == "preventive_measures"


def test_cases_of_customers_on_an_affected_component_are_suggested_not_linked(
    umbrella: Organization, initech: Organization, carol: Persona, nora: Persona,
    messaging: Component, reporting: Component,
) -> None:  # fmt: skip
    before = _sev1(umbrella, carol)
    incident = _incident(messaging, nora, at=T0 + timedelta(minutes=1))
    after = _sev1(umbrella, carol, at=T0 + timedelta(minutes=2))
    links = {link.case_id: link.kind for link in CaseLink.objects.filter(incident=incident)}
    assert links == {before.pk: "suggested", after.pk: "suggested"}
    incident_update_post(incident=incident, status="identified", message="Found it.",
                         actor=nora.user, at=T0 + timedelta(minutes=3))  # fmt: skip
    assert not before.messages.filter(kind=Message.Kind.STATUS).exists()


def test_component_state_is_the_worst_of_its_open_incidents(
    nora: Persona, messaging: Component, reporting: Component
) -> None:
    _incident(messaging, nora)
    incident_open(title="Slow", impact="minor", components={messaging: "degraded",
                  reporting: "degraded"}, message="Slow.", actor=nora.user, at=T0)  # fmt: skip
    now = status_now(at=T0)
    states = {row.component.name: row.state for row in now.components}
    assert states == {"Messaging (NA)": "partial_outage", "Reporting (EU)": "degraded"}
    assert now.overall == "partial_outage"


# Sunday 13 December 2026, 03:00-07:00 America/New_York is 08:00-12:00 UTC (EST).
NA_WINDOW = T0.replace(day=13, hour=8)


@pytest.mark.rule("R29")
def test_maintenance_is_announced_ten_days_ahead_then_starts_and_ends_by_itself(
    nora: Persona, messaging: Component
) -> None:
    scheduled_at = NA_WINDOW - timedelta(days=20)
    maintenance = maintenance_schedule(
        title="Database upgrade", components=[messaging], policy_id="liveperson",
        starts_at=NA_WINDOW, ends_at=NA_WINDOW + timedelta(hours=2), actor=nora.user,
        at=scheduled_at,
    )  # fmt: skip
    assert maintenance.region == "na"
    assert maintenance.announce_at == NA_WINDOW - timedelta(days=10)
    assert maintenance.announced_at is None
    assert status_now(at=scheduled_at).maintenance == []

    assert [what for what, _ in maintenance_sweep(at=NA_WINDOW - timedelta(days=10))] == [
        "announced"
    ]
    assert [what for what, _ in maintenance_sweep(at=NA_WINDOW)] == ["started"]
    assert maintenance_sweep(at=NA_WINDOW) == []  # exactly once
    assert status_now(at=NA_WINDOW).components[0].state == "under_maintenance"
    assert [what for what, _ in maintenance_sweep(at=NA_WINDOW + timedelta(hours=2))] == [
        "completed"
    ]
    maintenance.refresh_from_db()
    assert maintenance.status == MaintenanceStatus.COMPLETED
    assert status_now(at=NA_WINDOW + timedelta(hours=2)).components[0].state == "operational"


@pytest.mark.rule("R29")
def test_maintenance_outside_the_regions_window_is_refused_unless_an_emergency(
    nora: Persona, messaging: Component
) -> None:
    late = NA_WINDOW + timedelta(hours=3)  # 06:00-08:00 ET: past the window's 07:00 end
    with pytest.raises(StatusInputError) as error:
        maintenance_schedule(
            title="Upgrade", components=[messaging], policy_id="liveperson", starts_at=late,
            ends_at=late + timedelta(hours=2), actor=nora.user, at=T0,
        )  # fmt: skip
    assert error.value.field == "starts_at"
    assert "North America maintenance window" in error.value.message
    emergency = maintenance_schedule(
        title="Urgent patch", components=[messaging], policy_id="liveperson", starts_at=T0,
        ends_at=T0 + timedelta(hours=1), actor=nora.user, at=T0, emergency=True,
    )  # fmt: skip
    assert (emergency.status, emergency.announced_at) == (MaintenanceStatus.IN_PROGRESS, T0)
    maintenance_cancel(maintenance=emergency, actor=nora.user, at=T0 + timedelta(minutes=5))
    with pytest.raises(StatusRefusedError):
        maintenance_cancel(maintenance=emergency, actor=nora.user, at=T0 + timedelta(minutes=6))


@pytest.mark.rule("R28")
def test_emergency_maintenance_notices_go_to_the_emergency_contacts_on_its_components(
    umbrella: Organization, initech: Organization, nora: Persona, messaging: Component,
    reporting: Component,
) -> None:  # fmt: skip
    EmergencyContact.objects.create(organization=umbrella, email="noc@umbrella.test")
    EmergencyContact.objects.create(organization=initech, email="noc@initech.test")
    maintenance = maintenance_schedule(
        title="Urgent patch", components=[messaging], policy_id="liveperson", starts_at=T0,
        ends_at=T0 + timedelta(hours=1), actor=nora.user, at=T0, emergency=True,
    )  # fmt: skip
    said = publication_deliver(kind="maintenance_announced", pk=maintenance.pk)
    assert said.endswith("1 notice(s), 0 subscriber(s)")
