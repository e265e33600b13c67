"""Reads of raw intake input, for the administrators who look after what could not be
handled by itself."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from casework.channels.models import RawInbound, RawStatus

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
