"""Who hears of a change to the status page, and how.

:func:`publication_enqueue` is called by the services once a change has committed (an
incident's update, an RCA published, maintenance announced, started, completed or
cancelled); the ``status_publish`` task then runs :func:`publication_deliver`, which sends
what that change calls for. Emergency maintenance, when it is announced, goes to the
emergency contacts of every organisation whose service accounts run on an affected
component (R28).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from casework.accounts.models import EmergencyContact
from casework.lib.tasks import mail_send
from casework.status.models import Maintenance


def publication_enqueue(kind: str, pk: int) -> None:
    """Deliver the change ``kind`` of row ``pk`` in the background."""
    from casework.status.tasks import status_publish

    status_publish.enqueue(kind, pk)


def publication_deliver(*, kind: str, pk: int) -> str:
    """Send what the change ``kind`` of row ``pk`` calls for; says what it sent."""
    sent = 0
    if kind == "maintenance_announced":
        sent += _emergency_notices(pk)
    return f"{kind} {pk}: {sent} notice(s)"


def _emergency_notices(maintenance_id: int) -> int:
    maintenance = Maintenance.objects.get(pk=maintenance_id)
    if not maintenance.emergency:
        return 0
    addresses = (
        EmergencyContact.objects.filter(
            organization__service_accounts__components__maintenances=maintenance
        )
        .values_list("email", flat=True)
        .distinct()
        .order_by("email")
    )
    names = ", ".join(maintenance.components.values_list("name", flat=True))
    link = settings.CASEWORK_BASE_URL.rstrip("/") + reverse("status:index")
    body = (
        f"Emergency maintenance: {maintenance.title}\n\n"
        f"Affects: {names}\n"
        f"From {maintenance.starts_at.isoformat()} to {maintenance.ends_at.isoformat()} (UTC)\n\n"
        f"{maintenance.message}\n\nService status: {link}\n\n"
        "You receive this as an emergency contact of your organisation (R28)."
    )
    for address in addresses:
        mail_send.enqueue(address, f"[Emergency maintenance] {maintenance.title}", body)
    return len(addresses)
