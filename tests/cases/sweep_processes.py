"""Seed and count for the exactly-once sweep tests, run as a process against a given database.

``python -m tests.cases.sweep_processes setup AT`` loads the LiveOps pack and makes the
organisation; ``… seed N AT`` opens N P2 cases at one instant (through the real
``case_open``; several seed processes may run at once) and prints as JSON how many actions
are due at AT (the pure engine's count, acting on nothing). ``… count AT`` prints what the
sweeps did: actions, distinct actions, history events, enqueued mail, and what one more
sweep at AT still finds (none, if nothing was missed).
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[2]
OPENED = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
AT = OPENED + timedelta(hours=9)  # P2: warnings and breaches of first response and elevation


def setup() -> dict[str, float]:
    from casework.accounts.services import organization_create, user_create
    from casework.policies.services import policy_version_load

    pack = ROOT / "policy-packs" / "liveops.yaml"
    policy_version_load(text=pack.read_text(encoding="utf-8"), filename=str(pack))
    since = OPENED - timedelta(days=30)
    organization_create(name="Acme", policy_id="liveops", plan_id="standard", effective_from=since)
    # The breach rules notify the support manager: each breach enqueues one mail.
    user_create(username="mia", email="mia@support.test", role="manager")
    return {}


def seed(count: int, at: datetime) -> dict[str, float]:
    from django.db import transaction

    from casework.accounts.models import Organization
    from casework.cases.clocks import case_clock_states
    from casework.cases.services import CaseDraft, case_open
    from casework.policies.selectors import policy_get
    from casework.policy.escalation import actions_due

    org = Organization.objects.get(name="Acme")
    started = time.monotonic()
    draft = CaseDraft(organization=org, subject="drops", environment="production", priority="P2")
    with transaction.atomic():
        cases = [case_open(draft=draft, requester=None, at=OPENED) for _ in range(count)]
    seeded = time.monotonic() - started
    due = 0
    for case in cases:
        policy = policy_get(case.policy_id, version=case.policy_version).policy
        due += len(actions_due(policy, case_clock_states(case, at=at), at))
    return {"cases": count, "due": due, "seed_seconds": round(seeded, 2)}


def count(at: datetime) -> dict[str, int]:
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from casework.cases.models import CaseEvent, ClockAction
    from casework.cases.sweep import clock_sweep

    actions = ClockAction.objects.count()
    distinct = ClockAction.objects.values("case", "clock_key", "kind").distinct().count()
    duplicated = (
        ClockAction.objects.values("case", "clock_key", "kind")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    events = CaseEvent.objects.filter(kind__in=("warning", "breach"))
    return {
        "actions": actions,
        "distinct": distinct,
        "duplicated": duplicated,
        "events": events.count(),
        "breaches": events.filter(kind="breach").count(),
        "alerts": CaseEvent.objects.filter(kind="alert").count(),
        "tasks": DBTaskResult.objects.count(),
        "left": len(clock_sweep(at=at)),
    }


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
    django.setup()
    at = datetime.fromisoformat(argv[-1])
    if argv[0] == "setup":
        result: dict[str, float] | dict[str, int] = setup()
    elif argv[0] == "seed":
        result = seed(int(argv[1]), at)
    else:
        result = count(at)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
