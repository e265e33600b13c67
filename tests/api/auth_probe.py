"""A throwaway API used only by test_auth.py: one operation behind BearerTokenAuth."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.urls import path

from casework.accounts.selectors import user_role
from casework.api.auth import BearerTokenAuth
from casework.api.errors import CaseworkAPI

api = CaseworkAPI(urls_namespace="auth-probe")


@api.get("/whoami", auth=BearerTokenAuth())
def whoami(request: HttpRequest) -> dict[str, str]:
    user = request.auth  # type: ignore[attr-defined]  # set by django-ninja's auth
    assert isinstance(user, User)
    return {"username": user.username, "role": user_role(user)}


urlpatterns = [path("api/", api.urls)]
