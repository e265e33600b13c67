"""The diff of two policy versions a manager reviews before loading one (pure, no database)."""

from __future__ import annotations

from pathlib import Path

from casework.policy import Policy, load_policy_text
from casework.policy.diff import CalendarChange, TargetChange, policy_diff, target_words
from casework.policy.schema import PriorityTargets

PACKS = Path(__file__).resolve().parents[2] / "policy-packs"
LIVEOPS = (PACKS / "liveops.yaml").read_text(encoding="utf-8")


def liveops(*edits: tuple[str, str]) -> Policy:
    """The LiveOps pack with each (old, new) text edit applied exactly once."""
    text = LIVEOPS
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return load_policy_text(text, filename="liveops.yaml")


STANDARD_P2_FIRST_RESPONSE = (
    "        time_to_open: 8h # R59\n        first_response: 8h # R60\n"
    "        periodic_update: { every: 48h",
    "        time_to_open: 8h # R59\n        first_response: 6h # R60\n"
    "        periodic_update: { every: 48h",
)


def test_a_policy_compared_with_itself_has_no_changes_and_counts_every_target() -> None:
    policy = liveops()
    diff = policy_diff(policy, policy)
    assert diff.is_empty
    assert diff.targets == ()
    expected = sum(
        target_words(metric, row) is not None
        for plan in policy.plans.values()
        for row in plan.targets.values()
        for metric in (
            "time_to_open", "first_response", "periodic_update", "elevation", "resolution",
            "rca_preliminary", "rca_final",
        )
    )  # fmt: skip
    assert diff.unchanged_targets == expected > 0


def test_a_changed_first_response_shows_old_and_new_for_that_plan_and_priority() -> None:
    old, new = liveops(), liveops(STANDARD_P2_FIRST_RESPONSE)
    diff = policy_diff(old, new)
    # Support Plus and White Glove inherit Standard's P2 row but set their own first response.
    assert diff.targets == (
        TargetChange("within 8 hours", "within 6 hours", "standard", "P2", "first_response"),
    )
    assert diff.targets[0].kind == "changed"
    assert diff.unchanged_targets == policy_diff(old, old).unchanged_targets - 1
    assert not diff.is_empty


def test_an_inherited_target_changes_in_every_plan_that_inherits_it() -> None:
    diff = policy_diff(
        liveops(),
        liveops(("periodic_update: { every: 48h, eta: true }", "periodic_update: { every: 24h }")),
    )
    changed = {(c.plan, c.priority, c.metric, c.old, c.new) for c in diff.targets}
    old_text, new_text = "every 48 hours, or at the ETA given if sooner", "every 24 hours"
    assert ("standard", "P2", "periodic_update", old_text, new_text) in changed
    assert ("support-plus", "P2", "periodic_update", old_text, new_text) in changed


def test_an_elevation_target_reads_with_its_tier_and_delay() -> None:
    diff = policy_diff(
        liveops(),
        liveops(("elevation: { to: L2, within: 8h }", "elevation: { to: L3, within: 4h }")),
    )
    change = next(c for c in diff.targets if c.plan == "standard")
    assert (change.priority, change.metric) == ("P2", "elevation")
    assert change.old == "to L2 if no ETA or workaround within 8 hours"
    assert change.new == "to L3 if no ETA or workaround within 4 hours"


def test_a_new_metric_is_added_and_a_dropped_one_removed() -> None:
    diff = policy_diff(
        liveops(),
        liveops(
            (
                "        time_to_open: 24h # R59\n        first_response: 24h # R60\n",
                "        time_to_open: 24h # R59\n        resolution: 5bd\n",
            )
        ),
    )
    standard_p3 = {c.metric: c for c in diff.targets if (c.plan, c.priority) == ("standard", "P3")}
    assert standard_p3["resolution"].kind == "added"
    assert standard_p3["resolution"].new == "within 5 business days"
    assert standard_p3["first_response"].kind == "removed"
    assert standard_p3["first_response"].old == "within 24 hours"


def test_rca_documents_are_compared_as_two_metrics() -> None:
    row = PriorityTargets.model_validate(
        {"rca": {"preliminary": {"within": "1bd"}, "final": {"within": "10bd", "calendar": "x"}}}
    )
    assert target_words("rca_preliminary", row) == "within 1 business day"
    assert target_words("rca_final", row) == "within 10 business days on calendar x"
    assert target_words("resolution", row) is None


def test_plans_and_priorities_added_or_removed_are_listed() -> None:
    old = liveops()
    plans = dict(old.plans)
    plans["enterprise"] = plans.pop("white-glove").model_copy(update={"id": "enterprise"})
    priorities = dict(old.priorities)
    del priorities["P4"]
    new = old.model_copy(update={"plans": plans, "priorities": priorities})
    diff = policy_diff(old, new)
    assert diff.plans_added == ("enterprise",)
    assert diff.plans_removed == ("white-glove",)
    assert diff.priorities_removed == ("P4",)
    assert diff.priorities_added == ()
    # Targets are compared only for plans both versions have.
    assert {c.plan for c in diff.targets} == set()


def test_a_priority_offered_for_other_environments_is_reported_as_redefined() -> None:
    old = liveops()
    p1 = old.priorities["P1"].model_copy(update={"environments": ["production", "staging"]})
    new = old.model_copy(update={"priorities": {**old.priorities, "P1": p1}})
    assert policy_diff(old, new).priorities_redefined == ("P1",)


def test_calendar_hours_and_a_plans_calendar_changes_are_listed() -> None:
    diff = policy_diff(
        liveops(),
        liveops(
            ('      fri: "00:00-17:00"', '      fri: "00:00-18:00"'),
            ("    calendar: wall\n", "    calendar: help-desk\n"),
        ),
    )
    by_subject = {c.subject: c for c in diff.calendars}
    # The plans that inherit Standard's calendar move with it.
    assert set(by_subject) == {
        "help-desk",
        "plan standard",
        "plan support-plus",
        "plan white-glove",
    }
    assert by_subject["plan standard"] == CalendarChange("wall", "help-desk", "plan standard")
    hours = by_subject["help-desk"]
    assert hours.old is not None
    assert hours.new is not None
    assert "Fri 00:00–17:00" in hours.old
    assert "Fri 00:00–18:00" in hours.new


def test_other_sections_that_changed_are_named() -> None:
    diff = policy_diff(liveops(), liveops(("warning_threshold: 0.75", "warning_threshold: 0.8")))
    assert diff.sections_changed == ("rules",)
    assert diff.targets == ()
