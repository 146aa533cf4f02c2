from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The hub at a glance, for hub staff and coordinators: it reads from every app, so it sits above them all."""

    name = "dashboard"
    verbose_name = _("Dashboard")
