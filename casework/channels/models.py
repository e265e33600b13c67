"""Raw input as it arrived, kept before anything reads it (STYLE §3.5: "loses nothing")."""

from __future__ import annotations

from django.core.validators import RegexValidator
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
    envelope = models.JSONField(
        default=dict, blank=True,
        help_text='What the transport knew besides the bytes: an SMTP envelope, '
        '{"mail_from": "…", "rcpt_tos": ["…"]}; {} for none.',
    )  # fmt: skip
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


class CallDirection(models.TextChoices):
    """Who started a phone call: the customer (inbound) or support (outbound, R48)."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class BillableReview(models.TextChoices):
    """A billable call's review by a manager (R47, G16): never billed automatically."""

    NONE = "", "not billable"
    PENDING = "pending"
    APPROVED = "approved", "approved: charge"
    WAIVED = "waived", "waived: no charge"


class PhoneCall(models.Model):
    """One phone call about a case, as it counts against the plan (R46–R48).

    ``billable`` calls (a customer's call outside the priorities the plan's phone channel
    includes, when the plan says ``other_calls: billable``, R47) wait for a manager, who
    approves or waives each with a reason; support's own calls never count (R48)."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="phone_calls")
    raw = models.OneToOneField(
        RawInbound, null=True, blank=True, on_delete=models.PROTECT, related_name="phone_call"
    )
    direction = models.CharField(max_length=8, choices=CallDirection.choices)
    caller = models.CharField(max_length=16, blank=True)
    dialled = models.CharField(max_length=16, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    plan = models.CharField(max_length=64)
    priority = models.CharField(max_length=16)
    billable = models.BooleanField(default=False)
    billable_reason = models.TextField(blank=True)
    review = models.CharField(
        max_length=8, choices=BillableReview.choices, default=BillableReview.NONE, blank=True
    )
    reviewed_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(blank=True)

    class Meta:
        ordering = ("-started_at", "-id")
        indexes = (models.Index(fields=("review", "started_at"), name="intake_call_review"),)

    def __str__(self) -> str:
        return f"{self.direction} call {self.started_at.isoformat()} ({self.case_id})"


class ConversationStatus(models.TextChoices):
    """Where a chat conversation stands."""

    WAITING = "waiting"  # the customer wrote; no one from support has answered yet
    ACTIVE = "active"  # an engineer has joined it
    ENDED = "ended"  # the customer or the engineer ended it


class Conversation(models.Model):
    """A live chat (or asynchronous messaging) conversation between a contact and support
    (R1). Its messages are kept as they are written; it becomes a case, or joins one, with
    its transcript (``casework.channels.chat.services.conversation_case_make``), after which
    every message is also on the case (support's count as ``chat`` responses, R65)."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="conversations"
    )
    contact = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=16, default="chat")  # chat | messaging
    status = models.CharField(
        max_length=8, choices=ConversationStatus.choices, default=ConversationStatus.WAITING
    )
    agent = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField()
    last_message_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-last_message_at", "-id")
        indexes = (models.Index(fields=("status", "last_message_at"), name="intake_conv_status"),)

    def __str__(self) -> str:
        return f"chat {self.pk} ({self.status})"


class ChatMessage(models.Model):
    """One message of a conversation; ``author`` None is casework itself ("this conversation
    is now case CW-000042"). ``case_message`` is its copy on the case, once there is one."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.PROTECT, related_name="messages"
    )
    author = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_support = models.BooleanField(default=False)
    body = models.TextField()
    at = models.DateTimeField()
    case_message = models.ForeignKey(
        "cases.Message", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"chat message {self.pk} of {self.conversation_id}"


class MailboxTls(models.TextChoices):
    """How casework talks to an IMAP server."""

    SSL = "ssl", "SSL/TLS from the start (IMAPS, port 993)"
    STARTTLS = "starttls", "STARTTLS upgrade (port 143)"
    NONE = "none", "none: plain text (loopback or a trusted network only)"


class MailboxAfter(models.TextChoices):
    """What happens on the server to a message once casework has stored it."""

    SEEN = "seen", "mark it seen"
    MOVE = "move", "move it to another folder"
    DELETE = "delete", "delete it"


# A variable name, not a password: the prefix every mailbox password variable carries.
PASSWORD_ENV_PREFIX = "CASEWORK_IMAP_PASSWORD_"  # noqa: S105


class Mailbox(models.Model):
    """An IMAP mailbox casework polls for inbound mail (configured in the Django admin).

    The worker polls each enabled one every ``CASEWORK_IMAP_POLL_SECONDS``
    (``casework.channels.email.imap``): every unseen message is stored first, and only then
    marked seen, moved to ``move_to`` or deleted on the server (``after_fetch``), so a crash
    in between loses nothing (the next poll finds it again; its Message-ID stores it once).
    The password is never in the database: ``password_env`` names the environment variable
    (``CASEWORK_IMAP_PASSWORD_<NAME>``, or ``<that>_FILE``) that holds it.

    ``consecutive_failures`` counts failed polls in a row; at ``CASEWORK_IMAP_ALERT_AFTER``
    the administrators are mailed once (``alerted_at``); a successful poll resets both.
    ``polling_until`` is the lease of the worker polling it now, so two never poll the same
    mailbox at once (it expires if that worker dies)."""

    name = models.SlugField(
        max_length=64,
        unique=True,
        help_text='Short name: mail it brings is stored as "imap:<name>".',
    )
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField(default=993)
    tls = models.CharField("TLS", max_length=8, choices=MailboxTls.choices, default=MailboxTls.SSL)
    username = models.CharField(max_length=255)
    password_env = models.CharField(
        "password variable", max_length=100,
        validators=[
            RegexValidator(
                rf"^{PASSWORD_ENV_PREFIX}[A-Z0-9_]+$",
                f"the name of an environment variable: {PASSWORD_ENV_PREFIX}<NAME>",
            )
        ],
        help_text=(
            f"The environment variable holding the password, e.g. {PASSWORD_ENV_PREFIX}SUPPORT "
            "(or a file named by …_FILE); set it for the worker and restart it."
        ),
    )  # fmt: skip
    folder = models.CharField(max_length=255, default="INBOX")
    after_fetch = models.CharField(
        "once stored", max_length=8, choices=MailboxAfter.choices, default=MailboxAfter.SEEN
    )
    move_to = models.CharField(
        max_length=255,
        blank=True,
        help_text="The folder to move stored mail to (created if missing).",
    )
    enabled = models.BooleanField(default=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    alerted_at = models.DateTimeField(null=True, blank=True)
    polling_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("name",)
        verbose_name_plural = "mailboxes"
        constraints = (
            models.CheckConstraint(
                condition=~models.Q(after_fetch="move") | ~models.Q(move_to=""),
                name="intake_mailbox_move_needs_folder",
                violation_error_message="Name the folder to move stored mail to.",
            ),
        )

    def __str__(self) -> str:
        return f"{self.name} ({self.username} at {self.host})"
