"""Stored policy versions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImmutablePolicyVersionError(RuntimeError):
    """A stored policy version was about to change; load a new version instead."""


class PolicyVersionQuerySet(models.QuerySet["PolicyVersion"]):
    """Refuses bulk updates: a stored version never changes."""

    def update(self, **kwargs: Any) -> int:
        """Refuse: stored policy versions are immutable (this also covers ``bulk_update``)."""
        raise ImmutablePolicyVersionError("policy versions are immutable; load a new version")


class PolicyVersion(models.Model):
    """One loaded version of a policy file, stored exactly as read and never changed.

    ``version`` counts 1, 2, 3... per ``policy_id``; ``label`` is the version string the file
    gives itself. Loading a file whose text hashes to a stored ``sha256`` for the same policy is
    a no-op, so one text is stored at most once per policy. Cases keep the version they were
    opened under, which is why a version is never edited: ``save()`` only inserts.
    """

    policy_id = models.SlugField(max_length=64, help_text="The policy's id, as in the file.")
    version = models.PositiveIntegerField(help_text="1, 2, 3... per policy, in load order.")
    label = models.CharField(max_length=64, help_text="The version string the file declares.")
    source = models.TextField(help_text="The file's text, exactly as loaded.")
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the source text, hex.")
    filename = models.CharField(max_length=255, help_text="The file it was loaded from.")
    loaded_at = models.DateTimeField(default=timezone.now)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        # PROTECT: the audit trail keeps who loaded a version; deactivate users instead.
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who loaded it; empty when loaded from the command line.",
    )

    objects = models.Manager.from_queryset(PolicyVersionQuerySet)()

    class Meta:
        ordering = ("policy_id", "version")
        constraints = (
            models.UniqueConstraint(
                fields=("policy_id", "version"), name="policies_version_unique_per_policy"
            ),
            models.UniqueConstraint(
                fields=("policy_id", "sha256"), name="policies_sha256_unique_per_policy"
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="policies_version_from_one"
            ),
        )

    def __str__(self) -> str:
        return f"{self.policy_id} v{self.version} ({self.label})"

    def save(self, **kwargs: Any) -> None:
        """Insert the new version; refuse to update a stored one."""
        if not self._state.adding:
            raise ImmutablePolicyVersionError(
                f"{self} is immutable; load the changed file as a new version"
            )
        super().save(**kwargs)
