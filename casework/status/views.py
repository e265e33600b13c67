"""The status pages: the public ``/status/`` and ``/status/incidents/<id>/`` (no login, no
JavaScript) and the per-account ``/portal/status/`` of a signed-in customer contact.

The public board (components, incidents, maintenance, 90 days of bars) is rendered once and
cached under :func:`casework.status.selectors.status_revision` and the day, so any change
shows on the next request on every process while a quiet page costs a few indexed
aggregates; ``CASEWORK_STATUS_CACHE_SECONDS`` bounds how stale today's uptime may get. The
cached part holds nothing of the viewer (no user, no CSRF token): the page around it does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.core.exceptions import BadRequest
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_http_methods

from casework.accounts.models import Organization
from casework.lib.ratelimit import RateDecision, rate_limit_hit
from casework.lib.web import contact_required, request_user
from casework.status.errors import StatusInputError, StatusRefusedError
from casework.status.forms import SubscribeForm
from casework.status.history import History
from casework.status.models import Component, ComponentState, Incident, IncidentUpdate, Subscriber
from casework.status.selectors import (
    ComponentNow,
    components_of_organization,
    incident_get,
    incident_updates_feed,
    incidents_past,
    service_accounts_by_component,
    status_history,
    status_now,
    status_revision,
)
from casework.status.services import (
    subscriber_confirm,
    subscriber_from_token,
    subscriber_subscribe,
    subscriber_unsubscribe,
)
from casework.status.templatetags.status_bars import status_bars

STATE_LABELS = dict(ComponentState.choices)


@dataclass(slots=True)
class BoardRow:
    """One component on the board: its state now, its history and, in the portal, the
    viewer's service accounts on it."""

    now: ComponentNow
    history: History
    bars: SafeString
    accounts: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The state in words."""
        return str(STATE_LABELS[self.now.state])


@dataclass(slots=True)
class BoardGroup:
    """The components of one group, in order (``name`` is empty for ungrouped ones)."""

    name: str
    rows: list[BoardRow]


def _board(
    *, at: datetime, components: QuerySet[Component] | None = None,
    accounts: dict[int, list[str]] | None = None,
) -> tuple[SafeString, list[BoardGroup]]:  # fmt: skip
    """The rendered board of ``components`` (default: all) at ``at``, and its groups."""
    now = status_now(at=at, components=components)
    history = status_history([row.component for row in now.components], at=at)
    bars: dict[int, SafeString] = {}  # components with the same (shared) history, once
    groups: list[BoardGroup] = []
    for row in now.components:
        name = row.component.group.name if row.component.group else ""
        if not groups or groups[-1].name != name:
            groups.append(BoardGroup(name, []))
        mine = (accounts or {}).get(row.component.pk, [])
        own = history[row.component.pk]
        if id(own) not in bars:
            bars[id(own)] = status_bars(own)
        groups[-1].rows.append(BoardRow(row, own, bars[id(own)], mine))
    context = {
        "now": now, "groups": groups, "overall_label": STATE_LABELS[now.overall],
        "past": incidents_past(at=at, components=components),
        "days": settings.CASEWORK_STATUS_HISTORY_DAYS, "zone": settings.CASEWORK_STATUS_TIMEZONE,
    }  # fmt: skip
    return mark_safe(render_to_string("status/board.html", context)), groups  # noqa: S308


def public_board(*, at: datetime) -> SafeString:
    """The public board, from the cache while nothing has changed since it was rendered."""
    seconds = settings.CASEWORK_STATUS_CACHE_SECONDS
    if seconds <= 0:
        return _board(at=at)[0]
    today = at.astimezone(ZoneInfo(settings.CASEWORK_STATUS_TIMEZONE)).date()
    revision = repr((status_revision(), today.isoformat())).encode()
    key = "status:board:" + hashlib.sha256(revision).hexdigest()
    cached: str | None = cache.get(key)
    if cached is not None:
        return mark_safe(cached)  # noqa: S308
    board = _board(at=at)[0]
    cache.set(key, str(board), seconds)
    return board


@require_GET
@gzip_page
def status_index(request: HttpRequest) -> HttpResponse:
    """The overall state, each component with its 90-day bars and uptime, the open incidents
    with their latest update, the maintenance announced and the recent past incidents
    (compressed for clients that accept it: 100 components make about 500 KiB of bars)."""
    response = render(request, "status/index.html", {"board": public_board(at=timezone.now())})
    response.headers["Cache-Control"] = f"max-age={max(settings.CASEWORK_STATUS_CACHE_SECONDS, 0)}"
    return response


@require_GET
def status_incident(request: HttpRequest, incident_id: int) -> HttpResponse:
    """One incident with its whole timeline, newest update first."""
    try:
        incident = incident_get(incident_id)
    except Incident.DoesNotExist:
        raise Http404("no such incident") from None
    updates = list(incident.updates.all())[::-1]
    return render(request, "status/incident.html", {"incident": incident, "updates": updates})


@require_GET
@gzip_page
@contact_required
def portal_status(request: HttpRequest) -> HttpResponse:
    """The status of the components the contact's organisation's service accounts run on:
    their state, incidents, maintenance and history, each with the accounts on it."""
    organization: Organization = request_user(request).contact.organization
    board, groups = _board(
        at=timezone.now(), components=components_of_organization(organization),
        accounts=service_accounts_by_component(organization),
    )  # fmt: skip
    context = {"board": board, "groups": groups, "organization": organization}
    return render(request, "status/portal/status.html", context)


# -- subscriptions ------------------------------------------------------------------------------


def _subscribe_allowed(request: HttpRequest, email: str) -> RateDecision:
    """One subscription request from this client for this address (each limited an hour)."""
    window, at = timedelta(hours=1), timezone.now()
    limit = settings.CASEWORK_STATUS_SUBSCRIBE_LIMIT
    ip = request.META.get("REMOTE_ADDR", "unknown")
    by_ip = rate_limit_hit(f"status-subscribe:ip:{ip}", limit=limit, window=window, at=at)
    if not by_ip.allowed:
        return by_ip
    key = f"status-subscribe:email:{email.strip().lower()}"
    return rate_limit_hit(key, limit=limit, window=window, at=at)


@require_http_methods(["GET", "POST"])
def status_subscribe(request: HttpRequest) -> HttpResponse:
    """Subscribe an address to updates of some components or groups (none: everything); a
    confirmation link is mailed, and nothing else is until it is followed (double opt-in)."""
    if request.method == "GET":
        return render(request, "status/subscribe.html", {"form": SubscribeForm()})
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        return render(request, "status/subscribe.html", {"form": form}, status=400)
    decision = _subscribe_allowed(request, form.cleaned_data["email"])
    if not decision.allowed:
        minutes = max(1, round(decision.retry_after / 60))
        context = {"form": form, "too_many": minutes}
        response = render(request, "status/subscribe.html", context, status=429)
        response["Retry-After"] = str(decision.retry_after)
        return response
    try:
        subscriber_subscribe(
            email=form.cleaned_data["email"], components=form.cleaned_data["components"],
            groups=form.cleaned_data["groups"], at=timezone.now(),
        )  # fmt: skip
    except StatusInputError as error:
        form.add_error(error.field, error.message)
        return render(request, "status/subscribe.html", {"form": form}, status=400)
    return render(request, "status/subscribe_sent.html", {"email": form.cleaned_data["email"]})


def _subscriber(token: str, purpose: str) -> Subscriber:
    subscriber = subscriber_from_token(token, purpose=purpose)
    if subscriber is None or subscriber.kind != Subscriber.Kind.EMAIL:
        raise Http404("this link does not work: it may have expired")
    return subscriber


@require_http_methods(["GET", "POST"])
def status_subscription_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The confirmation link: GET shows a button (mail scanners fetch links), POST confirms."""
    subscriber = _subscriber(token, "confirm")
    if request.method == "POST":
        try:
            subscriber = subscriber_confirm(subscriber=subscriber, at=timezone.now())
        except StatusRefusedError as error:
            context = {"subscriber": subscriber, "refusal": error.reason}
            return render(request, "status/subscription.html", context, status=409)
    context = {"subscriber": subscriber, "purpose": "confirm"}
    return render(request, "status/subscription.html", context)


@csrf_exempt  # RFC 8058: a mail client's one-click POST carries no CSRF token
@require_http_methods(["GET", "POST"])
def status_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The link in every mail: GET shows a button; POST (the button, or a mail client's
    one-click ``List-Unsubscribe=One-Click``, RFC 8058) unsubscribes. The signed link is the
    credential, so the POST needs no CSRF token; all it can do is unsubscribe."""
    subscriber = _subscriber(token, "unsubscribe")
    if request.method == "POST":
        subscriber = subscriber_unsubscribe(subscriber=subscriber, at=timezone.now())
    context = {"subscriber": subscriber, "purpose": "unsubscribe"}
    return render(request, "status/subscription.html", context)


@dataclass(frozen=True, slots=True)
class FeedScope:
    """What a feed follows: one component, one group, or (both None) everything."""

    component: int | None
    group: int | None


class StatusFeed(Feed[IncidentUpdate, FeedScope]):
    """``/status/feed.atom``: the latest incident updates, newest first; ``?component=<id>``
    or ``?group=<id>`` for one component or group."""

    feed_type = Atom1Feed
    title = "Service status"
    subtitle = "Incident updates"

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FeedScope:
        return FeedScope(_int(request, "component"), _int(request, "group"))

    def link(self) -> str:
        return reverse("status:index")

    def items(self, obj: FeedScope) -> list[IncidentUpdate]:
        return list(incident_updates_feed(component=obj.component, group=obj.group))

    def item_title(self, item: IncidentUpdate) -> str:
        return f"{item.incident.title}: {item.get_status_display()}"

    def item_description(self, item: IncidentUpdate) -> str:
        return item.message

    def item_link(self, item: IncidentUpdate) -> str:
        return reverse("status:incident", args=[item.incident_id]) + f"#update-{item.pk}"

    def item_pubdate(self, item: IncidentUpdate) -> datetime:
        return item.at

    def item_updateddate(self, item: IncidentUpdate) -> datetime:
        return item.at


def _int(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name)
    if value is None:
        return None
    if not value.isdigit():
        raise BadRequest(f"{name}: a component or group id is a number")
    return int(value)
