"""Reads of stored policy versions, parsed into the engine's ``Policy`` (cached by hash)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache

from django.db.models import OuterRef, Subquery

from casework.policies.models import PolicyVersion
from casework.policy import Policy, load_policy_text
from casework.policy.diff import PolicyDiff, policy_diff
from casework.policy.overlay import Overlay, apply_overlay

_POLICY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True, slots=True)
class StoredPolicy:
    """A stored version together with the policy it holds."""

    row: PolicyVersion
    policy: Policy


@lru_cache(maxsize=64)
def _parse(sha256: str, pk: int) -> Policy:
    # Stored versions never change, so their hash is a safe cache key for the parsed policy;
    # the text (about 10 KB) is read only on a miss, not with every lookup.
    row = PolicyVersion.objects.only("source", "filename").get(pk=pk)
    return load_policy_text(row.source, filename=row.filename)


def policy_parsed(*, pk: int, sha256: str) -> Policy:
    """The policy of the stored version ``pk`` whose text has hash ``sha256`` (cached: a
    version never changes)."""
    return _parse(sha256, pk)


def _stored(row: PolicyVersion) -> StoredPolicy:
    return StoredPolicy(row, _parse(row.sha256, row.pk))


def policy_with_overlay(*, pk: int, sha256: str, plan_id: str, overlay: Overlay) -> Policy:
    """The stored version ``pk`` (hash ``sha256``) with an enhanced-SLA overlay applied to
    ``plan_id`` (R26); its plain policy when there is no overlay. Cached, like the parsed
    policies."""
    if not overlay:
        return _parse(sha256, pk)
    return _overlaid(sha256, pk, plan_id, json.dumps(overlay, sort_keys=True))


@lru_cache(maxsize=256)
def _overlaid(sha256: str, pk: int, plan_id: str, overlay_json: str) -> Policy:
    return apply_overlay(_parse(sha256, pk), plan_id, json.loads(overlay_json))


def policy_get(policy_id: str, *, version: int | None = None) -> StoredPolicy:
    """The policy ``policy_id`` at ``version`` (default: the latest loaded).

    Raises ``PolicyVersion.DoesNotExist`` when there is no such policy or version."""
    if not _POLICY_ID.fullmatch(policy_id):
        # Not an id the language allows (a NUL byte, say): nothing to ask the database.
        raise PolicyVersion.DoesNotExist(f"no policy {policy_id!r} is loaded")
    rows = PolicyVersion.objects.filter(policy_id=policy_id).defer("source")
    row = rows.get(version=version) if version is not None else rows.order_by("-version").first()
    if row is None:
        raise PolicyVersion.DoesNotExist(f"no policy {policy_id!r} is loaded")
    return _stored(row)


def policy_list_current() -> list[StoredPolicy]:
    """The latest version of every loaded policy, by policy id."""
    newest = PolicyVersion.objects.filter(policy_id=OuterRef("policy_id")).order_by("-version")
    rows = PolicyVersion.objects.filter(version=Subquery(newest.values("version")[:1])).defer(
        "source"
    )
    return [_stored(row) for row in rows.order_by("policy_id")]


def policy_ids() -> list[str]:
    """Ids of every loaded policy."""
    return list(
        PolicyVersion.objects.order_by("policy_id").values_list("policy_id", flat=True).distinct()
    )


@dataclass(frozen=True, slots=True)
class UploadPreview:
    """What loading a policy text would do: the policy it holds, its SHA-256, the version it
    would follow (None: a new policy id) with the diff against it, and ``stored``, the version
    that already holds exactly this text (loading it again is a no-op)."""

    policy: Policy
    sha256: str
    current: StoredPolicy | None
    diff: PolicyDiff | None
    stored: PolicyVersion | None


def policy_upload_preview(*, text: str, filename: str) -> UploadPreview:
    """Validate ``text`` with the loader ``casework policy check`` uses and compare it with the
    current version of the same policy id. Stores nothing.

    Raises ``casework.policy.PolicyError`` (every ``FILE:LINE`` issue) for an invalid text."""
    policy = load_policy_text(text, filename=filename)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    try:
        current: StoredPolicy | None = policy_get(policy.id)
    except PolicyVersion.DoesNotExist:
        current = None
    stored = PolicyVersion.objects.filter(policy_id=policy.id, sha256=digest).defer("source")
    return UploadPreview(
        policy=policy,
        sha256=digest,
        current=current,
        diff=policy_diff(current.policy, policy) if current is not None else None,
        stored=stored.first(),
    )
