"""Reads of raw intake input, for the administrators who look after what could not be
handled by itself; the IMAP mailboxes due for a poll, and who hears of one that fails."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Count, F, Q, QuerySet

from casework.accounts.models import StaffRole
from casework.channels.models import Mailbox, RawInbound, RawStatus

# What needs a person: the default view of the console's intake page.
NEEDS_A_PERSON = (RawStatus.HELD, RawStatus.FAILED)


def raw_inbound_list(*, statuses: tuple[str, ...] = NEEDS_A_PERSON) -> QuerySet[RawInbound]:
    """Stored inputs in these statuses, newest first, without their payloads (which may be
    megabytes each); the case they opened or joined comes in the same query."""
    return (
        RawInbound.objects.filter(status__in=statuses)
        .defer("payload")
        .select_related("case")
        .order_by("-received_at", "-id")
    )


def raw_inbound_counts() -> dict[str, int]:
    """How many stored inputs each status has (every status, zeros included)."""
    counts = dict.fromkeys(RawStatus.values, 0)
    for row in RawInbound.objects.values("status").order_by().annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


def administrator_addresses() -> list[str]:
    """Where news for the administrators goes (a mailbox that keeps failing): the active
    users with the ``admin`` role, superusers without a staff profile (as
    ``casework.accounts.selectors.user_role`` counts them) and Django's ``ADMINS``, each
    address once, sorted."""
    admins = User.objects.filter(is_active=True).filter(
        Q(staff_profile__role=StaffRole.ADMIN) | Q(is_superuser=True, staff_profile__isnull=True)
    )
    found = set(admins.exclude(email="").values_list("email", flat=True))
    found.update(str(address) for address in settings.ADMINS)
    return sorted(found)


def mailboxes_due(*, at: datetime) -> list[Mailbox]:
    """The enabled mailboxes due for a poll at ``at`` (never polled, or last polled
    ``CASEWORK_IMAP_POLL_SECONDS`` ago or more) that no worker's lease holds."""
    polled_before = at - timedelta(seconds=settings.CASEWORK_IMAP_POLL_SECONDS)
    return list(
        Mailbox.objects.filter(enabled=True)
        .filter(Q(last_polled_at__isnull=True) | Q(last_polled_at__lte=polled_before))
        .filter(Q(polling_until__isnull=True) | Q(polling_until__lte=at))
        .order_by(F("last_polled_at").asc(nulls_first=True), "pk")
    )


def mailboxes_named(name: str | None) -> list[Mailbox]:
    """The mailbox called ``name`` (enabled or not; ``Mailbox.DoesNotExist`` if none is), or
    every enabled one for None, by name."""
    if name is not None:
        return [Mailbox.objects.get(name=name)]
    return list(Mailbox.objects.filter(enabled=True).order_by("name"))
