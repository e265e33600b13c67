"""Writes for stored policy versions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Max

from casework.policies.models import PolicyVersion
from casework.policy import Policy, load_policy_text


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What ``policy_version_load`` did: the stored version and whether it is new."""

    version: PolicyVersion
    policy: Policy
    created: bool


def policy_version_load(*, text: str, filename: str, loaded_by: User | None = None) -> LoadResult:
    """Validate policy ``text`` and store it as the policy's next immutable version.

    Loading a text already stored for the same policy id (same SHA-256) is a no-op that
    returns the stored version. Raises ``casework.policy.PolicyError`` (with ``FILE:LINE``
    issues) when the text is not a valid policy; nothing is stored then.
    """
    policy = load_policy_text(text, filename=filename)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    existing = PolicyVersion.objects.filter(policy_id=policy.id, sha256=digest).first()
    if existing is not None:
        return LoadResult(existing, policy, created=False)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                latest = PolicyVersion.objects.filter(policy_id=policy.id).aggregate(
                    top=Max("version")
                )["top"]
                version = PolicyVersion.objects.create(
                    policy_id=policy.id,
                    version=(latest or 0) + 1,
                    label=policy.version,
                    source=text,
                    sha256=digest,
                    filename=filename[-255:],
                    loaded_by=loaded_by,
                )
            return LoadResult(version, policy, created=True)
        except IntegrityError:
            # Another process loaded a version at the same moment: the same text means
            # there is nothing left to do; otherwise take the next number.
            existing = PolicyVersion.objects.filter(policy_id=policy.id, sha256=digest).first()
            if existing is not None:
                return LoadResult(existing, policy, created=False)
    raise RuntimeError(f"could not store a new version of policy {policy.id!r}")
