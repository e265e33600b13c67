"""The pure policy engine: the policy language, business-time calendars and clocks.

No Django, no ORM, no I/O beyond reading the file it is given, and no clock reads: every
function that needs "now" takes it as an argument (STYLE.md §3.4). ``tests/test_architecture.py``
enforces it.
"""

from casework.policy.clocks import ClockState, Event, compute_clocks, initial_tier, opening_targets
from casework.policy.durations import Span, parse_span
from casework.policy.errors import PolicyError, PolicyIssue, UnknownIdError
from casework.policy.loader import load_policy, load_policy_text
from casework.policy.schema import Policy

__all__ = [
    "ClockState",
    "Event",
    "Policy",
    "PolicyError",
    "PolicyIssue",
    "Span",
    "UnknownIdError",
    "compute_clocks",
    "initial_tier",
    "load_policy",
    "load_policy_text",
    "opening_targets",
    "parse_span",
]
