from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "hubportal.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")

    def ready(self):
        # The import framework's own kind of job (checking and importing a large upload).
        from hubportal import importexport  # noqa: F401
