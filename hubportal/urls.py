from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _

from . import views
from .users import views as account_views

admin.site.site_header = _("Global Training Hub for Biomanufacturing")
admin.site.site_title = _("HubPortal")
admin.site.index_title = _("Programme administration")
# The admin's sign-in is the portal's: one form, one lock-out, the second-factor step.
admin.site.login = account_views.admin_login

urlpatterns = [
    # The probes of compose and orchestrators: /healthz and /healthz/ alike, neither redirected.
    re_path(r"^healthz/?$", views.healthz, name="healthz"),
    re_path(r"^readyz/?$", views.readyz, name="readyz"),
    path("health/", views.health, name="health"),
    path("health/worker/", views.worker_health, name="worker_health"),
    # allauth's email page, where an unverified address cannot become the login.
    path("accounts/email/", account_views.email, name="account_email"),
    path("accounts/", include("allauth.urls")),
    path("", include("portal.urls")),
    path("", include("cohorts.urls")),
    path("", include("dashboard.urls")),
    path("", include("certificates.urls")),
    path("", include("hubportal.jobs.urls")),
    path("admin/", admin.site.urls),
]
