"""The routing table (R38–R41): which tier a case's category belongs to.

Derived from the policy itself, each tier's ``topics``: a case whose category is a topic of
a higher tier than the one it would start at goes straight to that tier. Categories compare
without regard to case or surrounding blanks; a topic listed under two tiers belongs to the
first (lowest) of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from casework.policy.schema import Policy


def routing_table(policy: Policy) -> dict[str, str]:
    """Category (case-folded topic) → tier id, from the tiers' ``topics``."""
    table: dict[str, str] = {}
    for tier_id, tier in policy.tiers.items():
        for topic in tier.topics:
            table.setdefault(_key(topic), tier_id)
    return table


@dataclass(frozen=True, slots=True)
class Routing:
    """Where a new case starts, and why it moved there (``None`` when it did not)."""

    tier: str
    reason: str | None


def route_by_category(policy: Policy, category: str, tier: str) -> Routing:
    """The tier a case of ``category`` starts at, given the ``tier`` it would otherwise start
    at (Level 1 by R39, or an immediate elevation's tier by R61). Routing only ever raises a
    case: a Level 1 topic does not bring a P1 down from Level 2."""
    target = routing_table(policy).get(_key(category)) if category else None
    if target is None:
        return Routing(tier, None)
    ranks = list(policy.tiers)
    if ranks.index(target) <= ranks.index(tier):
        return Routing(tier, None)
    name = policy.tiers[target].name
    return Routing(
        target,
        f"category {category.strip()!r} is a {name} topic: routed from "
        f"{policy.tiers[tier].name} to {name} (R38, R40, R41)",
    )


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()
