"""API shapes of the status page (SPEC §4 "Status") and its maintenance endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import AwareDatetime

ImpactName = Literal["none", "minor", "major", "critical"]
IncidentStatusName = Literal["investigating", "identified", "monitoring", "resolved"]
StateName = Literal["operational", "degraded", "partial_outage", "major_outage"]


class ComponentIn(Schema):
    """``POST /status/components``."""

    name: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    group: str | None = Field(None, max_length=200, description="Made if it does not exist")
    region: str = Field("", max_length=64, description="Maintenance region (R29): na, eu…")
    service_accounts: list[int] = Field(
        default_factory=list, description="Ids of the customers' service accounts it runs"
    )


class ComponentOut(Schema):
    """A component and its state now."""

    id: int
    name: str
    description: str
    group: str | None
    region: str
    status: str


class IncidentIn(Schema):
    """``POST /status/incidents``: open an incident with its first update."""

    title: str = Field(..., min_length=1, max_length=300)
    impact: ImpactName
    components: list[int] = Field(..., description="Ids of the affected components")
    message: str = Field(..., min_length=1, max_length=20_000)
    status: Literal["investigating", "identified", "monitoring"] = "investigating"
    component_status: StateName | None = Field(
        None,
        description="The state of every affected component (default: from the impact — "
        "critical: major_outage, major: partial_outage, minor: degraded, none: operational)",
    )
    security: bool = Field(False, description="A security incident (R7)")
    case: int | None = Field(None, description="The NOC case it is promoted from (linked)")


class UpdateIn(Schema):
    """``POST /status/incidents/{id}/updates``."""

    status: IncidentStatusName
    message: str = Field(..., min_length=1, max_length=20_000)
    components: dict[int, StateName] = Field(
        default_factory=dict, description="{component id: state} to change"
    )


class CaseLinkIn(Schema):
    """``POST /status/incidents/{id}/cases``: link a customer case (G26)."""

    case: int


class UpdateOut(Schema):
    """One entry of an incident's timeline."""

    id: int
    status: str
    message: str
    at: datetime
    components: dict[str, str]


class AffectedOut(Schema):
    """A component an incident affects."""

    id: int
    name: str
    status: str


class IncidentOut(Schema):
    """An incident and its timeline, oldest update first."""

    id: int
    title: str
    impact: str
    status: str
    security: bool
    started_at: datetime
    resolved_at: datetime | None
    components: list[AffectedOut]
    updates: list[UpdateOut]
    cases: list[int] = Field(description="Ids of the linked cases (staff only; else empty)")


class CaseLinkOut(Schema):
    """A case linked to an incident."""

    incident: int
    case: int
    kind: str
    at: datetime


class MaintenanceIn(Schema):
    """``POST /status/maintenance``: schedule maintenance (R29)."""

    title: str = Field(..., min_length=1, max_length=300)
    message: str = Field("", max_length=20_000)
    components: list[int] = Field(..., min_length=1)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    policy: str | None = Field(
        None,
        description="Whose notice period and windows apply (default: the one policy "
        "loaded that states maintenance rules)",
    )
    region: str = Field("", max_length=64, description="Default: the components' region")
    emergency: bool = Field(False, description="Outside the windows; emergency contacts told (R28)")


class MaintenanceOut(Schema):
    """A maintenance window."""

    id: int
    title: str
    message: str
    status: str
    emergency: bool
    region: str
    starts_at: datetime
    ends_at: datetime
    announce_at: datetime
    announced_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    components: list[int]


class StatusOut(Schema):
    """``GET /status``: the whole page as data."""

    status: str = Field(description="The worst state of any component")
    components: list[ComponentOut]
    incidents: list[IncidentOut]
    maintenance: list[MaintenanceOut]


class RcaIn(Schema):
    """``PUT /status/incidents/{id}/rca/{kind}``: write an RCA draft (R21, R22)."""

    summary: str = Field(..., min_length=1, max_length=50_000)
    root_cause: str = Field("", max_length=50_000)
    preventive_measures: str = Field("", max_length=50_000)


class RcaStateIn(Schema):
    """``POST /status/incidents/{id}/rca/{kind}/state``."""

    state: Literal["review", "published"]


class RcaOut(Schema):
    """An RCA of an incident."""

    id: int
    incident: int
    kind: str
    state: str
    summary: str
    root_cause: str
    preventive_measures: str
    published_at: datetime | None


class WebhookIn(Schema):
    """``POST /status/webhooks``: post every change of what it follows to ``url``."""

    url: str = Field(..., min_length=1, max_length=2000, description="http:// or https://")
    components: list[int] = Field(default_factory=list, description="Ids of components")
    groups: list[int] = Field(default_factory=list, description="Ids of component groups")


class WebhookOut(Schema):
    """A webhook subscription; ``secret`` (``whsec_…``) only in the answer that made it."""

    id: int
    url: str
    components: list[int]
    groups: list[int]
    created_at: datetime
    unsubscribed_at: datetime | None
    secret: str | None = Field(None, description="The signing secret, shown once")
