"""Reads of the phone channel for the console's review page (R47)."""

from __future__ import annotations

from django.db.models import QuerySet

from casework.channels.models import BillableReview, PhoneCall

RECENT_REVIEWS = 25


def _calls() -> QuerySet[PhoneCall]:
    return PhoneCall.objects.select_related("case__organization", "reviewed_by")


def billable_calls_pending() -> list[PhoneCall]:
    """Billable calls waiting for a manager, oldest first (R47)."""
    return list(_calls().filter(review=BillableReview.PENDING).order_by("started_at", "pk"))


def billable_calls_reviewed() -> list[PhoneCall]:
    """The latest reviewed billable calls, newest decision first."""
    reviewed = _calls().filter(review__in=(BillableReview.APPROVED, BillableReview.WAIVED))
    return list(reviewed.order_by("-reviewed_at", "-pk")[:RECENT_REVIEWS])


def billable_call_get(pk: int) -> PhoneCall | None:
    """One recorded call by id, or None."""
    return _calls().filter(pk=pk).first()
