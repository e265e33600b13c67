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
    HolidaySource,
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
        report.validation_errors(exc.errors(), data)
        raise PolicyError(report.issues) from None
    policy = _resolve(document, report)
    if report.issues or policy is None:
        raise PolicyError(report.issues)
    return policy


# ---------------------------------------------------------------- YAML with line numbers


# A policy is a few hundred values; aliases that expand past this are an alias bomb.
_MAX_VALUES = 100_000
# PyYAML problems that do not say what was expected, with the hint that does.
_YAML_HINTS = {
    "found character '\\t' that cannot start any token": "indent with spaces, not tabs",
    "mapping values are not allowed here": (
        "expected `key: value` with the key indented like its siblings; quote a value "
        "that contains ': '"
    ),
}


def _compose(text: str, filename: str) -> tuple[Any, dict[Path_, int]]:
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:  # the reader checks every character first
        line = text.count("\n", 0, exc.position) + 1
        message = f"YAML syntax: character #x{exc.character:04x} is not allowed; expected text"
        raise PolicyError([PolicyIssue(filename, line, message)]) from None
    try:
        node = loader.get_single_node()
        if node is None:
            raise PolicyError([PolicyIssue(filename, 1, "the file is empty; expected a policy")])
        lines: dict[Path_, int] = {}
        data = _Constructor(loader, lines, filename).build(node, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        hint = _YAML_HINTS.get(problem)
        hint = f"; {hint}" if hint else ""
        raise PolicyError(
            [PolicyIssue(filename, line, f"YAML syntax: {problem}{context}{hint}")]
        ) from None
    except yaml.YAMLError as exc:
        raise PolicyError([PolicyIssue(filename, 1, f"YAML syntax: {exc}")]) from None
    except RecursionError:
        raise PolicyError(
            [PolicyIssue(filename, 1, "YAML nested too deeply; expected a policy mapping")]
        ) from None
    finally:
        loader.dispose()
    return data, lines


class _Constructor:
    """Builds plain data from YAML nodes, recording the line of every key and value.

    Refuses what ``yaml.safe_load`` would crash or hang on: an alias inside its own anchor,
    aliases expanding past ``_MAX_VALUES`` values, and scalars whose tag cannot hold them
    (``2020-02-30``, ``!!int abc``), each reported on its line."""

    def __init__(self, loader: yaml.SafeLoader, lines: dict[Path_, int], filename: str) -> None:
        self.loader = loader
        self.lines = lines
        self.filename = filename
        self.count = 0
        self.open: set[int] = set()  # ids of the nodes being built: an alias back is a cycle

    def fail(self, node: yaml.Node, path: Path_, message: str) -> PolicyError:
        where = ".".join(str(part) for part in path)
        text = f"{where}: {message}" if where else message
        return PolicyError([PolicyIssue(self.filename, node.start_mark.line + 1, text)])

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        self.count += 1
        if self.count > _MAX_VALUES:
            raise self.fail(
                node, path, f"aliases expand past {_MAX_VALUES} values; expected a policy"
            )
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if id(node) in self.open:
            raise self.fail(node, path, "an alias refers to its own anchor; expected plain values")
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, path)
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        finally:
            self.open.discard(id(node))

    def scalar(self, node: yaml.Node, path: Path_) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError:
            raise
        except Exception as exc:  # PyYAML's constructors assume well-formed scalars
            tag = node.tag.rsplit(":", 1)[-1]
            raise self.fail(
                node,
                path,
                f"cannot read {node.value!r} as a YAML {tag} ({exc}); "
                f"expected a valid {tag}, or quotes around it for text",
            ) from None

    def mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        self.loader.flatten_mapping(node)
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            scalar = isinstance(key_node, yaml.ScalarNode)
            key = self.scalar(key_node, path) if scalar else None
            if not isinstance(key, (str, int)):
                raise self.fail(key_node, path, "keys must be plain text")
            key = str(key)
            if key in out:
                first = self.lines[(*path, key)]
                raise self.fail(
                    key_node, path, f"duplicate key {key!r} (first given on line {first})"
                )
            self.lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = self.build(value_node, (*path, key))
        return out


def _expand_shorthands(data: dict[str, Any]) -> dict[str, Any]:
    """``first_response: 8h`` → ``{within: 8h}``; ``periodic_update: 4h`` → ``{every: 4h}``;
    a calendar written ``24x7`` → ``{always: true}``."""
    calendars = data.get("calendars")
    if isinstance(calendars, dict):
        for key, value in calendars.items():
            if isinstance(value, str) and value.strip() == "24x7":
                calendars[key] = {"always": True}
    plans = data.get("plans")
    for plan in plans.values() if isinstance(plans, dict) else ():
        targets = plan.get("targets") if isinstance(plan, dict) else None
        for row in targets.values() if isinstance(targets, dict) else ():
            if isinstance(row, dict):
                _expand_row(row)
    return data


def _expand_row(row: dict[str, Any]) -> None:
    for metric, field in _TARGET_SHORTHAND.items():
        if _is_span_shorthand(row.get(metric)):
            row[metric] = {field: row[metric]}
    rca = row.get("rca")
    if isinstance(rca, dict):
        for kind in ("preliminary", "final"):
            if _is_span_shorthand(rca.get(kind)):
                rca[kind] = {"within": rca[kind]}


def _is_span_shorthand(value: object) -> bool:
    """A scalar written where a target goes: text, or a bare number that ``parse_span`` then
    refuses with the forms it expects (rather than "expected a mapping")."""
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


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

    def validation_errors(self, errors: list[Any], data: Any) -> None:
        """Report pydantic's errors on the lines of their values. A value that matches no
        branch of a union (``Calendar | '24x7'``) gets one issue naming every branch; a
        mapping that fails inside one branch gets only that branch's issues."""
        placed = [(error, *_data_path(error["loc"], data, error["type"])) for error in errors]
        inside = {union for error, _, union in placed if union and error["loc"][-1] != union[1]}
        whole: dict[Path_, list[str]] = {}
        for error, path, union in placed:
            if union is None or error["loc"][-1] != union[1]:  # no union, or inside a branch
                self.pydantic_error(error, path)
            elif not any(where == union[0] for where, _ in inside):
                whole.setdefault(path, []).append(_branch(error, union[1]))
        for path, branches in whole.items():
            value = _value_at(data, path)
            self.at(path, f"expected {' or '.join(branches)}, got {value!r}")

    def pydantic_error(self, error: Any, path: Path_) -> None:
        kind = error["type"]
        if kind == "extra_forbidden":
            allowed = _fields_at(PolicyDocument, path[:-1])
            expected = f"; expected one of: {', '.join(allowed)}" if allowed else ""
            self.at(path, f"unknown key {path[-1]!r}{expected}")
        elif kind == "missing":
            hint = _MISSING_HINTS.get(str(path[-1]), "")
            self.at(path[:-1], f"missing required key {path[-1]!r}{hint}")
        elif kind in ("model_type", "model_attributes_type", "dict_type"):
            keys = _fields_at(PolicyDocument, path)
            expected = f" of {', '.join(keys)}" if keys else ""
            self.at(path, f"expected a mapping{expected}, got {error['input']!r}")
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
            self.at(path, message)


# Required keys whose absence deserves more than "missing".
_MISSING_HINTS = {
    "subdiv": (
        "; expected a subdivision such as ENG or CA, or `subdiv: null` for national holidays "
        "only (the holidays package silently drops regional holidays otherwise)"
    ),
}


def _branch(error: Any, tag: str) -> str:
    """How a union branch reads in "expected A or B": ``'24x7'``, ``a Calendar mapping``."""
    if error["type"] == "literal_error":
        return str(error["ctx"]["expected"])
    if error["type"] in ("model_type", "model_attributes_type", "dict_type"):
        return f"a {tag} mapping" if tag[:1].isupper() else "a mapping"
    return str(error["msg"]).removeprefix("Value error, ")


def _value_at(data: Any, path: Path_) -> Any:
    try:
        for part in path:
            data = data[part]
    except (KeyError, IndexError, TypeError):
        return None
    return data


def _data_path(
    loc: tuple[Any, ...], data: Any, kind: str
) -> tuple[Path_, tuple[Path_, str] | None]:
    """``loc`` as a path through the data, and where pydantic tagged a union branch in it
    (the path to the union's value and the tag: ``'Calendar'``, ``"literal['24x7']"``),
    found by following the data itself: a part the data does not have is a tag, except the
    last part of a ``missing`` error."""
    path: list[str | int] = []
    union: tuple[Path_, str] | None = None
    current = data
    for index, part in enumerate(loc):
        present = (isinstance(current, dict) and part in current) or (
            isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        )
        if present:
            current = current[part]
            path.append(part)
        elif index == len(loc) - 1 and kind == "missing":
            path.append(part)
        elif union is None and isinstance(part, str):
            union = (tuple(path), part)
        else:
            path.append(part)
            current = None
    return tuple(path), union


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
    if document.maintenance is not None:
        for region, window in document.maintenance.windows.items():
            where = ("maintenance", "windows", region, "timezone")
            _check_zone(window.timezone, where, report, allow_account=False)
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
        maintenance=document.maintenance,
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
    for cal_id, written in document.calendars.items():
        path: Path_ = ("calendars", cal_id)
        calendar = Calendar(always=True) if isinstance(written, str) else written
        if calendar.timezone is not None:
            _check_zone(calendar.timezone, (*path, "timezone"), report, allow_account=True)
        if calendar.always and (calendar.hours or calendar.holidays or calendar.closed):
            report.at(path, "a 24x7 calendar has no hours, holidays or closed dates")
        if not calendar.always and not any(calendar.hours.values()):
            report.at(path, "expected 'hours' with at least one opening, or '24x7'")
        for index, source in enumerate(calendar.holidays):
            where = (*path, "holidays", index)
            if source.country not in supported:
                report.at(
                    (*where, "country"),
                    f"unknown holiday country {source.country!r}; "
                    "expected an ISO 3166 code that the holidays package supports, like US or GB",
                )
            elif source.subdiv is not None and source.subdiv not in supported[source.country]:
                choices = ", ".join(supported[source.country][:20])
                report.at(
                    (*where, "subdiv"),
                    f"unknown subdivision {source.subdiv!r}; expected one of {choices}",
                )
            else:
                _check_holiday_categories(source, (*where, "categories"), report)
        calendars[cal_id] = calendar.model_copy(update={"id": cal_id})
    return calendars


def _check_holiday_categories(source: HolidaySource, path: Path_, report: _Reporter) -> None:
    """Categories the country does not publish would fail when the calendar is compiled."""
    if not source.categories:
        return
    known = holidays.country_holidays(source.country, subdiv=source.subdiv).supported_categories
    for category in source.categories:
        if category not in known:
            report.at(
                path,
                f"unknown holiday category {category!r} for {source.country}; "
                f"expected one of: {', '.join(known)}",
            )


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
    default = document.rules.default_priority
    if (
        _check_ref(default, document.priorities, path, "priority", report)
        and not document.priorities[default].enabled
    ):
        report.at(
            path,
            "the default priority must be enabled; expected one of: "
            + ", ".join(pid for pid, p in document.priorities.items() if p.enabled),
        )


def _inheritance_order(document: PolicyDocument, report: _Reporter) -> list[str] | None:
    """Plans ordered parents first; ``None`` after reporting an unknown parent or a cycle."""
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(plan_id: str, chain: list[str]) -> bool:
        if state.get(plan_id) == "done":
            return True
        if state.get(plan_id) == "visiting":
            if plan_id not in chain:  # part of a cycle already reported from another plan
                return False
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

    visited = [visit(plan_id, []) for plan_id in document.plans]  # every plan, to report all
    return order if all(visited) else None


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
    """Check the ids a plan names. Only what the plan's own entry writes is checked, so a
    mistake inherited from a parent is reported once, on the parent's line."""
    base: Path_ = ("plans", plan.id)
    spec = document.plans[plan.id]
    parent = document.plans.get(spec.inherits) if spec.inherits else None
    if spec.calendar is not None:
        _check_ref(spec.calendar, document.calendars, (*base, "calendar"), "calendar", report)
    for channel_id, rule in (spec.channels or {}).items():
        where = (*base, "channels", channel_id)
        _check_ref(channel_id, document.channels, where, "channel", report)
        for priority_id in (rule.priorities if rule else None) or ():
            _check_ref(priority_id, document.priorities, (*where, "priorities"), "priority", report)
    for priority_id in spec.targets:
        _check_ref(
            priority_id, document.priorities, (*base, "targets", priority_id), "priority", report
        )
    _check_plan_priorities(document, plan, parent, report)
    for priority_id, row in spec.targets.items():
        if row is None:
            continue
        for metric, target in _targets_of(row):
            where = (*base, "targets", priority_id, *metric)
            calendar = getattr(target, "calendar", None)
            if calendar is not None:
                _check_ref(calendar, document.calendars, (*where, "calendar"), "calendar", report)
        if row.elevation is not None:
            where = (*base, "targets", priority_id, "elevation", "to")
            _check_ref(row.elevation.to, document.tiers, where, "tier", report)


def _check_plan_priorities(
    document: PolicyDocument, plan: Plan, parent: PlanDocument | None, report: _Reporter
) -> None:
    """Every enabled priority needs targets; a gap inherited from the parent is the
    parent's error, reported there."""
    inherited = _all_targets(document, parent) if parent is not None else None
    for priority_id, priority in document.priorities.items():
        if not priority.enabled or priority_id in plan.targets:
            continue
        if inherited is not None and priority_id not in inherited:
            continue
        report.at(
            ("plans", plan.id, "targets"),
            f"plan {plan.id!r} has no targets for priority {priority_id!r} "
            "(write `{}` for a priority without clocks)",
        )


def _all_targets(document: PolicyDocument, spec: PlanDocument) -> set[str]:
    """The priorities a plan has targets for, through its ancestors (inheritance is acyclic
    by the time plans are checked)."""
    found: set[str] = set()
    seen: set[int] = set()
    current: PlanDocument | None = spec
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found.update(current.targets)
        current = document.plans.get(current.inherits) if current.inherits else None
    return found


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
    for value, priority_id in rules.monitoring.priorities.items():  # R5
        mapped: Path_ = ("rules", "monitoring", "priorities", value)
        if _check_ref(priority_id, document.priorities, mapped, "priority", report) and not (
            document.priorities[priority_id].enabled
        ):
            report.at(mapped, f"priority {priority_id!r} is disabled")
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
