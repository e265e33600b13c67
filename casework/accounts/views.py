"""Signing in to the web pages: password, one-time email link, password reset, signing out.

Every way in is rate-limited per username or address and per client IP
(``CASEWORK_SIGNIN_ATTEMPTS``…): past the limit the page answers 429 with ``Retry-After``.
The link and reset pages say the same whether or not an address is known, so they cannot be
used to find out who has an account.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from casework.accounts.forms import LoginLinkForm, QueuedPasswordResetForm
from casework.accounts.services import login_link_create, login_link_use
from casework.lib.ratelimit import RateDecision, rate_limit_hit
from casework.lib.tasks import mail_send
from casework.lib.web import is_contact, is_staff_member
from casework.policies.selectors import policy_list_current


def _signin_allowed(request: HttpRequest, who: str) -> RateDecision:
    """One sign-in attempt for ``who`` (a username or address) from this client."""
    window = timedelta(seconds=settings.CASEWORK_SIGNIN_WINDOW_SECONDS)
    at = timezone.now()
    ip = request.META.get("REMOTE_ADDR", "unknown")
    by_ip = rate_limit_hit(
        f"signin:ip:{ip}", limit=settings.CASEWORK_SIGNIN_ATTEMPTS_PER_IP, window=window, at=at
    )
    if not by_ip.allowed:
        return by_ip
    return rate_limit_hit(
        f"signin:who:{who.strip().lower()}",
        limit=settings.CASEWORK_SIGNIN_ATTEMPTS,
        window=window,
        at=at,
    )


def _too_many(request: HttpRequest, decision: RateDecision) -> HttpResponse:
    minutes = max(1, round(decision.retry_after / 60))
    response = render(request, "accounts/too_many.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(decision.retry_after)
    return response


def _next_url(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Sign in with a username or email address and a password."""
    form = AuthenticationForm(request, data=request.POST or None)
    if request.method == "POST":
        decision = _signin_allowed(request, request.POST.get("username", ""))
        if not decision.allowed:
            return _too_many(request, decision)
        if form.is_valid():
            auth_login(request, form.get_user())  # a new session key (no fixation)
            return redirect(_next_url(request) or "home")
    context = {"form": form, "next": _next_url(request) or ""}
    return render(request, "accounts/login.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def login_link_request(request: HttpRequest) -> HttpResponse:
    """Mail a one-time sign-in link to a contact's address."""
    form = LoginLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        decision = _signin_allowed(request, email)
        if not decision.allowed:
            return _too_many(request, decision)
        _login_link_mail(request, email)
        return render(request, "accounts/login_link_sent.html", {"email": email})
    status = 400 if form.errors else 200
    return render(request, "accounts/login_link.html", {"form": form}, status=status)


def _login_link_mail(request: HttpRequest, email: str) -> None:
    users = list(User.objects.filter(email__iexact=email, is_active=True)[:2])
    if len(users) != 1 or not is_contact(users[0]):
        return  # staff sign in with their password; unknown addresses get nothing
    token = login_link_create(user=users[0], at=timezone.now())
    url = request.build_absolute_uri(reverse("login-link-use", args=[token]))
    minutes = settings.CASEWORK_LOGIN_LINK_SECONDS // 60
    body = (
        f"Hello {users[0].get_full_name() or users[0].username},\n\n"
        f"Open this link to sign in to the support portal:\n\n{url}\n\n"
        f"It works once, for {minutes} minutes. If you did not ask for it, ignore this mail.\n"
    )
    mail_send.enqueue(email, "Your sign-in link", body)


@require_http_methods(["GET", "POST"])
def login_link_use_view(request: HttpRequest, token: str) -> HttpResponse:
    """A mailed link: GET shows a button, POST signs in. Mail scanners that fetch links
    therefore cannot use the link up before its owner clicks it."""
    if request.method == "GET":
        return render(request, "accounts/login_link_use.html", {"token": token})
    decision = _signin_allowed(request, f"link:{token[:12]}")
    if not decision.allowed:
        return _too_many(request, decision)
    user = login_link_use(token, at=timezone.now())
    if user is None:
        return render(request, "accounts/login_link_use.html", {"invalid": True}, status=400)
    auth_login(request, user, backend="casework.accounts.auth.UsernameOrEmailBackend")
    return redirect("home")


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, rate-limited, its mail queued."""

    form_class = QueuedPasswordResetForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("password-reset-done")
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        """Count the attempt before Django handles it."""
        decision = _signin_allowed(request, request.POST.get("email", ""))
        if not decision.allowed:
            return _too_many(request, decision)
        return super().post(request, *args, **kwargs)


def home(request: HttpRequest) -> HttpResponse:
    """Where a signed-in person works: staff the console, contacts the portal; anyone else
    sees the published policies and a way to sign in."""
    if is_staff_member(request.user):
        return redirect("console:queue")
    if is_contact(request.user):
        return redirect("portal:cases")
    return render(request, "policies/policy_index.html", {"policies": policy_list_current()})
