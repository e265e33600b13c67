"""Raw input as it arrived, kept before anything reads it (STYLE §3.5: "loses nothing")."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class RawStatus(models.TextChoices):
    """Where one raw input stands."""

    PENDING = "pending"  # stored, not yet handled
    PROCESSED = "processed"  # it opened a case or joined one (``case``)
    IGNORED = "ignored"  # deliberately not acted on, with the reason (auto-reply, bounce…)
    HELD = "held"  # waits for a person (unknown sender, per setting), with the reason
    FAILED = "failed"  # could not be handled, with the reason; may be retried


class RawInbound(models.Model):
    """One input of a channel exactly as received: a MIME message, an Alertmanager payload,
    a phone system's call record, a chat transcript.

    It is written first, then parsed (``casework.channels.services.raw_inbound_process``)
    and marked processed only once the intake service has succeeded; anything else keeps it
    with the reason, visible to administrators, who can retry it or make a case of it by
    hand. ``dedup_key`` (a Message-ID, an alert fingerprint…) makes the same input delivered
    twice be stored once per channel."""

    channel = models.CharField(max_length=32)
    source = models.CharField(max_length=200, blank=True, help_text="Where it came from.")
    received_at = models.DateTimeField(default=timezone.now)
    dedup_key = models.CharField(max_length=500, blank=True)
    payload = models.BinaryField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=RawStatus.choices, default=RawStatus.PENDING)
    reason = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-received_at", "-id")
        constraints = (
            models.UniqueConstraint(
                fields=("channel", "dedup_key"),
                condition=~models.Q(dedup_key=""),
                name="intake_raw_once_per_channel",
            ),
        )
        indexes = (models.Index(fields=("status", "received_at"), name="intake_raw_status"),)
        verbose_name = "raw inbound input"

    def __str__(self) -> str:
        return f"{self.channel} {self.received_at.isoformat()} {self.status}"
