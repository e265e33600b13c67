"""Read-only reports for the console: the SLA at-risk board and the policy versions in use.

Staff reach every case, so these reads are not scoped to an organisation; their views are
staff-only (``casework.reports.views`` and ``casework.policies.views_console``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q

from casework.cases.models import Case, Clock, Status
from casework.lib.clockview import METRIC_NAMES
from casework.policies.models import PolicyVersion
from casework.policies.selectors import policy_list_current
from casework.policy.schema import METRICS

# A case counts as open until it is resolved or closed.
FINISHED = (Status.RESOLVED.value, Status.CLOSED.value)
# Rows shown per board section; the counts at the top always cover every clock.
BOARD_ROWS = 200


@dataclass(frozen=True, slots=True)
class VersionRow:
    """One stored version, whether it is the current one, and the open cases running on it."""

    row: PolicyVersion
    current: bool
    open_cases: int


@dataclass(frozen=True, slots=True)
class PolicyVersions:
    """A loaded policy: its id, the name its current version gives it, its versions newest
    first."""

    policy_id: str
    name: str
    versions: list[VersionRow]


def policy_versions_overview() -> list[PolicyVersions]:
    """Every loaded policy with its versions (newest first) and how many open cases run on
    each version. Three queries however many versions and cases there are."""
    names = {stored.row.policy_id: stored.policy.name for stored in policy_list_current()}
    open_counts = {
        (row["policy_id"], row["policy_version"]): row["n"]
        for row in Case.objects.exclude(status__in=FINISHED)
        .values("policy_id", "policy_version")
        .annotate(n=Count("id"))
        .order_by()
    }
    rows = (
        PolicyVersion.objects.defer("source")
        .select_related("loaded_by")
        .order_by("policy_id", "-version")
    )
    overview: dict[str, PolicyVersions] = {}
    for row in rows:
        entry = overview.get(row.policy_id)
        if entry is None:
            entry = overview[row.policy_id] = PolicyVersions(
                row.policy_id, names.get(row.policy_id, row.policy_id), []
            )
        count = open_counts.get((row.policy_id, row.version), 0)
        entry.versions.append(VersionRow(row, current=not entry.versions, open_cases=count))
    return list(overview.values())


@dataclass(frozen=True, slots=True)
class BoardGroup:
    """The clocks of one metric on the board: at risk (past the warning instant, not yet due)
    and breached, each most urgent first, with their full counts."""

    metric: str
    name: str
    at_risk: list[Clock] = field(default_factory=list)
    breached: list[Clock] = field(default_factory=list)
    at_risk_count: int = 0
    breached_count: int = 0


@dataclass(frozen=True, slots=True)
class Board:
    """The SLA at-risk board at instant ``at``: one group per metric that has clocks on it."""

    at: datetime
    groups: list[BoardGroup]

    @property
    def at_risk_count(self) -> int:
        """Clocks at risk, over every group."""
        return sum(group.at_risk_count for group in self.groups)

    @property
    def breached_count(self) -> int:
        """Clocks breached, over every group."""
        return sum(group.breached_count for group in self.groups)


def _at_risk(at: datetime) -> Q:
    # The same test as the queue's "at risk" filter (CaseFilters(at_risk=True)).
    return Q(state="running", warn_at__lte=at, due_at__gt=at)


def _breached(at: datetime) -> Q:
    # A running clock already past its due time counts as breached before the sweep marks it.
    return Q(state="breached") | Q(state="running", due_at__lte=at)


def _clocks(condition: Q) -> list[Clock]:
    clocks = (
        Clock.objects.filter(condition)
        .exclude(case__status__in=FINISHED)
        .select_related("case__organization", "case__assignee")
        .order_by("due_at", "case_id")
    )
    return list(clocks[:BOARD_ROWS])


def _counts(condition: Q) -> Counter[str]:
    rows = (
        Clock.objects.filter(condition)
        .exclude(case__status__in=FINISHED)
        .values("metric")
        .annotate(n=Count("id"))
        .order_by()
    )
    return Counter({row["metric"]: row["n"] for row in rows})


def board_at_risk(*, at: datetime) -> Board:
    """The open cases' clocks at risk or breached at ``at``, grouped by the clock's metric
    (in the order a case meets them), each clock with its case, organisation and assignee.

    Four queries whatever the number of cases: two counts and two lists of at most
    ``BOARD_ROWS`` clocks, each clock loaded with its case, organisation and assignee."""
    at_risk, breached = _clocks(_at_risk(at)), _clocks(_breached(at))
    risk_counts, breach_counts = _counts(_at_risk(at)), _counts(_breached(at))
    metrics: list[str] = [m for m in METRICS if risk_counts[m] or breach_counts[m]]
    metrics += sorted((set(risk_counts) | set(breach_counts)) - set(metrics))
    groups = [
        BoardGroup(
            metric=metric,
            name=METRIC_NAMES.get(metric, metric.replace("_", " ").capitalize()),
            at_risk=[clock for clock in at_risk if clock.metric == metric],
            breached=[clock for clock in breached if clock.metric == metric],
            at_risk_count=risk_counts[metric],
            breached_count=breach_counts[metric],
        )
        for metric in metrics
    ]
    return Board(at=at, groups=groups)
