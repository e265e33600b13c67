"""PolicyVersion: stored exactly once per text and never changed."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.test import Client

from casework.policies.models import ImmutablePolicyVersionError, PolicyVersion

pytestmark = pytest.mark.django_db

SOURCE = "id: acme\nversion: '2025.1'\n"


def stored(policy_id: str = "acme", version: int = 1, source: str = SOURCE) -> PolicyVersion:
    return PolicyVersion.objects.create(
        policy_id=policy_id,
        version=version,
        label="2025.1",
        source=source,
        sha256=hashlib.sha256(source.encode()).hexdigest(),
        filename="policy-packs/acme.yaml",
    )


def test_a_stored_version_keeps_its_text_and_load_time() -> None:
    version = stored()
    again = PolicyVersion.objects.get(pk=version.pk)
    assert again.source == SOURCE
    assert again.loaded_at is not None
    assert again.loaded_by is None
    assert str(again) == "acme v1 (2025.1)"


def test_a_stored_version_cannot_be_saved_again() -> None:
    version = stored()
    version.label = "edited"
    with pytest.raises(ImmutablePolicyVersionError, match="immutable"):
        version.save()
    assert PolicyVersion.objects.get(pk=version.pk).label == "2025.1"


def test_stored_versions_cannot_be_updated_in_bulk() -> None:
    version = stored()
    with pytest.raises(ImmutablePolicyVersionError):
        PolicyVersion.objects.filter(pk=version.pk).update(label="edited")
    version.label = "edited"
    with pytest.raises(ImmutablePolicyVersionError):
        PolicyVersion.objects.bulk_update([version], ["label"])


def test_the_same_text_is_stored_once_per_policy() -> None:
    stored()
    with pytest.raises(IntegrityError), transaction.atomic():
        stored(version=2)
    stored(policy_id="other")  # another policy may hold the same text


def test_version_numbers_are_unique_per_policy_and_start_at_one() -> None:
    stored()
    with pytest.raises(IntegrityError), transaction.atomic():
        stored(version=1, source=SOURCE + "# changed\n")
    with pytest.raises(IntegrityError), transaction.atomic():
        stored(version=0, source=SOURCE + "# zero\n")


def test_the_admin_shows_versions_read_only(admin_client: Client, admin_user: User) -> None:
    version = stored()
    base = "/admin/policies/policyversion/"
    assert admin_client.get(base).status_code == 200
    page = admin_client.get(f"{base}{version.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert admin_client.get(f"{base}add/").status_code == 403
    assert admin_client.post(f"{base}{version.pk}/delete/", {"post": "yes"}).status_code == 403
    assert PolicyVersion.objects.filter(pk=version.pk).exists()
