from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The trainees' own site: their programme, timetable, attendance, certificates and profile."""

    name = "portal"
    verbose_name = _("Trainee site")
