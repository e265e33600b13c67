"""Demo data for `casework demo`: two customer organisations, one per source policy, a login
for each persona (an engineer, a manager and a customer contact) and a few open cases whose
clocks are running, so every page and the API have something to show."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from casework.accounts.models import ContactRole, Organization
from casework.accounts.services import organization_create, user_create
from casework.cases.models import Case
from casework.cases.services import CaseDraft, case_message_add, case_open
from casework.policies.models import PolicyVersion


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """A username, its fresh password and who the persona is."""

    username: str
    password: str
    role: str


# name, policy, plan, time zone
_ORGANIZATIONS = (
    ("Acme Contact Centre", "liveops", "support-plus", "America/Los_Angeles"),
    ("Initech", "liveperson", "standard", "Europe/London"),
)
# username, persona, role, tier, the contact's organisation
_PERSONAS = (
    ("agent", "support engineer (Level 1)", "engineer", "L1", None),
    ("manager", "support manager", "manager", None, None),
    ("contact", "customer contact at Acme Contact Centre", "contact", None, "Acme Contact Centre"),
    ("initech", "customer contact at Initech (its plan has chat)", "contact", None, "Initech"),
)
# subject, environment, priority
_CASES = (
    ("Inbound calls fail for every agent", "production", "P1"),
    ("Call recordings arrive hours late", "production", "P2"),
    ("How do I add a skill to a campaign?", "staging", None),
)
# Initech's cases (LivePerson's policy; its contact chats, R1): subject, environment,
# priority, hours since opening. The older one has had no answer, so the queue shows a
# breached clock too.
_INITECH_CASES = (
    ("Chat widget does not load on the checkout page", "production", "sev2", 30),
    ("Reporting export misses yesterday's conversations", "production", "sev3", 1),
)
# The agent reads times in this zone in the console (StaffProfile.time_zone).
_AGENT_ZONE = "Europe/London"


def _organizations() -> dict[str, Organization]:
    loaded = set(PolicyVersion.objects.values_list("policy_id", flat=True))
    found = {}
    for name, policy_id, plan_id, zone in _ORGANIZATIONS:
        organization = Organization.objects.filter(name=name).first()
        if organization is None and policy_id in loaded:
            organization = organization_create(
                name=name,
                policy_id=policy_id,
                plan_id=plan_id,
                time_zone=zone,
                effective_from=timezone.now() - timedelta(days=30),
            )
        if organization is not None:
            found[name] = organization
    return found


def _user(username: str, role: str, tier: str | None, organization: Organization | None) -> User:
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    return user_create(
        username=username,
        email=f"{username}@demo.casework.test",
        role=role,
        organization=organization,
        tier=tier,
        contact_role=ContactRole.ADMINISTRATOR,
    )


def _initech_cases(initech: Organization) -> None:
    if Case.objects.filter(organization=initech).exists():
        return
    now = timezone.now()
    for subject, environment, priority, hours in _INITECH_CASES:
        draft = CaseDraft(
            organization=initech, subject=subject, environment=environment, priority=priority,
            description="Opened by the demo data.", channel="email",
        )  # fmt: skip
        case_open(draft=draft, requester=None, at=now - timedelta(hours=hours))


def _cases(acme: Organization, contact: User, agent: User) -> None:
    if Case.objects.filter(organization=acme).exists():
        return
    now = timezone.now()
    for index, (subject, environment, priority) in enumerate(_CASES):
        opened = now - timedelta(hours=3 - index)
        draft = CaseDraft(
            organization=acme, subject=subject, environment=environment, priority=priority,
            description="Opened by the demo data.",
        )  # fmt: skip
        case = case_open(draft=draft, requester=contact, at=opened)
        if index == 1:
            case_message_add(
                case=case, author=agent, body="We are looking into it.", public=True,
                from_support=True, at=opened + timedelta(minutes=20),
                eta=now + timedelta(hours=2),
            )  # fmt: skip


@transaction.atomic
def demo_logins_create() -> list[DemoLogin]:
    """Create the demo organisations, users and cases (once), reset the users' passwords and
    return the logins. Passwords are random and new on every call, so a demo database never
    keeps a guessable password. Organisations need their policy pack loaded first."""
    organizations = _organizations()
    acme = organizations.get("Acme Contact Centre")
    users = {}
    logins = []
    for username, persona, role, tier, organization_name in _PERSONAS:
        organization = organizations.get(organization_name) if organization_name else None
        if role == "contact" and organization is None:
            continue  # its policy pack is not loaded: no organisation for the contact
        user = users[username] = _user(username, role, tier, organization)
        if username == "agent":
            user.staff_profile.time_zone = _AGENT_ZONE
            user.staff_profile.save(update_fields=["time_zone"])
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.save(update_fields=["password"])
        logins.append(DemoLogin(username=username, password=password, role=persona))
    if acme is not None:
        _cases(acme, users["contact"], users["agent"])
    if "Initech" in organizations:
        _initech_cases(organizations["Initech"])
    return logins
