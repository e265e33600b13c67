"""What the status page shows: components (grouped, mapped to the customers' service accounts),
incidents with a timeline of updates and the customer cases linked to them (G26), scheduled
maintenance (R29) and root-cause analyses of incidents (R21, R22).

A component's state is never stored on the component: it is the worst state of the open
incidents and in-progress maintenance that affect it (``casework.status.selectors``), so it
cannot disagree with them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ComponentState(models.TextChoices):
    """How a component is doing, best first (the order ranks them)."""

    OPERATIONAL = "operational"
    MAINTENANCE = "under_maintenance", "under maintenance"
    DEGRADED = "degraded", "degraded performance"
    PARTIAL_OUTAGE = "partial_outage", "partial outage"
    MAJOR_OUTAGE = "major_outage", "major outage"


# Worst first is the last; a state's rank compares two of them.
STATE_RANK = {state: rank for rank, state in enumerate(ComponentState.values)}


class Impact(models.TextChoices):
    """How bad an incident is overall."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class IncidentStatus(models.TextChoices):
    """Where an incident is in its timeline; ``resolved`` ends it."""

    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


class ComponentGroup(models.Model):
    """Components shown together (a product, a region); subscriptions may follow a group."""

    name = models.CharField(max_length=200, unique=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("position", "name")

    def __str__(self) -> str:
        return self.name


class Component(models.Model):
    """A service, region or data centre whose state the page shows."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    group = models.ForeignKey(
        ComponentGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="components"
    )
    region = models.CharField(
        max_length=64,
        blank=True,
        help_text="The policy's maintenance region it is in (R29: na, eu, apac…), if any.",
    )
    position = models.PositiveIntegerField(default=0)
    service_accounts = models.ManyToManyField(
        "accounts.ServiceAccount",
        blank=True,
        related_name="components",
        help_text="The customers' accounts that run on it: they see its state as theirs.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("position", "name")

    def __str__(self) -> str:
        return self.name


class Incident(models.Model):
    """Something broken, told to customers through its timeline of updates."""

    title = models.CharField(max_length=300)
    impact = models.CharField(max_length=16, choices=Impact.choices)
    status = models.CharField(
        max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.INVESTIGATING
    )
    security = models.BooleanField(
        default=False,
        help_text="A security incident: DoS/DDoS or suspected or actual data compromise (R7).",
    )
    source_case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The NOC case it was promoted from, if any.",
    )
    started_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = (
            models.Index(fields=("resolved_at", "started_at"), name="status_incident_open"),
            models.Index(fields=("started_at", "id"), name="status_incident_started"),
        )

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        """Not yet resolved."""
        return self.resolved_at is None


class IncidentComponent(models.Model):
    """A component an incident affects: its state now and the worst it reached, which the
    history's uptime counts from the incident's start to its end."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="affected")
    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="incidents")
    state = models.CharField(max_length=24, choices=ComponentState.choices)
    worst_state = models.CharField(max_length=24, choices=ComponentState.choices)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("incident", "component"), name="status_incident_component_unique"
            ),
        )

    def __str__(self) -> str:
        return f"{self.incident_id} {self.component_id} {self.state}"


class IncidentUpdate(models.Model):
    """One entry of an incident's timeline. Updates are never edited: a correction is a new
    update. Each public one counts as a response and a periodic update on every linked case
    (R23) and is posted to their conversations."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=16, choices=IncidentStatus.choices)
    message = models.TextField()
    component_states = models.JSONField(
        default=dict, blank=True, help_text="{component id: state} as this update set them."
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ("at", "id")
        indexes = (models.Index(fields=("incident", "at"), name="status_update_incident_at"),)

    def __str__(self) -> str:
        return f"{self.incident_id} {self.status} {self.at.isoformat()}"


class CaseLink(models.Model):
    """A customer case linked to an incident (many cases, one incident: G26), or only
    suggested for linking because the case's organisation runs on an affected component."""

    class Kind(models.TextChoices):
        LINKED = "linked"
        SUGGESTED = "suggested"
        DISMISSED = "dismissed"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="case_links")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="incident_links")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.LINKED)
    reason = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("incident", "case"), name="status_case_link_unique"),
        )
        indexes = (models.Index(fields=("case", "kind"), name="status_case_link_case"),)

    def __str__(self) -> str:
        return f"{self.incident_id} {self.case_id} {self.kind}"


class MaintenanceStatus(models.TextChoices):
    """A maintenance window's life: it starts and ends on time by itself (the worker)."""

    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress", "in progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Maintenance(models.Model):
    """Planned work on some components: announced no earlier than the policy's notice period
    before it starts (R29), inside the region's window unless it is an emergency, whose
    notice also goes to the affected customers' emergency contacts (R28)."""

    title = models.CharField(max_length=300)
    message = models.TextField(blank=True)
    components = models.ManyToManyField(Component, related_name="maintenances")
    policy_id = models.SlugField(
        max_length=64, help_text="The policy whose notice period and windows apply (R29)."
    )
    region = models.CharField(max_length=64, blank=True)
    emergency = models.BooleanField(default=False)
    status = models.CharField(
        max_length=16, choices=MaintenanceStatus.choices, default=MaintenanceStatus.SCHEDULED
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    announce_at = models.DateTimeField(
        help_text="When it shows on the page and goes to subscribers: the notice period "
        "before it starts, or when it was scheduled if that is later."
    )
    announced_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("starts_at", "id")
        indexes = (models.Index(fields=("status", "starts_at"), name="status_maintenance_due"),)
        constraints = (
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="status_maintenance_ends_after_start",
            ),
        )

    def __str__(self) -> str:
        return self.title


class Rca(models.Model):
    """A root-cause analysis of an incident (R21 preliminary, R22 final with preventive
    measures): draft → review → published; publishing it meets the RCA clock of every case
    linked to the incident and shows it to their customers."""

    class Kind(models.TextChoices):
        PRELIMINARY = "preliminary"
        FINAL = "final"

    class State(models.TextChoices):
        DRAFT = "draft"
        REVIEW = "review", "in review"
        PUBLISHED = "published"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="rcas")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    summary = models.TextField()
    root_cause = models.TextField(blank=True)
    preventive_measures = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("incident", "kind"), name="status_rca_unique"),
        )

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind} {self.state}"


class Subscriber(models.Model):
    """Someone told of every change to the page, or to some components or groups of it (none
    of either: everything). An email address counts only once its owner has confirmed it
    (double opt-in); a webhook, made by the NOC, at once. Neither is ever deleted:
    unsubscribing stamps ``unsubscribed_at``."""

    class Kind(models.TextChoices):
        EMAIL = "email"
        WEBHOOK = "webhook"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    email = models.EmailField(blank=True)
    url = models.URLField(max_length=2000, blank=True)
    secret = models.CharField(
        max_length=80, blank=True, help_text="A webhook's signing secret (whsec_…)."
    )
    components = models.ManyToManyField(Component, blank=True, related_name="subscribers")
    groups = models.ManyToManyField(ComponentGroup, blank=True, related_name="subscribers")
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("email",),
                condition=models.Q(
                    kind="email", confirmed_at__isnull=False, unsubscribed_at__isnull=True
                ),
                name="status_subscriber_one_active_per_email",
            ),
        )

    def __str__(self) -> str:
        return self.email or self.url

    @property
    def active(self) -> bool:
        """Confirmed and not unsubscribed."""
        return self.confirmed_at is not None and self.unsubscribed_at is None


class Delivery(models.Model):
    """One publication (an incident's update, a published RCA, a step of maintenance) to one
    subscriber: made once, whatever runs the publication twice, so each goes once."""

    class State(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        FAILED = "failed"

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    publication = models.CharField(max_length=64, help_text="kind:id, e.g. incident:42.")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("subscriber", "publication"), name="status_delivery_once"
            ),
        )

    def __str__(self) -> str:
        return f"{self.publication} → {self.subscriber_id} {self.state}"
