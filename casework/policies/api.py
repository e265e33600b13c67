"""``/api/v1/policies`` and ``/api/v1/policy/preview``: policies are public, no login needed."""

from __future__ import annotations

import zoneinfo
from datetime import UTC

from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Router

from casework.api.errors import FieldError
from casework.policies.models import PolicyVersion
from casework.policies.schemas import PolicyOut, PreviewIn, PreviewOut, TargetOut
from casework.policies.selectors import StoredPolicy, policy_get, policy_ids, policy_list_current
from casework.policy import UnknownIdError, opening_targets

router = Router(tags=["policies"])


def _policy_out(stored: StoredPolicy) -> PolicyOut:
    policy, row = stored.policy, stored.row
    data = policy.model_dump(mode="json")
    return PolicyOut(
        id=policy.id,
        name=policy.name,
        version=row.version,
        label=row.label,
        sha256=row.sha256,
        loaded_at=row.loaded_at.astimezone(UTC).isoformat(),
        page=reverse("policy-page", args=[policy.id]),
        summary=policy.summary,
        timezone=policy.timezone,
        default_calendar=policy.default_calendar,
        calendars=data["calendars"],
        tiers=data["tiers"],
        channels=data["channels"],
        priorities=data["priorities"],
        plans=data["plans"],
        rules=data["rules"],
    )


@router.get("/policies", response=list[PolicyOut], auth=None)
def policy_list(request: HttpRequest) -> list[PolicyOut]:
    """Every loaded policy, at its latest version."""
    return [_policy_out(stored) for stored in policy_list_current()]


@router.get("/policies/{policy_id}", response=PolicyOut, auth=None)
def policy_detail(request: HttpRequest, policy_id: str, version: int | None = None) -> PolicyOut:
    """One policy, at its latest version or the ``version`` asked for."""
    try:
        return _policy_out(policy_get(policy_id, version=version))
    except PolicyVersion.DoesNotExist:
        suffix = f" version {version}" if version else ""
        raise Http404(f"no policy {policy_id!r}{suffix}") from None


@router.post("/policy/preview", response=PreviewOut, auth=None)
def policy_preview(request: HttpRequest, payload: PreviewIn) -> PreviewOut:
    """The clocks a case would start with, and their due times in UTC."""
    try:
        stored = policy_get(payload.policy, version=payload.version)
    except PolicyVersion.DoesNotExist:
        known = policy_ids()
        if payload.version is not None and payload.policy in known:
            raise FieldError(
                "version", f"policy {payload.policy!r} has no version {payload.version}"
            ) from None
        expected = ", ".join(known) or "none is loaded"
        raise FieldError(
            "policy", f"unknown policy {payload.policy!r}; expected one of: {expected}"
        ) from None
    if payload.timezone is not None:
        try:
            zoneinfo.ZoneInfo(payload.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise FieldError("timezone", f"unknown time zone {payload.timezone!r}") from None
    try:
        targets = opening_targets(
            stored.policy,
            payload.plan,
            payload.priority,
            payload.opened_at,
            account_timezone=payload.timezone,
        )
    except UnknownIdError as error:
        raise FieldError(error.field, str(error)) from None
    return PreviewOut(
        policy=stored.policy.id,
        version=stored.row.version,
        label=stored.row.label,
        plan=payload.plan,
        priority=payload.priority,
        opened_at=payload.opened_at.astimezone(UTC).isoformat(),
        targets=[
            TargetOut(
                metric=t.metric,
                calendar=t.calendar,
                duration=t.target.isoformat(),
                description=t.target.words(),
                due_at=t.due_at.astimezone(UTC).isoformat(),
            )
            for t in targets
        ],
    )
