"""The public policy page: ``/policy/<id>/``, rendered from the loaded policy itself."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from casework.policies.models import PolicyVersion
from casework.policies.selectors import policy_get, policy_list_current
from casework.policy.render import policy_view


def policy_page(request: HttpRequest, policy_id: str) -> HttpResponse:
    """The customer-facing policy: definitions, priorities, one response matrix per plan,
    channels, scope and reclassification. ``?version=N`` shows an older version."""
    version = request.GET.get("version")
    if version is not None and not version.isdigit():
        raise Http404("version must be a number")
    try:
        stored = policy_get(policy_id, version=int(version) if version else None)
    except PolicyVersion.DoesNotExist:
        raise Http404(f"no policy {policy_id!r}") from None
    context = {"view": policy_view(stored.policy), "stored": stored.row}
    return render(request, "policies/policy_page.html", context)


def policy_index(request: HttpRequest) -> HttpResponse:
    """Every loaded policy, linking to its page: casework's front page until the portal."""
    return render(request, "policies/policy_index.html", {"policies": policy_list_current()})
