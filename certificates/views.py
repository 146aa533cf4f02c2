from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hubportal import access
from hubportal.access import Action
from hubportal.clientaddress import client_network

from .models import Certificate


def _client_address(request) -> str:
    # As the sign-in lock-out counts: behind the trusted proxies, never a header the client wrote.
    return client_network(request)


def _over_rate(request) -> bool:
    """A fixed one-minute window per address, in the cache: enough to stop code guessing at speed."""
    key = f"verify-rate:{_client_address(request)}"
    cache.add(key, 0, timeout=60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=60)
        count = 1
    return count > settings.VERIFY_RATE_PER_MINUTE


@require_GET
@never_cache
def certificate_verify(request, code: str):
    """Public: whether a certificate is valid or revoked, its holder's name, course and dates. Nothing more."""
    if _over_rate(request):
        response = render(request, "certificates/verify_rate_limited.html", status=429)
        response["Retry-After"] = "60"
    else:
        certificate = Certificate.objects.filter(verification_code=code).first()
        status = 200 if certificate else 404
        response = render(request, "certificates/verify.html", {"certificate": certificate}, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@login_required
@never_cache
def certificate_download(request, code: str):
    """The PDF, for whoever the access policy lets see the certificate; a 404 for anyone else, who learns nothing."""
    certificate = get_object_or_404(Certificate.objects.select_related("enrolment__trainee"), verification_code=code)
    # Its holder, hub staff, the coordinator of its session: as the access policy says.
    if not access.can(request.user, Action.VIEW, certificate) or not certificate.pdf:
        raise Http404
    return FileResponse(certificate.pdf.open("rb"), as_attachment=True, filename=f"{certificate.serial}.pdf",
                        content_type="application/pdf")

