"""The policy language: Pydantic models of the YAML file (SPEC §3).

``PolicyDocument`` is the file as written (plans may ``inherits`` another plan);
``Policy`` is what the loader returns: the same document with every plan resolved, so the
engine never has to follow inheritance. Cross-references (a plan naming a priority, a target
naming a calendar) are checked by the loader, which knows the line of every value.
"""

from __future__ import annotations

import re
from datetime import date
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, PlainValidator

from casework.policy.durations import Span, parse_span
from casework.policy.errors import UnknownIdError

SpanValue = Annotated[
    Span,
    PlainValidator(parse_span),
    PlainSerializer(lambda span: span.text(), return_type=str),
]
Slug = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)]

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Environment = Literal["production", "staging", "development"]
ENVIRONMENTS: tuple[Environment, ...] = ("production", "staging", "development")
Metric = Literal[
    "time_to_open",
    "first_response",
    "periodic_update",
    "elevation",
    "resolution",
    "rca_preliminary",
    "rca_final",
]
METRICS: tuple[Metric, ...] = (
    "time_to_open",
    "first_response",
    "periodic_update",
    "elevation",
    "resolution",
    "rca_preliminary",
    "rca_final",
)
ResponseKind = Literal["reply", "phone_call", "status_post", "chat", "acknowledgement"]
ACCOUNT_TIMEZONE = "account"
_INTERVAL = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


class Model(BaseModel):
    """Base of every policy model: unknown keys are errors and values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _parse_interval(value: object) -> tuple[int, int]:
    """``'09:00-17:00'`` → minutes of the day ``(540, 1020)``; a pair of minutes is kept."""
    if isinstance(value, tuple) and len(value) == 2 and all(type(v) is int for v in value):
        start, end = value
    elif isinstance(value, str) and (match := _INTERVAL.match(value.strip())):
        start = int(match.group(1)) * 60 + int(match.group(2))
        end = int(match.group(3)) * 60 + int(match.group(4))
    else:
        raise ValueError(f"expected opening hours like '09:00-17:00', got {value!r}")
    if start < 0 or end > 24 * 60 or end <= start:
        raise ValueError(f"opening hours {value!r} must end after they start, by 24:00 at most")
    return (start, end)


def _format_interval(interval: tuple[int, int]) -> str:
    start, end = interval
    return f"{start // 60:02}:{start % 60:02}-{end // 60:02}:{end % 60:02}"


def _day_hours(value: object) -> list[tuple[int, int]]:
    items = [value] if isinstance(value, str) else value
    if items is None:
        return []
    if not isinstance(items, list):
        raise ValueError(f"expected a list of opening hours like ['09:00-12:00'], got {value!r}")
    intervals = sorted(_parse_interval(item) for item in items)
    for (_, end), (start, _) in pairwise(intervals):
        if start < end:
            raise ValueError(f"opening hours {value!r} overlap")
    return intervals


DayHours = Annotated[
    list[tuple[int, int]],
    PlainValidator(_day_hours),
    PlainSerializer(lambda hours: [_format_interval(iv) for iv in hours], return_type=list[str]),
]


class HolidaySource(Model):
    """Public holidays from the ``holidays`` package. ``subdiv`` must be written out (null for
    national holidays only): ``holidays.GB()`` without ``ENG`` silently misses Easter Monday."""

    country: str
    subdiv: str | None
    categories: list[str] | None = None


class Calendar(Model):
    """When a target's time counts: ``24x7``, or weekly hours in an IANA zone minus holidays."""

    id: str = ""
    name: str | None = None
    always: bool = False
    timezone: str | None = None  # None → the policy's zone; "account" → the account's (G2)
    hours: dict[Weekday, DayHours] = Field(default_factory=dict)
    holidays: list[HolidaySource] = Field(default_factory=list)
    closed: list[date] = Field(default_factory=list)
    note: str | None = None


class Tier(Model):
    """A support level (Level 1/2/3) and what it handles (R39–R41)."""

    name: str
    handles: str
    topics: list[str] = Field(default_factory=list)


class Channel(Model):
    """A way to reach support (R1, R4)."""

    name: str
    description: str | None = None
    customer_initiated: bool = True


class Priority(Model):
    """A priority or severity level with its published definition."""

    name: str
    label: str | None = None
    definition: str
    examples: list[str] = Field(default_factory=list)
    environments: list[Environment] = Field(default_factory=lambda: list(ENVIRONMENTS))
    case_types: list[str] = Field(default_factory=list)
    enabled: bool = True
    rule: str | None = None


class Target(Model):
    """A deadline: ``within`` a span of ``calendar`` time. No span: tracked without deadline."""

    within: SpanValue | None = None
    calendar: str | None = None
    note: str | None = None


class PeriodicTarget(Model):
    """Periodic updates: ``every`` span; with ``eta`` the next one is due at an ETA given
    by support when that comes first (G7)."""

    every: SpanValue
    eta: bool = False
    calendar: str | None = None
    note: str | None = None


class ElevationTarget(Model):
    """Elevation to a tier: immediately, or when no ETA/workaround is recorded ``within``."""

    to: str
    within: SpanValue | None = None  # None: immediately at opening (R61)
    calendar: str | None = None
    note: str | None = None


class RcaTargets(Model):
    """Root-cause analysis documents due after service is restored (G10)."""

    preliminary: Target | None = None
    final: Target | None = None


class PriorityTargets(Model):
    """The targets of one plan for one priority; an absent metric has no clock."""

    time_to_open: Target | None = None
    first_response: Target | None = None
    periodic_update: PeriodicTarget | None = None
    elevation: ElevationTarget | None = None
    resolution: Target | None = None
    rca: RcaTargets | None = None
    note: str | None = None


class PlanChannel(Model):
    """A channel included in a plan; ``priorities`` limits customer-initiated use (R46)."""

    priorities: list[str] | None = None
    other_calls: Literal["refused", "billable", "allowed"] = "refused"
    note: str | None = None


class AccountTeamRequirements(Model):
    """What a plan needs before it can be activated (R34, R35, R32)."""

    tam: bool = False
    csm: bool = False
    executive_sponsor: bool = False
    escalation_plan: bool = False
    dedicated_phone: bool = False


class CaseReviews(Model):
    """Case review sessions a customer may request on demand (R45, G17)."""

    on_demand: bool = False
    quota: int | None = Field(default=None, ge=0)
    period: Literal["month", "quarter", "year"] = "month"


class PlanDocument(Model):
    """A plan as written: every field may be left to the plan it ``inherits``."""

    name: str | None = None
    description: str | None = None
    inherits: str | None = None
    unverified: bool | None = None
    calendar: str | None = None
    channels: dict[str, PlanChannel | None] | None = None
    requires: AccountTeamRequirements | None = None
    case_reviews: CaseReviews | None = None
    targets: dict[str, PriorityTargets | None] = Field(default_factory=dict)


class Plan(Model):
    """A plan with inheritance resolved: every priority has its targets."""

    id: str
    name: str
    description: str | None
    inherits: str | None
    unverified: bool
    calendar: str
    channels: dict[str, PlanChannel]
    requires: AccountTeamRequirements
    case_reviews: CaseReviews
    targets: dict[str, PriorityTargets]


class Reclassification(Model):
    """Who may change a priority after opening, and how (R53–R55, G13)."""

    by: list[str] = Field(default_factory=lambda: ["engineer", "lead", "manager"])
    reason_required: bool = True
    notify: list[str] = Field(default_factory=lambda: ["requester"])
    grace: SpanValue = Span(seconds=15 * 60)


class Pause(Model):
    """A case status that pauses the named clocks (R17, G14)."""

    status: str
    clocks: list[Metric]


class PendingCustomer(Model):
    """Reminders and automatic closure of cases waiting on the customer (G14, G25)."""

    reminders: list[SpanValue] = Field(default_factory=list)
    auto_close_after: SpanValue | None = None
    reopen_within: SpanValue | None = None


class ScopeExclusion(Model):
    """A kind of request the policy does not cover (R2, R12–R16)."""

    name: str
    description: str | None = None
    rule: str | None = None


class CaseReviewRules(Model):
    """Case review sessions are capped at ``max_minutes`` of planning plus meeting (R37)."""

    max_minutes: int = Field(default=60, gt=0)


class Action(Model):
    """What happens on a warning or a breach: notify roles, elevate, page."""

    notify: list[str] = Field(default_factory=list)
    elevate: str | None = None
    page: str | None = None
    metrics: list[Metric] | None = None
    priorities: list[str] | None = None


class CaseOpening(Model):
    """Who may open cases (G28, R27); ``contact_roles`` null means any contact."""

    contact_roles: list[str] | None = None
    requires_entitlement: bool = False
    note: str | None = None


class Monitoring(Model):
    """How monitoring alerts become cases (R5, R7): the priority each value of a severity
    label maps to, and the labels that make a security incident, which is opened at the
    top priority (R7). The customer is named by the alert's ``organization`` label."""

    severity_label: str = "severity"
    priorities: dict[str, str] = Field(default_factory=dict)
    security_label: str = "category"
    security_values: list[str] = Field(default_factory=list)


class MaintenanceWindow(Model):
    """A region's weekly maintenance window (R29): ``weekday`` ``start``–``end`` in its
    ``timezone``; an ``end`` at or before ``start`` is on the next day (APAC Sun 21–02)."""

    name: str
    timezone: str
    weekday: Weekday
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(pattern=r"^([01]\d|2[0-4]):[0-5]\d$")


class MaintenanceRules(Model):
    """Scheduled maintenance (R29): announced at most ``notice`` ahead, in the windows of
    the affected region; emergency maintenance is bound by neither (its notice goes to the
    emergency contacts, R28)."""

    notice: SpanValue = Field(default_factory=lambda: parse_span("10d"))
    windows: dict[Slug, MaintenanceWindow] = Field(default_factory=dict)


class Rules(Model):
    """The rules of SPEC §3: priorities, pauses, pending customer, scope, reviews, alerts."""

    default_priority: str
    priority_required: bool = True
    set_priority: list[str] = Field(default_factory=lambda: ["contact", "engineer"])
    case_opening: CaseOpening = Field(default_factory=CaseOpening)
    reclassification: Reclassification = Field(default_factory=Reclassification)
    # G4: replies, calls and chats count as responses; automatic acknowledgements do not.
    responses: list[ResponseKind] = Field(
        default_factory=lambda: list[ResponseKind](["reply", "phone_call", "chat"])
    )
    pauses: list[Pause] = Field(default_factory=list)
    pending_customer: PendingCustomer = Field(default_factory=PendingCustomer)
    scope_exclusions: dict[str, ScopeExclusion] = Field(default_factory=dict)
    case_review: CaseReviewRules = Field(default_factory=CaseReviewRules)
    warning_threshold: float = Field(default=0.75, gt=0, lt=1)
    on_warning: list[Action] = Field(default_factory=list)
    on_breach: list[Action] = Field(default_factory=list)
    monitoring: Monitoring = Field(default_factory=Monitoring)


class PolicyDocument(Model):
    """A whole policy file as written."""

    id: Slug
    name: str
    version: str
    summary: str | None = None
    sources: list[str] = Field(default_factory=list)
    timezone: str
    status_page: str | None = None
    maintenance: MaintenanceRules | None = None
    default_calendar: str
    calendars: dict[str, Calendar | Literal["24x7"]]
    tiers: dict[str, Tier]
    channels: dict[str, Channel]
    priorities: dict[str, Priority]
    plans: dict[str, PlanDocument]
    rules: Rules
    definitions: dict[str, str] = Field(default_factory=dict)


class Policy(Model):
    """A loaded policy: calendars normalised, plans resolved. What the engine works with."""

    id: str
    name: str
    version: str
    summary: str | None
    sources: list[str]
    timezone: str
    status_page: str | None
    maintenance: MaintenanceRules | None = None
    default_calendar: str
    calendars: dict[str, Calendar]
    tiers: dict[str, Tier]
    channels: dict[str, Channel]
    priorities: dict[str, Priority]
    plans: dict[str, Plan]
    rules: Rules
    definitions: dict[str, str]

    def enabled_priorities(self) -> list[str]:
        """Priority ids in rank order, disabled ones (LiveOps P4, G24) left out."""
        return [pid for pid, priority in self.priorities.items() if priority.enabled]

    def plan(self, plan_id: str) -> Plan:
        """The plan ``plan_id``; ``UnknownIdError`` names the choices."""
        try:
            return self.plans[plan_id]
        except KeyError:
            raise UnknownIdError("plan", plan_id, list(self.plans)) from None

    def priority(self, priority_id: str) -> Priority:
        """The enabled priority ``priority_id``; ``UnknownIdError`` names the choices."""
        found = self.priorities.get(priority_id)
        if found is None or not found.enabled:
            raise UnknownIdError("priority", priority_id, self.enabled_priorities())
        return found
