"""Glue for the web pages: the viewer's time zone, ``now`` in every template, role gates.

``ViewerTimezoneMiddleware`` activates the signed-in person's zone for the request, so Django
renders every datetime in it (a contact: their organisation's zone; staff: their own). The
``page`` context processor adds ``now`` and ``viewer_zone`` for the clock tags.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django_htmx.middleware import HtmxDetails

from casework.accounts.models import Contact, StaffProfile, StaffRole
from casework.accounts.selectors import NoRoleError, user_role
from casework.lib.timefmt import zone_or_utc

# Any response: a page, or a file download (a streaming FileResponse).
View = Callable[..., HttpResponseBase]


class HtmxHttpRequest(HttpRequest):
    """A request as django-htmx's middleware leaves it (for type checking views)."""

    htmx: HtmxDetails


def viewer_zone(user: User | Any) -> ZoneInfo:
    """The zone ``user`` reads times in; UTC for the anonymous and the unknown."""
    if not getattr(user, "is_authenticated", False):
        return ZoneInfo("UTC")
    try:
        return zone_or_utc(user.contact.organization.time_zone)
    except Contact.DoesNotExist:
        pass
    try:
        return zone_or_utc(user.staff_profile.time_zone)
    except StaffProfile.DoesNotExist:
        return ZoneInfo("UTC")


class ViewerTimezoneMiddleware:
    """Render the request's datetimes in the viewer's zone (after AuthenticationMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = viewer_zone(request.user)
        request.viewer_zone = zone  # type: ignore[attr-defined]
        timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


def page(request: HttpRequest) -> dict[str, datetime | ZoneInfo | str]:
    """Context processor: ``now`` (UTC) and ``viewer_zone`` for ``{% load clocks %}``, and
    ``viewer_role`` (``contact``, ``engineer``, ``manager``…; empty when signed out) for the
    navigation."""
    zone = getattr(request, "viewer_zone", None) or viewer_zone(request.user)
    role = ""
    if isinstance(request.user, User):
        try:
            role = user_role(request.user)
        except NoRoleError:
            role = ""
    return {"now": timezone.now(), "viewer_zone": zone, "viewer_role": role}


def is_staff_member(user: User | Any) -> bool:
    """Support staff: a staff profile, or a superuser (who counts as an administrator)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    try:
        user.staff_profile  # noqa: B018  (the lookup is the test)
    except StaffProfile.DoesNotExist:
        return False
    return True


def is_contact(user: User | Any) -> bool:
    """A customer contact (a member of one organisation)."""
    if not getattr(user, "is_authenticated", False):
        return False
    try:
        user.contact  # noqa: B018
    except Contact.DoesNotExist:
        return False
    return True


def _gate(allowed: Callable[[Any], bool]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(request.user):
                # The other side's pages do not exist for this person (as for an outsider).
                raise Http404("not a page of yours")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


staff_required = _gate(is_staff_member)
"""Console views: sign-in needed; anyone but support staff gets a 404."""

contact_required = _gate(is_contact)
"""Portal views: sign-in needed; anyone but a customer contact gets a 404."""

MANAGER_ROLES = frozenset({StaffRole.MANAGER.value, StaffRole.ADMIN.value})


def is_manager(user: User | Any) -> bool:
    """Support staff with the ``manager`` or ``admin`` role (a superuser counts as admin)."""
    return is_staff_member(user) and user_role(user) in MANAGER_ROLES


manager_required = _gate(is_manager)
"""Manager pages of the console (policies, intake): other staff and contacts get a 404."""


def request_user(request: HttpRequest) -> User:
    """The signed-in user of a request a ``*_required`` gate let through."""
    user = request.user
    if not isinstance(user, User):  # only reachable if a view forgot its gate
        raise Http404("sign in first")
    return user
