"""Top-level URL map: the health check, the REST API, the two web surfaces (``/console/`` for
staff, ``/portal/`` for customer contacts), signing in, the public policy pages, the admin."""

from django.contrib import admin
from django.urls import include, path

from casework.accounts.views import home
from casework.api.health import healthz
from casework.api.v1 import api
from casework.cases.urls import console_urlpatterns, portal_urlpatterns
from casework.channels.phone.urls import console_urlpatterns as phone_console_urlpatterns
from casework.channels.urls import console_urlpatterns as intake_console_urlpatterns
from casework.policies.urls import console_urlpatterns as policy_console_urlpatterns
from casework.policies.views import policy_index, policy_page
from casework.reports.urls import console_urlpatterns as report_console_urlpatterns
from casework.status.urls import console_urlpatterns as status_console_urlpatterns
from casework.status.urls import portal_urlpatterns as status_portal_urlpatterns

console = (
    [
        *console_urlpatterns,
        *policy_console_urlpatterns,
        *report_console_urlpatterns,
        *intake_console_urlpatterns,
        *phone_console_urlpatterns,
        *status_console_urlpatterns,
    ],
    "console",
)
portal = ([*portal_urlpatterns, *status_portal_urlpatterns], "portal")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("accounts/", include("casework.accounts.urls")),
    path("console/", include(console)),
    path("portal/", include(portal)),
    path("status/", include("casework.status.urls")),
    path("", home, name="home"),
    path("policy/", policy_index, name="policy-index"),
    path("policy/<slug:policy_id>/", policy_page, name="policy-page"),
]
