"""A view-model of a policy for people: the public policy page and ``policy render``.

Everything a customer reads is derived here from the loaded ``Policy``, the same object the
clocks run on, so the page cannot promise anything the engine does not enforce. Figures are
written in words ("within 8 hours", "ETA or every 4 hours, until service is restored").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from casework.policy.durations import Span
from casework.policy.schema import (
    WEEKDAYS,
    Calendar,
    Plan,
    PlanChannel,
    Policy,
    PriorityTargets,
    Target,
)

_DAY_NAMES = dict(zip(WEEKDAYS, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True))
METRIC_LABELS = {
    "time_to_open": "Time to open",
    "first_response": "First response",
    "periodic_update": "Periodic updates",
    "elevation": "Elevation",
    "resolution": "Resolution",
    "rca_preliminary": "Preliminary root-cause analysis",
    "rca_final": "Final root-cause analysis",
}
_ROWS = (
    ("time_to_open", "Time to open"),
    ("first_response", "First response"),
    ("periodic_update", "Periodic updates"),
    ("elevation", "Elevation"),
    ("resolution", "Resolution"),
    ("rca", "Root-cause analysis"),
)


@dataclass(frozen=True, slots=True)
class PriorityView:
    """A priority with its definition, as the page lists it."""

    id: str
    name: str
    label: str | None
    definition: str
    examples: list[str]
    environments: str
    case_types: list[str]


@dataclass(frozen=True, slots=True)
class MatrixRow:
    """One line of a plan's response matrix: a metric, then one cell per priority."""

    metric: str
    label: str
    cells: list[str]


@dataclass(frozen=True, slots=True)
class PlanView:
    """A plan: its channels, what it requires, and its response matrix."""

    id: str
    name: str
    description: str | None
    inherits: str | None
    unverified: bool
    calendar: str
    channels: list[tuple[str, str]]
    requires: list[str]
    case_reviews: str
    priorities: list[str]
    matrix: list[MatrixRow]


@dataclass(frozen=True, slots=True)
class PolicyView:
    """The whole policy, ready for a template or for Markdown."""

    id: str
    name: str
    version: str
    summary: str | None
    sources: list[str]
    status_page: str | None
    definitions: list[tuple[str, str]]
    priorities: list[PriorityView]
    tiers: list[tuple[str, str]]
    channels: list[tuple[str, str]]
    calendars: list[tuple[str, str]]
    plans: list[PlanView]
    rules: list[tuple[str, str]]
    scope: list[tuple[str, str]]
    maintenance: list[tuple[str, str]] = field(default_factory=list)


def policy_view(policy: Policy) -> PolicyView:
    """Build the view-model of ``policy``."""
    enabled = policy.enabled_priorities()
    return PolicyView(
        id=policy.id,
        name=policy.name,
        version=policy.version,
        summary=policy.summary,
        sources=policy.sources,
        status_page=policy.status_page,
        maintenance=_maintenance(policy),
        definitions=list(policy.definitions.items()),
        priorities=[
            PriorityView(
                id=pid,
                name=p.name,
                label=p.label,
                definition=p.definition,
                examples=p.examples,
                environments=_environments(p.environments),
                case_types=p.case_types,
            )
            for pid, p in policy.priorities.items()
            if p.enabled
        ],
        tiers=[(tier.name, tier.handles) for tier in policy.tiers.values()],
        channels=[(c.name, c.description or "") for c in policy.channels.values()],
        calendars=[
            (_calendar_name(cid, c), calendar_words(c, policy))
            for cid, c in policy.calendars.items()
        ],
        plans=[_plan_view(policy, plan, enabled) for plan in policy.plans.values()],
        rules=_rules(policy),
        scope=[(s.name, s.description or "") for s in policy.rules.scope_exclusions.values()],
    )


def _environments(envs: Sequence[str]) -> str:
    if set(envs) == {"production", "staging", "development"}:
        return "any environment"
    return " and ".join(envs) + " only"


def _calendar_name(cal_id: str, calendar: Calendar) -> str:
    return calendar.name or ("24x7" if calendar.always else cal_id)


def calendar_words(calendar: Calendar, policy: Policy) -> str:
    """``24 hours a day, 7 days a week`` or the weekly hours, zone, holidays, closed dates."""
    if calendar.always:
        return "24 hours a day, 7 days a week (every hour counts)."
    days = []
    for day in WEEKDAYS:
        hours = calendar.hours.get(day) or []
        if hours:
            spans = ", ".join(
                f"{a // 60:02}:{a % 60:02}–{b // 60:02}:{b % 60:02}" for a, b in hours
            )
            days.append(f"{_DAY_NAMES[day]} {spans}")
    zone = calendar.timezone or policy.timezone
    where = "in your account's time zone" if zone == "account" else f"in {zone} time"
    text = f"{'; '.join(days)}, {where}"
    if calendar.holidays:
        names = ", ".join(
            f"{h.country}{'-' + h.subdiv if h.subdiv else ''}" for h in calendar.holidays
        )
        text += f", except public holidays ({names})"
    if calendar.closed:
        text += f" and {len(calendar.closed)} closed date(s)"
    return text + "."


def _plan_view(policy: Policy, plan: Plan, priorities: list[str]) -> PlanView:
    rows = []
    for metric, label in _ROWS:
        cells = [
            _cell(policy, plan, plan.targets.get(pid) or PriorityTargets(), metric)
            for pid in priorities
        ]
        if any(cell != "—" for cell in cells):
            rows.append(MatrixRow(metric, label, cells))
    requires = [
        text
        for flag, text in (
            ("tam", "an assigned Technical Account Manager"),
            ("csm", "an assigned Customer Success Manager"),
            ("executive_sponsor", "a dedicated executive sponsor"),
            ("escalation_plan", "a pre-defined elevation and escalation plan"),
            ("dedicated_phone", "a dedicated telephone number"),
        )
        if getattr(plan.requires, flag)
    ]
    reviews = plan.case_reviews
    if reviews.on_demand:
        quota = f"up to {reviews.quota} per {reviews.period}" if reviews.quota else "on request"
        cap = policy.rules.case_review.max_minutes
        review_text = (
            f"Case review sessions {quota}, each at most {cap} minutes including planning."
        )
    else:
        review_text = "No on-demand case review sessions; support may still schedule one with you."
    return PlanView(
        id=plan.id,
        name=plan.name,
        description=plan.description,
        inherits=policy.plans[plan.inherits].name if plan.inherits else None,
        unverified=plan.unverified,
        calendar=_calendar_name(plan.calendar, policy.calendars[plan.calendar]),
        channels=[
            (policy.channels[cid].name, _channel_rule(policy, rule))
            for cid, rule in plan.channels.items()
        ],
        requires=requires,
        case_reviews=review_text,
        priorities=[policy.priorities[pid].name for pid in priorities],
        matrix=rows,
    )


def _channel_rule(policy: Policy, rule: PlanChannel) -> str:
    if rule.priorities is None:
        text = "for every priority"
    else:
        names = ", ".join(policy.priorities[pid].name for pid in rule.priorities)
        text = f"only for {names}"
        if rule.other_calls == "billable":
            text += "; other calls may be charged"
        elif rule.other_calls == "allowed":
            text += "; other use accepted"
    return f"{text}. {rule.note}" if rule.note else text + "."


def _within(policy: Policy, plan: Plan, span: Span, calendar_id: str | None) -> str:
    cal_id = calendar_id or plan.calendar
    calendar = policy.calendars[cal_id]
    words = span.words()
    if span.is_zero:
        return "immediately"
    if not calendar.always and not span.is_business_days:
        return f"{words} of {_calendar_name(cal_id, calendar)}"
    return words


def _target_text(policy: Policy, plan: Plan, target: Target | None, prefix: str) -> str:
    if target is None:
        return "—"
    if target.within is None:
        return target.note or "Tracked, no fixed deadline"
    text = f"{prefix} {_within(policy, plan, target.within, target.calendar)}"
    return f"{text} ({target.note})" if target.note else text


def _cell(policy: Policy, plan: Plan, row: PriorityTargets, metric: str) -> str:
    match metric:
        case "periodic_update":
            return _update_cell(policy, plan, row)
        case "elevation":
            return _elevation_cell(policy, plan, row)
        case "rca":
            return _rca_cell(policy, plan, row)
        case _:
            return _target_text(policy, plan, getattr(row, metric), "Within")


def _update_cell(policy: Policy, plan: Plan, row: PriorityTargets) -> str:
    update = row.periodic_update
    if update is None:
        return "—"
    every = _within(policy, plan, update.every, update.calendar)
    every = "business day" if every == "1 business day" else every
    text = f"ETA or every {every}" if update.eta else f"Every {every}"
    return text + ", until service is restored"


def _elevation_cell(policy: Policy, plan: Plan, row: PriorityTargets) -> str:
    elevation = row.elevation
    if elevation is None:
        return "—"
    tier = policy.tiers[elevation.to].name
    if elevation.within is None:
        return f"Elevated to {tier} immediately"
    within = _within(policy, plan, elevation.within, elevation.calendar)
    return f"Elevated to {tier} if there is no ETA or workaround within {within}"


def _rca_cell(policy: Policy, plan: Plan, row: PriorityTargets) -> str:
    if row.rca is None:
        return "—"
    parts = []
    for kind, target in (("Preliminary", row.rca.preliminary), ("Final", row.rca.final)):
        if target is None:
            continue
        if target.within is None:
            parts.append(f"{kind}: {target.note or 'no fixed deadline'}")
        else:
            within = _within(policy, plan, target.within, target.calendar)
            parts.append(f"{kind} within {within} of service restoration")
    return "; ".join(parts)


def _rules(policy: Policy) -> list[tuple[str, str]]:
    rules = policy.rules
    default = policy.priorities[rules.default_priority].name
    reclass = rules.reclassification
    pauses = "; ".join(
        f"while a case is {p.status.replace('_', ' ')}, these clocks pause: "
        + ", ".join(METRIC_LABELS[m].lower() for m in p.clocks)
        for p in rules.pauses
    )
    out = [
        ("Default priority", f"A case opened without a priority is {default}."),
        (
            "Reclassification",
            f"Support ({', '.join(reclass.by)}) may change a priority at any time"
            + (", always with a reason" if reclass.reason_required else "")
            + f"; who is told: {', '.join(reclass.notify)}. Running clocks are recomputed from the "
            "case's opening under the new priority; clocks already met or missed keep their "
            f"outcome, and a deadline already past moves to {reclass.grace.words()} after the "
            "change.",
        ),
        (
            "What counts as a response",
            ", ".join(r.replace("_", " ") for r in rules.responses)
            + "; automatic acknowledgements do not.",
        ),
    ]
    if pauses:
        out.append(("Waiting on you", pauses[0].upper() + pauses[1:] + "."))
    if rules.case_opening.contact_roles:
        out.append(
            (
                "Who may open cases",
                rules.case_opening.note or ", ".join(rules.case_opening.contact_roles),
            )
        )
    out.append(
        (
            "Case review sessions",
            f"At most {rules.case_review.max_minutes} minutes each, planning and meeting time "
            "together.",
        )
    )
    return out


def render_markdown(policy: Policy) -> str:
    """The policy page as Markdown (``casework policy render ID --format md``)."""
    view = policy_view(policy)
    lines = [f"# {view.name}", "", f"Version {view.version}.", ""]
    if view.summary:
        lines += [view.summary, ""]
    if view.definitions:
        lines += ["## Definitions", ""]
        lines += [f"- **{term}:** {text}" for term, text in view.definitions] + [""]
    lines += ["## Priority levels", ""]
    for p in view.priorities:
        lines += [f"### {p.name}", "", p.definition, "", f"Environments: {p.environments}.", ""]
        lines += [f"- {example}" for example in p.examples]
        lines += [""] if p.examples else []
    for plan in view.plans:
        lines += _plan_markdown(plan)
    lines += ["## Support levels", ""] + [f"- **{n}:** {h}" for n, h in view.tiers] + [""]
    lines += ["## Channels", ""] + [f"- **{n}:** {d}" for n, d in view.channels] + [""]
    lines += ["## When time counts", ""] + [f"- **{n}:** {d}" for n, d in view.calendars] + [""]
    lines += ["## How cases are handled", ""] + [f"- **{n}:** {d}" for n, d in view.rules] + [""]
    if view.scope:
        lines += ["## Not covered by support", ""]
        lines += [f"- **{n}.** {d}".rstrip() for n, d in view.scope] + [""]
    if view.maintenance:
        lines += ["## Scheduled maintenance", ""]
        lines += [f"- **{n}:** {d}" for n, d in view.maintenance] + [""]
    if view.status_page:
        lines += [f"Service status: {view.status_page}", ""]
    return "\n".join(lines)


def _maintenance(policy: Policy) -> list[tuple[str, str]]:
    """The notice period and regional windows of scheduled maintenance (R29), as enforced."""
    rules = policy.maintenance
    if rules is None:
        return []
    days, rest = divmod(rules.notice.seconds, 86400)
    notice = f"{days} days" if days and not rest else rules.notice.text()
    rows = [("Notice", f"announced up to {notice} ahead on the status page (R29)")]
    for window in rules.windows.values():
        when = f"every {_DAY_NAMES[window.weekday]} {window.start}–{window.end} ({window.timezone})"
        rows.append((window.name, when))
    return rows


def _plan_markdown(plan: PlanView) -> list[str]:
    lines = [f"## {plan.name} plan", ""]
    if plan.unverified:
        lines += ["> These figures are unverified: they are not published by the vendor.", ""]
    if plan.description:
        lines += [plan.description, ""]
    lines += [
        "| | " + " | ".join(plan.priorities) + " |",
        "|---" * (len(plan.priorities) + 1) + "|",
    ]
    lines += [f"| {row.label} | " + " | ".join(row.cells) + " |" for row in plan.matrix]
    lines += ["", "Channels:", ""] + [f"- {name}: {rule}" for name, rule in plan.channels]
    if plan.requires:
        lines += ["", "Requires " + ", ".join(plan.requires) + "."]
    return [*lines, "", plan.case_reviews, ""]
