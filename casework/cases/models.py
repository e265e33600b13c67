"""Cases, their append-only history, messages and the clocks derived from that history.

The history (``CaseEvent``) is the truth: clocks are computed from it by the pure engine
(``casework.policy.compute_clocks``) and stored in ``Clock`` rows only so that queues can sort
by the next due time and the sweep can find what is due; ``casework sla rebuild`` recomputes
them from the history at any time. ``ClockAction`` records each warning and breach acted upon,
one row per (case, clock, kind), which is what makes them fire exactly once.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyError(RuntimeError):
    """A history row was about to change; history is only ever appended to."""


class Environment(models.TextChoices):
    """Where the problem is (R50: P1/P2 are for production only)."""

    PRODUCTION = "production"
    STAGING = "staging"
    DEVELOPMENT = "development"


class Origin(models.TextChoices):
    """Who found the problem (R5)."""

    CUSTOMER = "customer"
    NOC = "noc"


class Status(models.TextChoices):
    """Case statuses (G15); ``casework.cases.workflow`` holds the transitions."""

    NEW = "new"
    OPEN = "open"
    PENDING_CUSTOMER = "pending_customer", "pending customer"
    PENDING_THIRD_PARTY = "pending_third_party", "pending third party"
    PENDING_ENGINEERING = "pending_engineering", "pending engineering"
    SERVICE_RESTORED = "service_restored", "service restored"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Case(models.Model):
    """A customer's problem, tracked under the policy version it was opened with."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="cases"
    )
    service_account = models.ForeignKey(
        "accounts.ServiceAccount", null=True, blank=True, on_delete=models.PROTECT
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requested_cases",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
    )
    product = models.ForeignKey("accounts.Product", null=True, blank=True, on_delete=models.PROTECT)
    subject = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    environment = models.CharField(max_length=16, choices=Environment.choices)
    channel = models.CharField(max_length=32)
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.CUSTOMER)
    category = models.CharField(max_length=64, blank=True)
    priority = models.CharField(max_length=32)
    tier = models.CharField(max_length=16)
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.NEW)
    policy_id = models.CharField(max_length=64)
    policy_version = models.PositiveIntegerField()
    plan = models.CharField(max_length=64)
    account_timezone = models.CharField(max_length=64, blank=True)
    sla_overlay = models.JSONField(
        default=dict,
        blank=True,
        help_text="The enhanced-SLA figures in force when the case was opened (R26), "
        "{priority: {metric: duration}}; they replace the plan's for this case's clocks.",
    )
    closable = models.BooleanField(default=False, help_text="The customer said it can be closed.")
    scope_exclusion = models.CharField(max_length=64, blank=True)
    linked_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="followups",
        help_text="The closed case a late reply to which opened this one (G25, R14).",
    )
    next_due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = (
            models.Index(fields=("next_due_at", "id"), name="cases_next_due"),
            models.Index(fields=("organization", "next_due_at", "id"), name="cases_org_next_due"),
            models.Index(fields=("status", "next_due_at", "id"), name="cases_status_next_due"),
        )

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def number(self) -> str:
        """The case's reference for people and mail subjects: ``CW-`` and its id, 6 digits
        or more. Derived, not stored, so opening a case writes its row once."""
        return "CW-(new)" if self._state.adding else f"CW-{self.pk:06d}"

    @staticmethod
    def id_from_number(number: str) -> int | None:
        """The id a case number names (``CW-000042`` → 42), or None if it names none."""
        prefix, _, digits = number.strip().upper().partition("-")
        if prefix != "CW" or not digits.isdigit() or len(digits) > 18:
            return None
        return int(digits)


class CaseEventQuerySet(models.QuerySet["CaseEvent"]):
    """History is appended to, never changed."""

    def update(self, **kwargs: Any) -> int:
        """Refuse: case history is append-only."""
        raise AppendOnlyError("case history is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        """Refuse: case history is append-only."""
        raise AppendOnlyError("case history is append-only")


class CaseEvent(models.Model):
    """One change to a case: who, when, what (old → new), why. Never updated or deleted.

    ``kind`` uses the engine's vocabulary where the clocks read it (``opened``, ``response``,
    ``eta``, ``workaround``, ``status``, ``priority``, ``elevated``, ``service_restored``,
    ``resolved``, ``closed``, ``reopened``, ``rca_published``, ``sla_stopped``), plus events
    the clocks ignore (``note``, ``assigned``, ``warning``, ``breach``…).
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=32)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    public = models.BooleanField(default=True, help_text="Visible to the customer.")
    data = models.JSONField(default=dict, blank=True)

    objects = models.Manager.from_queryset(CaseEventQuerySet)()

    class Meta:
        ordering = ("at", "id")
        indexes = (models.Index(fields=("case", "at", "id"), name="cases_event_case_at"),)

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} at {self.at.isoformat()}"

    def save(self, **kwargs: Any) -> None:
        """Insert only."""
        if not self._state.adding:
            raise AppendOnlyError("case history is append-only")
        super().save(**kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        """Refuse."""
        raise AppendOnlyError("case history is append-only")


class Message(models.Model):
    """A public reply, an internal note or a logged phone call on a case."""

    class Kind(models.TextChoices):
        REPLY = "reply"
        NOTE = "note"
        PHONE = "phone_call", "phone call"
        CHAT = "chat"  # written in a chat conversation that is (or joined) this case
        STATUS = "status_post", "status update"  # an incident's public update (R23)

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.REPLY)
    public = models.BooleanField(default=True)
    from_support = models.BooleanField(default=False)
    body = models.TextField()
    eta = models.DateTimeField(null=True, blank=True)
    workaround = models.BooleanField(default=False)
    resolved_on_call = models.BooleanField(
        default=False,
        help_text="A phone call that resolved and closed the case; its body is the recap (R44).",
    )
    followup_case = models.ForeignKey(
        Case,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The new case this reply opened, when it did not reopen its case (G25, R14).",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("created_at", "id")
        indexes = (models.Index(fields=("case", "created_at"), name="cases_message_case"),)

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.created_at.isoformat()}"


class Attachment(models.Model):
    """A file on a case (or on one of its messages), stored under a random name."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    storage_name = models.CharField(max_length=200, unique=True, editable=False)
    filename = models.CharField(max_length=120, help_text="The sanitised original name.")
    content_type = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.case_id} {self.filename}"


class Clock(models.Model):
    """The stored state of one clock of a case, as last computed from its history."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="clocks")
    key = models.CharField(max_length=48, help_text="metric, or metric#cycle")
    metric = models.CharField(max_length=32)
    cycle = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=16)
    priority = models.CharField(max_length=32)
    calendar = models.CharField(max_length=64)
    target = models.CharField(max_length=32, blank=True)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(default=0)
    elevate_to = models.CharField(max_length=16, blank=True)
    next_action_at = models.DateTimeField(
        null=True, blank=True, help_text="When the sweep must next look at this clock."
    )

    class Meta:
        ordering = ("case", "metric", "cycle")
        constraints = (
            models.UniqueConstraint(fields=("case", "key"), name="cases_clock_unique_key"),
        )
        # Covers the sweep's "what is due" query (next_action_at <= now, ordered, case ids):
        # an index-only scan, 0.2 ms instead of 1.4-1.6 ms over 1M clocks (docs/benchmarks.md).
        indexes = (
            models.Index(fields=("next_action_at", "case"), name="cases_clock_next_action_case"),
        )

    def __str__(self) -> str:
        return f"{self.case_id} {self.key} {self.state}"


class ClockAction(models.Model):
    """A warning or breach acted upon: one row per (case, clock, kind), ever."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="clock_actions")
    clock_key = models.CharField(max_length=48)
    kind = models.CharField(max_length=16)
    due_at = models.DateTimeField()
    fired_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("case", "clock_key", "kind"), name="cases_clock_action_once"
            ),
        )

    def __str__(self) -> str:
        return f"{self.case_id} {self.clock_key} {self.kind}"
