"""System checks for what certificates print: the portal's address goes into every QR code and email,
and a printed certificate cannot be corrected afterwards; and for how fast they are rendered."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from . import fontsubset

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


@register()
def check_portal_base_url(app_configs=None, **kwargs):
    url = settings.PORTAL_BASE_URL
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        return [Error(
            f"PORTAL_BASE_URL is {url!r}: it must be the portal's public address, such as "
            "https://hub.example.org (http or https, a host name, no query).",
            hint="Certificates print it in their QR code and emails link to it.",
            id="certificates.E001",
        )]
    return []


@register(Tags.security, deploy=True)
def check_portal_base_url_is_public(app_configs=None, **kwargs):
    host = urlsplit(settings.PORTAL_BASE_URL).hostname
    if host in LOCAL_HOSTS:
        return [Warning(
            f"PORTAL_BASE_URL points at this machine ({settings.PORTAL_BASE_URL}): the QR codes of the "
            "certificates rendered now will lead nobody else to the verification page.",
            hint="Set PORTAL_BASE_URL to the address trainees and verifiers reach the portal at.",
            id="certificates.W001",
        )]
    return []


@register()
def check_font_subsetting(app_configs=None, **kwargs):
    if fontsubset.supported():
        return []
    import weasyprint

    return [Warning(
        f"Fonts are subset by WeasyPrint {weasyprint.__version__} itself: certificates/fontsubset.py was "
        f"checked with WeasyPrint {', '.join(v + 'x' for v in fontsubset.SUPPORTED_WEASYPRINT)} and needs "
        "HarfBuzz 6 or later. Certificates come out the same and take about a sixth longer to render.",
        hint="Compare Font._harfbuzz_subset of this WeasyPrint with fontsubset._subset, then add the release "
             "to SUPPORTED_WEASYPRINT (tests/certificates/test_fontsubset.py shows whether the fonts match).",
        id="certificates.W002",
    )]
