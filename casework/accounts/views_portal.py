"""The customer portal's account pages (``/portal/plan/``): the organisation's plan, its
response targets and channels, and the account team. Contacts only (``contact_required``)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from casework.accounts.models import Organization
from casework.accounts.selectors import subscription_terms
from casework.lib.web import contact_required, request_user
from casework.policy.render import PlanView, policy_view

ACCOUNT_TEAM = (
    ("tam", "Technical account manager"),
    ("csm", "Customer success manager"),
    ("executive_sponsor", "Executive sponsor"),
)


def account_team(organization: Organization) -> list[tuple[str, User | None]]:
    """The organisation's account team, role by role (R35, R57, R58); None: not assigned."""
    return [(label, getattr(organization, field)) for field, label in ACCOUNT_TEAM]


def plan_targets(plan: PlanView) -> list[tuple[str, list[tuple[str, str]]]]:
    """The plan's response matrix read priority by priority: [(priority, [(target, text)])],
    leaving out what does not apply (the policy page shows the full table)."""
    return [
        (name, [(row.label, row.cells[index]) for row in plan.matrix if row.cells[index] != "—"])
        for index, name in enumerate(plan.priorities)
    ]


@require_GET
@contact_required
def plan(request: HttpRequest) -> HttpResponse:
    """The organisation's plan in effect now: its description, response matrix and channels
    (the public policy page's own view of it), and the account team."""
    organization: Organization = request_user(request).contact.organization
    terms = subscription_terms(organization.pk, at=timezone.now())
    context: dict[str, object] = {"organization": organization, "team": account_team(organization)}
    if terms is not None:
        view = policy_view(terms.policy)
        chosen = next(p for p in view.plans if p.id == terms.subscription.plan_id)
        context |= {
            "policy": view,
            "plan": chosen,
            "targets": plan_targets(chosen),
            "priorities": view.priorities,
            "subscription": terms.subscription,
        }
    return render(request, "accounts/portal/plan.html", context)
