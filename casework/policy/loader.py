"""YAML → ``Policy``. Every problem is reported as ``FILE:LINE: message``, never a traceback.

The file is composed into YAML nodes first, so each value's line is known; the data is then
validated by the Pydantic models of ``schema.py`` and cross-checked here (ids referenced,
inheritance cycles, missing priorities), each error mapped back to the line it comes from.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args, get_origin

import holidays
import yaml
from pydantic import BaseModel, ValidationError

from casework.policy.errors import PolicyError, PolicyIssue
from casework.policy.schema import (
    ACCOUNT_TIMEZONE,
    AccountTeamRequirements,
    Calendar,
    CaseReviews,
    Plan,
    PlanChannel,
    PlanDocument,
    Policy,
    PolicyDocument,
    PriorityTargets,
)

Path_ = tuple[str | int, ...]

# Case statuses a pause rule may name (G15); the case workflow owns the transitions.
STATUSES = (
    "new",
    "open",
    "pending_customer",
    "pending_third_party",
    "pending_engineering",
    "service_restored",
    "resolved",
    "closed",
)
_TARGET_SHORTHAND = {
    "time_to_open": "within",
    "first_response": "within",
    "resolution": "within",
    "periodic_update": "every",
}


def load_policy(path: str | Path) -> Policy:
    """Load and validate the policy file at ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError([PolicyIssue(str(path), 1, f"cannot read the file: {exc}")]) from None
    return load_policy_text(text, filename=str(path))


def load_policy_text(text: str, *, filename: str = "<policy>") -> Policy:
    """Load and validate policy YAML ``text``; errors name ``filename`` and the line."""
    data, lines = _compose(text, filename)
    report = _Reporter(filename, lines)
    if not isinstance(data, dict):
        report.at((), "expected a mapping of policy keys (id, name, version, plans, …)")
        raise PolicyError(report.issues)
    data = _expand_shorthands(data)
    try:
        document = PolicyDocument.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            report.pydantic_error(error, data)
        raise PolicyError(report.issues) from None
    policy = _resolve(document, report)
    if report.issues or policy is None:
        raise PolicyError(report.issues)
    return policy


# ---------------------------------------------------------------- YAML with line numbers


def _compose(text: str, filename: str) -> tuple[Any, dict[Path_, int]]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise PolicyError([PolicyIssue(filename, 1, "the file is empty; expected a policy")])
        lines: dict[Path_, int] = {}
        data = _construct(loader, node, (), lines, filename)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        raise PolicyError(
            [PolicyIssue(filename, line, f"YAML syntax: {problem}{context}")]
        ) from None
    except yaml.YAMLError as exc:
        raise PolicyError([PolicyIssue(filename, 1, f"YAML syntax: {exc}")]) from None
    finally:
        loader.dispose()
    return data, lines


def _construct(
    loader: yaml.SafeLoader, node: yaml.Node, path: Path_, lines: dict[Path_, int], filename: str
) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int)):
                raise PolicyError(
                    [PolicyIssue(filename, key_node.start_mark.line + 1, "keys must be plain text")]
                )
            key = str(key)
            if key in out:
                raise PolicyError(
                    [
                        PolicyIssue(
                            filename,
                            key_node.start_mark.line + 1,
                            f"duplicate key {key!r} (first given on line {lines[(*path, key)]})",
                        )
                    ]
                )
            lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _construct(loader, value_node, (*path, key), lines, filename)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _construct(loader, item, (*path, index), lines, filename)
            for index, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


def _expand_shorthands(data: dict[str, Any]) -> dict[str, Any]:
    """``first_response: 8h`` → ``{within: 8h}``; ``periodic_update: 4h`` → ``{every: 4h}``;
    a calendar written ``24x7`` → ``{always: true}``."""
    calendars = data.get("calendars")
    if isinstance(calendars, dict):
        for key, value in calendars.items():
            if value == "24x7":
                calendars[key] = {"always": True}
    plans = data.get("plans")
    for plan in plans.values() if isinstance(plans, dict) else ():
        targets = plan.get("targets") if isinstance(plan, dict) else None
        for row in targets.values() if isinstance(targets, dict) else ():
            if not isinstance(row, dict):
                continue
            for metric, field in _TARGET_SHORTHAND.items():
                if isinstance(row.get(metric), str):
                    row[metric] = {field: row[metric]}
            rca = row.get("rca")
            if isinstance(rca, dict):
                for kind in ("preliminary", "final"):
                    if isinstance(rca.get(kind), str):
                        rca[kind] = {"within": rca[kind]}
    return data


# ---------------------------------------------------------------- error reporting


class _Reporter:
    """Collects issues, each placed on the line of the closest path that has one."""

    def __init__(self, filename: str, lines: dict[Path_, int]) -> None:
        self.filename = filename
        self.lines = lines
        self.issues: list[PolicyIssue] = []

    def line_of(self, path: Path_) -> int:
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return 1

    def at(self, path: Path_, message: str) -> None:
        where = ".".join(str(part) for part in path)
        text = f"{where}: {message}" if where else message
        self.issues.append(PolicyIssue(self.filename, self.line_of(path), text))

    def pydantic_error(self, error: Any, data: Any) -> None:
        path = _data_path(error["loc"], data)
        kind = error["type"]
        if kind == "extra_forbidden":
            allowed = _fields_at(PolicyDocument, path[:-1])
            expected = f"; expected one of: {', '.join(allowed)}" if allowed else ""
            self.at(path, f"unknown key {path[-1]!r}{expected}")
        elif kind == "missing":
            self.at(path[:-1], f"missing required key {path[-1]!r}")
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
            self.at(path, message)


def _data_path(loc: tuple[Any, ...], data: Any) -> Path_:
    """Drop pydantic's union/validator tags from ``loc`` by following the data itself."""
    path: list[str | int] = []
    current = data
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if (isinstance(current, dict) and part in current) or (isinstance(current, list) and isinstance(part, int) and part < len(current)):
            current = current[part]
            path.append(part)
        elif last or isinstance(current, dict):
            path.append(part)
            current = None
    return tuple(path)


def _fields_at(model: type[BaseModel], path: Path_) -> list[str]:
    """The keys a model accepts at ``path`` (for "expected one of" in unknown-key errors)."""
    current: Any = model
    for part in path:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return []
            current = field.annotation
        else:
            current = _unwrap(current, dict_value=True)
        current = _unwrap(current, dict_value=False)
    current = _unwrap(current, dict_value=False)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _unwrap(annotation: Any, *, dict_value: bool) -> Any:
    """Strip ``X | None`` and, when asked, step into a ``dict``'s or ``list``'s values."""
    for _ in range(4):
        origin = get_origin(annotation)
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        if origin in (dict, list) and dict_value:
            return _unwrap(args[-1], dict_value=False)
        if origin is not None and origin not in (dict, list) and len(args) == 1:
            annotation = args[0]
            continue
        return annotation
    return annotation


# ---------------------------------------------------------------- cross-references


def _resolve(document: PolicyDocument, report: _Reporter) -> Policy | None:
    _check_zone(document.timezone, ("timezone",), report, allow_account=False)
    calendars = _check_calendars(document, report)
    _check_ref(document.default_calendar, calendars, ("default_calendar",), "calendar", report)
    _check_priorities(document, report)
    order = _inheritance_order(document, report)
    if order is None:
        return None
    plans: dict[str, Plan] = {}
    for plan_id in order:
        plans[plan_id] = _resolve_plan(document, plan_id, plans, report)
        _check_plan(document, plans[plan_id], report)
    _check_rules(document, report)
    if report.issues:
        return None
    return Policy(
        id=document.id,
        name=document.name,
        version=document.version,
        summary=document.summary,
        sources=document.sources,
        timezone=document.timezone,
        status_page=document.status_page,
        default_calendar=document.default_calendar,
        calendars=calendars,
        tiers=document.tiers,
        channels=document.channels,
        priorities=document.priorities,
        plans={plan_id: plans[plan_id] for plan_id in document.plans},
        rules=document.rules,
        definitions=document.definitions,
    )


def _check_zone(name: str, path: Path_, report: _Reporter, *, allow_account: bool) -> None:
    if allow_account and name == ACCOUNT_TIMEZONE:
        return
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        report.at(path, f"unknown time zone {name!r}; expected an IANA name like Europe/London")


def _check_calendars(document: PolicyDocument, report: _Reporter) -> dict[str, Calendar]:
    supported: dict[str, list[str]] = holidays.list_supported_countries()
    calendars: dict[str, Calendar] = {}
    for cal_id, calendar in document.calendars.items():
        path: Path_ = ("calendars", cal_id)
        if calendar.timezone is not None:
            _check_zone(calendar.timezone, (*path, "timezone"), report, allow_account=True)
        if calendar.always and (calendar.hours or calendar.holidays or calendar.closed):
            report.at(path, "a 24x7 calendar has no hours, holidays or closed dates")
        if not calendar.always and not any(calendar.hours.values()):
            report.at(path, "expected 'hours' with at least one opening, or '24x7'")
        for index, source in enumerate(calendar.holidays):
            where = (*path, "holidays", index)
            if source.country not in supported:
                report.at(where, f"unknown holiday country {source.country!r}")
            elif source.subdiv is not None and source.subdiv not in supported[source.country]:
                choices = ", ".join(supported[source.country][:20])
                report.at(
                    where, f"unknown subdivision {source.subdiv!r}; expected one of {choices}"
                )
        calendars[cal_id] = calendar.model_copy(update={"id": cal_id})
    return calendars


def _check_ref(value: str, known: Any, path: Path_, what: str, report: _Reporter) -> bool:
    if value in known:
        return True
    report.at(path, f"unknown {what} {value!r}; expected one of: {', '.join(known)}")
    return False


def _check_priorities(document: PolicyDocument, report: _Reporter) -> None:
    enabled = [pid for pid, p in document.priorities.items() if p.enabled]
    if not enabled:
        report.at(("priorities",), "expected at least one enabled priority")
    for pid, priority in document.priorities.items():
        if not priority.environments:
            report.at(("priorities", pid, "environments"), "expected at least one environment")
    path = ("rules", "default_priority")
    if _check_ref(document.rules.default_priority, document.priorities, path, "priority", report):
        if not document.priorities[document.rules.default_priority].enabled:
            report.at(path, "the default priority must be enabled")


def _inheritance_order(document: PolicyDocument, report: _Reporter) -> list[str] | None:
    """Plans ordered parents first; ``None`` after reporting an unknown parent or a cycle."""
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(plan_id: str, chain: list[str]) -> bool:
        if state.get(plan_id) == "done":
            return True
        if state.get(plan_id) == "visiting":
            cycle = " → ".join([*chain[chain.index(plan_id) :], plan_id])
            report.at(("plans", plan_id, "inherits"), f"plans inherit in a cycle: {cycle}")
            return False
        state[plan_id] = "visiting"
        parent = document.plans[plan_id].inherits
        if parent is not None:
            path = ("plans", plan_id, "inherits")
            if not _check_ref(parent, document.plans, path, "plan", report):
                return False
            if not visit(parent, [*chain, plan_id]):
                return False
        state[plan_id] = "done"
        order.append(plan_id)
        return True

    ok = all([visit(plan_id, []) for plan_id in document.plans])
    return order if ok else None


def _resolve_plan(
    document: PolicyDocument, plan_id: str, resolved: dict[str, Plan], report: _Reporter
) -> Plan:
    spec: PlanDocument = document.plans[plan_id]
    parent = resolved.get(spec.inherits) if spec.inherits else None
    targets: dict[str, PriorityTargets] = dict(parent.targets) if parent else {}
    for priority_id, row in spec.targets.items():
        if row is None:
            targets[priority_id] = PriorityTargets()
        elif priority_id in targets:
            merged = {f: getattr(row, f) for f in row.model_fields_set}
            targets[priority_id] = targets[priority_id].model_copy(update=merged)
        else:
            targets[priority_id] = row
    channels: dict[str, PlanChannel] = dict(parent.channels) if parent else {}
    for channel_id, rule in (spec.channels or {}).items():
        channels[channel_id] = rule or PlanChannel()
    if parent and spec.channels is not None and not spec.channels:
        channels = {}
    return Plan(
        id=plan_id,
        name=spec.name or (parent.name if parent else plan_id),
        description=spec.description or (parent.description if parent else None),
        inherits=spec.inherits,
        unverified=spec.unverified
        if spec.unverified is not None
        else bool(parent and parent.unverified),
        calendar=spec.calendar or (parent.calendar if parent else document.default_calendar),
        channels=channels,
        requires=spec.requires or (parent.requires if parent else AccountTeamRequirements()),
        case_reviews=spec.case_reviews or (parent.case_reviews if parent else CaseReviews()),
        targets=targets,
    )


def _check_plan(document: PolicyDocument, plan: Plan, report: _Reporter) -> None:
    base: Path_ = ("plans", plan.id)
    _check_ref(plan.calendar, document.calendars, (*base, "calendar"), "calendar", report)
    for channel_id, rule in plan.channels.items():
        where = (*base, "channels", channel_id)
        _check_ref(channel_id, document.channels, where, "channel", report)
        for priority_id in rule.priorities or ():
            _check_ref(priority_id, document.priorities, (*where, "priorities"), "priority", report)
    for priority_id in plan.targets:
        _check_ref(
            priority_id, document.priorities, (*base, "targets", priority_id), "priority", report
        )
    for priority_id in document.priorities:
        if document.priorities[priority_id].enabled and priority_id not in plan.targets:
            report.at(
                (*base, "targets"),
                f"plan {plan.id!r} has no targets for priority {priority_id!r} "
                "(write `{}` for a priority without clocks)",
            )
    for priority_id, row in plan.targets.items():
        for metric, target in _targets_of(row):
            where = (*base, "targets", priority_id, *metric)
            calendar = getattr(target, "calendar", None)
            if calendar is not None:
                _check_ref(calendar, document.calendars, (*where, "calendar"), "calendar", report)
        if row.elevation is not None:
            where = (*base, "targets", priority_id, "elevation", "to")
            _check_ref(row.elevation.to, document.tiers, where, "tier", report)


def _targets_of(row: PriorityTargets) -> Iterator[tuple[tuple[str, ...], Any]]:
    for name in ("time_to_open", "first_response", "periodic_update", "elevation", "resolution"):
        target = getattr(row, name)
        if target is not None:
            yield (name,), target
    if row.rca is not None:
        for kind in ("preliminary", "final"):
            target = getattr(row.rca, kind)
            if target is not None:
                yield ("rca", kind), target


def _check_rules(document: PolicyDocument, report: _Reporter) -> None:
    rules = document.rules
    for index, pause in enumerate(rules.pauses):
        if pause.status not in STATUSES:
            report.at(
                ("rules", "pauses", index, "status"),
                f"unknown status {pause.status!r}; expected one of: {', '.join(STATUSES)}",
            )
    for key in ("on_warning", "on_breach"):
        for index, action in enumerate(getattr(rules, key)):
            where: Path_ = ("rules", key, index)
            if action.elevate is not None:
                _check_ref(action.elevate, document.tiers, (*where, "elevate"), "tier", report)
            for priority_id in action.priorities or ():
                _check_ref(
                    priority_id, document.priorities, (*where, "priorities"), "priority", report
                )
