from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import views

admin.site.site_header = _("Global Training Hub for Biomanufacturing")
admin.site.site_title = _("HubPortal")
admin.site.index_title = _("Programme administration")

urlpatterns = [
    path("health/", views.health, name="health"),
    path("health/worker/", views.worker_health, name="worker_health"),
    path("accounts/", include("allauth.urls")),
    path("", include("certificates.urls")),
    path("", include("hubportal.jobs.urls")),
    path("admin/", admin.site.urls),
]
