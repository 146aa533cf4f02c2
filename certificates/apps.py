from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certificates")

    def ready(self):
        # checks, services (their jobs) and privacy (the certificates as personal data) register themselves
        from . import checks, fontsubset, privacy, services  # noqa: F401

        fontsubset.install()
