from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self):
        from . import services  # noqa: F401 - the report jobs register themselves with hubportal.jobs
