"""docs/policy-reference.md lists every field of every model of the policy language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from casework.policy import schema

DOC = Path(__file__).resolve().parents[1] / "docs" / "policy-reference.md"
DOCUMENTED = (
    schema.PolicyDocument,
    schema.Calendar,
    schema.HolidaySource,
    schema.Tier,
    schema.Channel,
    schema.Priority,
    schema.PlanDocument,
    schema.PlanChannel,
    schema.AccountTeamRequirements,
    schema.CaseReviews,
    schema.PriorityTargets,
    schema.Target,
    schema.PeriodicTarget,
    schema.ElevationTarget,
    schema.RcaTargets,
    schema.Rules,
    schema.CaseOpening,
    schema.Reclassification,
    schema.Pause,
    schema.PendingCustomer,
    schema.ScopeExclusion,
    schema.CaseReviewRules,
    schema.Action,
    schema.Monitoring,
    schema.MaintenanceRules,
    schema.MaintenanceWindow,
)


def documented_keys() -> dict[str, set[str]]:
    sections: dict[str, set[str]] = {}
    current = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if heading := re.match(r"^### `(\w+)`", line):
            current = sections.setdefault(heading.group(1), set())
        elif current is not None and (row := re.match(r"^\| `(\w+)` \|", line)):
            current.add(row.group(1))
    return sections


@pytest.mark.parametrize("model", DOCUMENTED, ids=lambda m: m.__name__)
def test_every_field_of_the_model_is_documented(model: type[BaseModel]) -> None:
    keys = documented_keys().get(model.__name__)
    assert keys is not None, f"docs/policy-reference.md has no section for {model.__name__}"
    assert set(model.model_fields) == keys


def test_every_document_model_is_covered() -> None:
    models = {
        name
        for name, value in vars(schema).items()
        if isinstance(value, type) and issubclass(value, schema.Model) and value is not schema.Model
    }
    # Plan and Policy are the resolved forms of PlanDocument and PolicyDocument.
    assert models - {"Plan", "Policy"} == {m.__name__ for m in DOCUMENTED}
