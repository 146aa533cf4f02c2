from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CohortsConfig(AppConfig):
    name = "cohorts"
    verbose_name = _("Course sessions")

    def ready(self):
        from . import privacy  # noqa: F401 - registers enrolments and attendance as personal data
