"""The policy loader: YAML → Policy, every mistake reported as ``FILE:LINE: message``.

Each file in ``fixtures/bad/`` is ``fixtures/minimal.yaml`` with one mistake (two header
comment lines keep the numbering), so every line number below is the line of the offending
key or value in that file, checked exactly.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.policy import Policy, PolicyError, PolicyIssue, load_policy, load_policy_text
from casework.policy.durations import EXPECTED as EXPECTED_SPAN

FIXTURES = Path(__file__).parent / "fixtures"
MINIMAL = FIXTURES / "minimal.yaml"
BAD = FIXTURES / "bad"
PACKS = Path(__file__).resolve().parents[2] / "policy-packs"

YAML_MAPPING_HINT = (
    "expected `key: value` with the key indented like its siblings; "
    "quote a value that contains ': '"
)
STATUSES = (
    "new, open, pending_customer, pending_third_party, pending_engineering, "
    "service_restored, resolved, closed"
)
TOP_LEVEL_KEYS = (
    "id, name, version, summary, sources, timezone, status_page, maintenance, default_calendar, "
    "calendars, tiers, channels, priorities, plans, rules, definitions"
)
TARGET_KEYS = "time_to_open, first_response, periodic_update, elevation, resolution, rca, note"
NOT_A_POLICY = "expected a mapping of policy keys (id, name, version, plans, …)"

# fixture name → every issue it must produce, as (line, message), in file order.
BAD_FILES: dict[str, list[tuple[int, str]]] = {
    "yaml_syntax": [(4, f"YAML syntax: mapping values are not allowed here; {YAML_MAPPING_HINT}")],
    "bad_indent": [(24, f"YAML syntax: mapping values are not allowed here; {YAML_MAPPING_HINT}")],
    "tab_indent": [
        (
            24,
            "YAML syntax: found character '\\t' that cannot start any token "
            "(while scanning for the next token); indent with spaces, not tabs",
        )
    ],
    "control_character": [(30, "YAML syntax: character #x0007 is not allowed; expected text")],
    "duplicate_key": [(24, "tiers.L1: duplicate key 'name' (first given on line 23)")],
    "recursive_alias": [
        (24, "tiers.L1.handles.0: an alias refers to its own anchor; expected plain values")
    ],
    "closed_date_invalid": [
        (
            18,
            "calendars.office.closed.0: cannot read '2026-02-30' as a YAML timestamp "
            "(day is out of range for month); expected a valid timestamp, "
            "or quotes around it for text",
        )
    ],
    "unknown_top_key": [(8, f"colour: unknown key 'colour'; expected one of: {TOP_LEVEL_KEYS}")],
    "unknown_nested_key": [
        (
            54,
            "plans.basic.targets.P1.first_reponse: unknown key 'first_reponse'; "
            f"expected one of: {TARGET_KEYS}",
        )
    ],
    "missing_required_key": [(3, "missing required key 'default_calendar'")],
    "wrong_type": [(4, "name: Input should be a valid string")],
    "bad_duration": [
        (
            61,
            "plans.basic.targets.P3.first_response.within: "
            f"expected {EXPECTED_SPAN}, got '1 fortnight'",
        )
    ],
    "bare_number_duration": [
        (
            55,
            "plans.basic.targets.P1.periodic_update.every: "
            f"expected {EXPECTED_SPAN}, got the bare number 4; add a unit",
        )
    ],
    "bare_number_shorthand": [
        (
            53,
            "plans.basic.targets.P1.time_to_open.within: "
            f"expected {EXPECTED_SPAN}, got the bare number 2; add a unit",
        )
    ],
    "bad_opening_hours": [
        (
            14,
            "calendars.office.hours.tue: opening hours '17:00-09:00' must end after they start, "
            "by 24:00 at most",
        )
    ],
    "bad_opening_hours_format": [
        (
            15,
            "calendars.office.hours.wed: expected opening hours like '09:00-17:00', got '9 to 5'",
        )
    ],
    "unknown_timezone": [
        (
            11,
            "calendars.office.timezone: unknown time zone 'Europe/Lundon'; "
            "expected an IANA name like Europe/London",
        )
    ],
    "unknown_policy_timezone": [
        (6, "timezone: unknown time zone 'PST'; expected an IANA name like Europe/London")
    ],
    "holiday_country_unknown": [
        (
            19,
            "calendars.office.holidays.0.country: unknown holiday country 'XX'; "
            "expected an ISO 3166 code that the holidays package supports, like US or GB",
        )
    ],
    "holiday_subdiv_unknown": [
        (
            20,
            "calendars.office.holidays.0.subdiv: unknown subdivision 'ZZZ'; "
            "expected one of ENG, NIR, SCT, WLS",
        )
    ],
    "holiday_subdiv_missing": [
        (
            19,
            "calendars.office.holidays.0: missing required key 'subdiv'; expected a subdivision "
            "such as ENG or CA, or `subdiv: null` for national holidays only "
            "(the holidays package silently drops regional holidays otherwise)",
        )
    ],
    "unknown_priority_in_targets": [
        (62, "plans.basic.targets.P5: unknown priority 'P5'; expected one of: P1, P2, P3, P4")
    ],
    "unknown_calendar_in_target": [
        (
            58,
            "plans.basic.targets.P2.first_response.calendar: unknown calendar 'ofice'; "
            "expected one of: wall, office",
        )
    ],
    "unknown_tier_in_elevation": [
        (56, "plans.basic.targets.P1.elevation.to: unknown tier 'L9'; expected one of: L1, L2")
    ],
    "unknown_channel_in_plan": [
        (50, "plans.basic.channels.fax: unknown channel 'fax'; expected one of: email")
    ],
    "inherits_cycle": [
        (49, "plans.basic.inherits: plans inherit in a cycle: basic → plus → basic")
    ],
    "inherits_unknown": [
        (63, "plans.plus.inherits: unknown plan 'premium'; expected one of: basic, plus")
    ],
    "plan_missing_priority": [
        (
            51,
            "plans.basic.targets: plan 'basic' has no targets for priority 'P3' "
            "(write `{}` for a priority without clocks)",
        )
    ],
    "default_priority_unknown": [
        (68, "rules.default_priority: unknown priority 'P9'; expected one of: P1, P2, P3, P4")
    ],
    "default_priority_disabled": [
        (
            68,
            "rules.default_priority: the default priority must be enabled; "
            "expected one of: P1, P2, P3",
        )
    ],
    "pause_unknown_status": [
        (70, f"rules.pauses.0.status: unknown status 'waiting'; expected one of: {STATUSES}")
    ],
    "empty": [(1, "the file is empty; expected a policy")],
    "comments_only": [(1, "the file is empty; expected a policy")],
    "top_level_list": [(2, NOT_A_POLICY)],
    "top_level_scalar": [(1, NOT_A_POLICY)],
}
# Written by hand rather than derived from minimal.yaml.
HAND_MADE = {"empty", "comments_only", "top_level_list", "top_level_scalar"}


def issues_of(path: Path) -> list[PolicyIssue]:
    with pytest.raises(PolicyError) as raised:
        load_policy(path)
    return raised.value.issues


def minimal_with(old: str, new: str) -> str:
    text = MINIMAL.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    return text.replace(old, new)


# ---------------------------------------------------------------- files that load


def test_the_minimal_policy_loads() -> None:
    policy = load_policy(MINIMAL)
    assert isinstance(policy, Policy)
    assert list(policy.plans) == ["basic", "plus"]
    assert policy.enabled_priorities() == ["P1", "P2", "P3"]


def test_a_plan_inherits_every_target_it_does_not_override() -> None:
    plus = load_policy(MINIMAL).plans["plus"]
    assert set(plus.targets) == {"P1", "P2", "P3"}
    p1 = plus.targets["P1"]
    assert p1.first_response is not None
    assert p1.first_response.within is not None
    assert p1.first_response.within.words() == "30 minutes"  # overridden
    assert p1.time_to_open is not None
    assert p1.time_to_open.within is not None
    assert p1.time_to_open.within.words() == "2 hours"  # inherited from basic
    assert plus.channels == load_policy(MINIMAL).plans["basic"].channels


@pytest.mark.parametrize("pack", ["liveops", "liveperson"])
def test_both_policy_packs_load_without_an_error(pack: str) -> None:
    policy = load_policy(PACKS / f"{pack}.yaml")
    assert policy.id == pack


def test_a_shorthand_24x7_calendar_tolerates_surrounding_spaces() -> None:
    policy = load_policy_text(minimal_with("  wall: 24x7", '  wall: " 24x7 "'))
    assert policy.calendars["wall"].always


# ---------------------------------------------------------------- malformed files


def test_every_bad_fixture_has_its_expected_issues_listed() -> None:
    assert {path.stem for path in BAD.glob("*.yaml")} == set(BAD_FILES)
    assert len(BAD_FILES) >= 14


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_malformed_file_is_reported_as_file_line_message(name: str) -> None:
    path = BAD / f"{name}.yaml"
    issues = issues_of(path)
    assert [str(issue) for issue in issues] == [
        f"{path}:{line}: {message}" for line, message in BAD_FILES[name]
    ]


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_loading_a_malformed_file_raises_only_policy_error(name: str) -> None:
    """Any other exception escapes ``pytest.raises`` and fails the test."""
    with pytest.raises(PolicyError) as raised:
        load_policy(BAD / f"{name}.yaml")
    assert type(raised.value) is PolicyError
    assert raised.value.issues
    assert str(raised.value) == "\n".join(str(issue) for issue in raised.value.issues)
    assert "Traceback" not in str(raised.value)


@pytest.mark.parametrize("name", sorted(set(BAD_FILES) - HAND_MADE))
def test_each_derived_fixture_is_the_minimal_policy_with_one_mistake(name: str) -> None:
    minimal = MINIMAL.read_text(encoding="utf-8").splitlines()[2:]
    bad = (BAD / f"{name}.yaml").read_text(encoding="utf-8").splitlines()
    assert bad[0].startswith(f"# {name}: minimal.yaml with one mistake")
    changed = [
        op
        for op in difflib.SequenceMatcher(a=minimal, b=bad[2:], autojunk=False).get_opcodes()
        if op[0] != "equal"
    ]
    assert len(changed) == 1, changed
    _, lo_a, hi_a, lo_b, hi_b = changed[0]
    assert hi_a - lo_a <= 2
    assert hi_b - lo_b <= 2


@pytest.mark.parametrize(
    "name",
    sorted(
        name
        for name in set(BAD_FILES) - HAND_MADE
        if name not in {"missing_required_key", "holiday_subdiv_missing", "plan_missing_priority"}
    ),
)
def test_the_reported_line_is_the_line_that_was_changed(name: str) -> None:
    """Derived fixtures: the first reported line is the one that differs from minimal.yaml
    (errors about something absent point at the mapping that lacks it instead)."""
    minimal = MINIMAL.read_text(encoding="utf-8").splitlines()
    bad = (BAD / f"{name}.yaml").read_text(encoding="utf-8").splitlines()
    first_changed = next(
        number
        for number, (was, now) in enumerate(zip(minimal, bad, strict=False), start=1)
        if number > 2 and was != now
    )
    assert issues_of(BAD / f"{name}.yaml")[0].line == first_changed


def test_load_policy_text_names_the_filename_it_is_given() -> None:
    with pytest.raises(PolicyError) as raised:
        load_policy_text("- not a mapping\n", filename="packs/acme.yaml")
    assert str(raised.value) == f"packs/acme.yaml:1: {NOT_A_POLICY}"


def test_load_policy_text_defaults_the_filename_to_policy() -> None:
    with pytest.raises(PolicyError) as raised:
        load_policy_text("")
    assert str(raised.value) == "<policy>:1: the file is empty; expected a policy"


def test_every_mistake_in_a_file_is_reported_in_line_order() -> None:
    text = minimal_with("        elevation: { to: L2 }", "        elevation: { to: L9 }")
    text = text.replace("    - status: pending_customer", "    - status: waiting")
    text = text.replace("calendar: office }", "calendar: ofice }")
    with pytest.raises(PolicyError) as raised:
        load_policy_text(text, filename="p.yaml")
    assert [(issue.line, issue.message.split(":")[0]) for issue in raised.value.issues] == [
        (56, "plans.basic.targets.P1.elevation.to"),
        (58, "plans.basic.targets.P2.first_response.calendar"),
        (70, "rules.pauses.0.status"),
    ]


def test_a_mistake_inherited_from_a_parent_plan_is_reported_once_on_the_parents_line() -> None:
    text = minimal_with("        elevation: { to: L2 }", "        elevation: { to: L9 }")
    with pytest.raises(PolicyError) as raised:
        load_policy_text(text)
    assert [issue.line for issue in raised.value.issues] == [56]


def test_a_calendar_that_is_neither_24x7_nor_a_mapping_names_both_forms() -> None:
    with pytest.raises(PolicyError) as raised:
        load_policy_text(minimal_with("  wall: 24x7", "  wall: 24x5"))
    assert [str(issue) for issue in raised.value.issues] == [
        "<policy>:9: calendars.wall: expected a Calendar mapping or '24x7', got '24x5'"
    ]


def test_a_scalar_where_a_mapping_belongs_lists_the_keys_expected() -> None:
    with pytest.raises(PolicyError) as raised:
        load_policy_text(minimal_with("  email:\n    name: Email", "  email: null"))
    assert [str(issue) for issue in raised.value.issues] == [
        "<policy>:29: channels.email: expected a mapping of name, description, "
        "customer_initiated, got None"
    ]


def test_an_unknown_holiday_category_is_refused_at_load_time() -> None:
    text = minimal_with("        subdiv: ENG", "        subdiv: ENG\n        categories: [bogus]")
    with pytest.raises(PolicyError) as raised:
        load_policy_text(text)
    assert [str(issue) for issue in raised.value.issues] == [
        "<policy>:21: calendars.office.holidays.0.categories: unknown holiday category "
        "'bogus' for GB; expected one of: public"
    ]


def test_an_alias_bomb_is_refused_instead_of_expanded() -> None:
    levels = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    levels += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]" for n in range(1, 9)]
    with pytest.raises(PolicyError, match="aliases expand past 100000 values"):
        load_policy_text("\n".join(levels))


def test_nesting_deeper_than_python_can_follow_is_a_policy_error() -> None:
    with pytest.raises(PolicyError, match="YAML nested too deeply"):
        load_policy_text("[" * 5000)


def test_an_unreadable_file_is_a_policy_error_on_line_1(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: Caf\xe9\n".encode("latin-1"))
    with pytest.raises(PolicyError) as raised:
        load_policy(path)
    (issue,) = raised.value.issues
    assert (issue.file, issue.line) == (str(path), 1)
    assert issue.message.startswith("cannot read the file: 'utf-8' codec can't decode")


def test_a_missing_file_is_a_policy_error(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(PolicyError) as raised:
        load_policy(path)
    assert str(raised.value).startswith(f"{path}:1: cannot read the file: ")


# ---------------------------------------------------------------- property: never a traceback

YAML_TOKENS = st.sampled_from(
    [
        ":", ": ", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "!!int ", "!!str ", "!!binary ",
        "? ", "<<: ", "'", '"', "\t", "\n", "\n  ", "\n    ", "#", "~", "null", "true", "0",
        "-1", "1e999", "2026-02-30", "24x7", "8h", "3bd", "P1", "L2", "id", "plans", "targets",
        "calendars", "inherits", "rules", "default_priority", "\x07", "\ufeff", "é",
    ]
)  # fmt: skip
MINIMAL_LINES = MINIMAL.read_text(encoding="utf-8").splitlines()


@st.composite
def yaml_like_text(draw: st.DrawFn) -> str:
    """Random text: plain unicode, bytes decoded leniently, token soup, or minimal.yaml
    with a few lines replaced, deleted or re-indented."""
    kind = draw(st.integers(min_value=0, max_value=3))
    if kind == 0:
        return draw(st.text(max_size=300))
    if kind == 1:
        return draw(st.binary(max_size=300)).decode("utf-8", errors="replace")
    if kind == 2:
        return "".join(draw(st.lists(YAML_TOKENS, max_size=60)))
    lines = list(MINIMAL_LINES)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        index = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        action = draw(st.integers(min_value=0, max_value=2))
        if action == 0:
            del lines[index]
        elif action == 1:
            key = lines[index].split(":", 1)[0]
            lines[index] = f"{key}: " + "".join(draw(st.lists(YAML_TOKENS, max_size=4)))
        else:
            lines[index] = " " * draw(st.integers(0, 8)) + lines[index].lstrip()
        if not lines:
            break
    return "\n".join(lines)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(yaml_like_text())
def test_any_text_either_loads_or_raises_policy_error_with_file_line_messages(text: str) -> None:
    issues: list[PolicyIssue] | None = None
    try:
        load_policy_text(text, filename="fuzz.yaml")
    except PolicyError as error:  # anything else fails the property
        issues = error.issues
    if issues is not None:
        assert issues
        for issue in issues:
            assert issue.file == "fuzz.yaml"
            assert issue.line >= 1
            assert issue.message
            assert str(issue).startswith(f"fuzz.yaml:{issue.line}: ")


@pytest.mark.rule("R5")
def test_a_monitoring_mapping_to_an_unknown_priority_is_reported_at_its_line() -> None:
    text = minimal_with(
        "rules:\n  default_priority: P3\n",
        "rules:\n  default_priority: P3\n"
        "  monitoring:\n    priorities: { critical: P1, major: P7 }\n",
    )
    with pytest.raises(PolicyError) as raised:
        load_policy_text(text, filename="monitoring.yaml")
    assert [str(issue) for issue in raised.value.issues] == [
        "monitoring.yaml:70: rules.monitoring.priorities.major: unknown priority 'P7'; "
        "expected one of: P1, P2, P3, P4"
    ]
    mapped = load_policy_text(text.replace("P7", "P2"), filename="monitoring.yaml")
    assert mapped.rules.monitoring.priorities == {"critical": "P1", "major": "P2"}
