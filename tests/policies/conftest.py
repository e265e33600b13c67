"""Fixtures for the policies app: both packs loaded through the real service."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.policies.services import LoadResult, policy_version_load

PACKS = Path(__file__).resolve().parents[2] / "policy-packs"


def load_pack(name: str) -> LoadResult:
    """Load ``policy-packs/<name>.yaml`` as a stored version."""
    path = PACKS / f"{name}.yaml"
    return policy_version_load(text=path.read_text(encoding="utf-8"), filename=str(path))


@pytest.fixture
def packs(db: None) -> dict[str, LoadResult]:
    """Both source policies, loaded."""
    return {name: load_pack(name) for name in ("liveops", "liveperson")}
