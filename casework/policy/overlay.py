"""Enhanced-SLA overlays (R26): an account's own figures over its plan's targets.

An overlay is ``{priority: {metric: duration}}``, for example ``{"P1": {"first_response":
"15m"}}``. Each figure replaces the span of that target and keeps its calendar (and, for an
elevation, the tier it elevates to); a metric the plan does not track for that priority gets a
target on the plan's calendar. The result is an ordinary :class:`Policy`, so the clocks need
no notion of overlays at all.
"""

from __future__ import annotations

from collections.abc import Mapping

from casework.policy.durations import Span, parse_span
from casework.policy.errors import UnknownIdError
from casework.policy.schema import (
    PeriodicTarget,
    Policy,
    PriorityTargets,
    RcaTargets,
    Target,
)

Overlay = Mapping[str, Mapping[str, str]]


def apply_overlay(policy: Policy, plan_id: str, overlay: Overlay) -> Policy:
    """``policy`` with plan ``plan_id``'s targets replaced by the overlay's figures (R26).

    Raises ``UnknownIdError`` for an unknown plan and ``ValueError`` naming
    ``sla_overlay.<priority>.<metric>`` for a figure the plan cannot take."""
    plan = policy.plan(plan_id)
    targets = dict(plan.targets)
    for priority, metrics in overlay.items():
        if priority not in policy.priorities:
            raise UnknownIdError("priority", priority, list(policy.priorities))
        row = targets.get(priority) or PriorityTargets()
        for metric, text in metrics.items():
            row = _replace(row, metric, parse_span(text), f"sla_overlay.{priority}.{metric}")
        targets[priority] = row
    plans = dict(policy.plans)
    plans[plan_id] = plan.model_copy(update={"targets": targets})
    return policy.model_copy(update={"plans": plans})


def _replace(row: PriorityTargets, metric: str, span: Span, where: str) -> PriorityTargets:
    match metric:
        case "time_to_open" | "first_response" | "resolution":
            old: Target | None = getattr(row, metric)
            new = old.model_copy(update={"within": span}) if old else Target(within=span)
            return row.model_copy(update={metric: new})
        case "periodic_update":
            every = row.periodic_update
            periodic = (
                every.model_copy(update={"every": span}) if every else PeriodicTarget(every=span)
            )
            return row.model_copy(update={"periodic_update": periodic})
        case "elevation":
            if row.elevation is None:
                raise ValueError(f"{where}: the plan names no tier to elevate to at this priority")
            return row.model_copy(update={"elevation": row.elevation.model_copy(
                update={"within": span})})  # fmt: skip
        case "rca_preliminary" | "rca_final":
            part = metric.removeprefix("rca_")
            rca = row.rca or RcaTargets()
            old_rca: Target | None = getattr(rca, part)
            doc = old_rca.model_copy(update={"within": span}) if old_rca else Target(within=span)
            return row.model_copy(update={"rca": rca.model_copy(update={part: doc})})
    raise ValueError(f"{where}: unknown metric")
