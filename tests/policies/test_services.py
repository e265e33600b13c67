"""policy_version_load: immutable versions, content hashes, nothing stored on error."""

from __future__ import annotations

import hashlib

import pytest

from casework.policies.models import ImmutablePolicyVersionError, PolicyVersion
from casework.policies.services import policy_version_load
from casework.policy import PolicyError
from tests.policies.conftest import PACKS, load_pack

pytestmark = pytest.mark.django_db


def test_loading_a_pack_stores_version_one_with_its_hash() -> None:
    result = load_pack("liveops")
    text = (PACKS / "liveops.yaml").read_text(encoding="utf-8")
    assert result.created
    assert result.version.version == 1
    assert result.version.policy_id == "liveops"
    assert result.version.label == result.policy.version
    assert result.version.sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert result.version.source == text


def test_reloading_an_unchanged_file_is_a_no_op() -> None:
    first = load_pack("liveops")
    again = load_pack("liveops")
    assert not again.created
    assert again.version.pk == first.version.pk
    assert PolicyVersion.objects.filter(policy_id="liveops").count() == 1


def test_a_changed_file_makes_a_new_version_and_keeps_the_old_one() -> None:
    text = (PACKS / "liveops.yaml").read_text(encoding="utf-8")
    first = policy_version_load(text=text, filename="liveops.yaml")
    changed = text.replace("time_to_open: 2h # R59", "time_to_open: 3h # R59", 1)
    assert changed != text
    second = policy_version_load(text=changed, filename="liveops.yaml")
    assert second.created
    assert second.version.version == 2
    stored = PolicyVersion.objects.get(policy_id="liveops", version=1)
    assert stored.source == text
    assert first.version.pk == stored.pk


def test_an_invalid_file_stores_nothing_and_names_the_line() -> None:
    text = (PACKS / "liveops.yaml").read_text(encoding="utf-8")
    broken = text.replace("time_to_open: 2h # R59", "time_to_open: soon # R59", 1)
    line = broken.splitlines().index(
        next(row for row in broken.splitlines() if "time_to_open: soon" in row)
    )
    with pytest.raises(PolicyError) as caught:
        policy_version_load(text=broken, filename="liveops.yaml")
    assert str(caught.value.issues[0]).startswith(f"liveops.yaml:{line + 1}: ")
    assert PolicyVersion.objects.count() == 0


def test_a_stored_version_cannot_be_changed() -> None:
    row = load_pack("liveperson").version
    row.label = "edited"
    with pytest.raises(ImmutablePolicyVersionError):
        row.save()
    with pytest.raises(ImmutablePolicyVersionError):
        PolicyVersion.objects.filter(pk=row.pk).update(label="edited")
