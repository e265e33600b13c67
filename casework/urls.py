"""Top-level URL map: the health check, the REST API under /api/v1/ and the Django admin."""

from django.contrib import admin
from django.urls import path

from casework.api.health import healthz
from casework.api.v1 import api
from casework.policies.views import policy_index, policy_page

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("", policy_index, name="home"),
    path("policy/", policy_index, name="policy-index"),
    path("policy/<slug:policy_id>/", policy_page, name="policy-page"),
]
