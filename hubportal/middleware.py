"""Middleware of the whole portal."""

import logging
import re
import time
import uuid

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.exceptions import BadRequest
from django.core.signals import request_finished
from django.http import QueryDict
from django.utils import translation

from . import logs

NUL = "\x00"
URLENCODED = "application/x-www-form-urlencoded"


def _holds_nul(query: QueryDict) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in query.lists())


class RejectNulMiddleware:
    """A 400 for any request whose path, query string, urlencoded form or cookies hold a NUL.

    PostgreSQL cannot hold NUL in text, and psycopg refuses a query that carries one with a
    ValueError: every view, admin search or filter that looks a URL part up would answer 500, and so
    would the session lookup of a cookie `sessionid="\\000..."` (Django unquotes octal escapes).
    Refused here, once, rather than in each of them. Multipart bodies are left alone (their files
    may hold anything, and their text fields go through form fields, which refuse NUL themselves).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            NUL in request.path
            or _holds_nul(request.GET)
            or (request.content_type == URLENCODED and _holds_nul(request.POST))
            or any(NUL in key or NUL in value for key, value in request.COOKIES.items())
        ):
            # This runs before LocaleMiddleware; the 400 page speaks the browser's language all the same.
            translation.activate(translation.get_language_from_request(request))
            raise BadRequest("NUL character in the request")
        return self.get_response(request)


# An id a proxy or a load balancer may have given the request (nginx's $request_id, a UUID, AWS's
# "Root=1-..."): taken as it is when it looks like one, so that its lines and the proxy's share it.
# Anything else (too long, spaces, quotes, line breaks) could forge or break log lines: a new id.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:;=+/-]{0,127}", re.ASCII)
REQUEST_ID_HEADER = "X-Request-ID"
access_logger = logging.getLogger("hubportal.requests")


def _forget_request(**_signal_arguments) -> None:
    logs.current_request.set(None)
    logs.forget_context()


class RequestIdMiddleware:
    """Each request's id (X-Request-ID, in the response too) and, once known, its user's, on every
    line logged while it is served (hubportal.logs); then one line for the request (hubportal.requests).

    First of all middleware: a redirect to HTTPS or a 400 of the middleware below carries the id too.
    The context lasts until the response is closed (request_finished), not until this returns: Django
    logs a 4xx or 5xx answer (django.request) after the last middleware has returned it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        request_finished.connect(_forget_request, dispatch_uid="hubportal.middleware.forget_request")

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request.request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        _forget_request()  # what a request that never finished (an exception in a test) left
        logs.bind(request_id=request.request_id)
        logs.current_request.set(request)
        started = time.monotonic()
        response = self.get_response(request)
        match = request.resolver_match
        # The route, not the path: paths hold secrets (calendar feed tokens, invitation keys).
        route = match.route if match else None
        milliseconds = round((time.monotonic() - started) * 1000)
        access_logger.info("%s %s %s in %d ms", request.method, route or "(no route)", response.status_code,
                           milliseconds, extra={"method": request.method, "route": route,
                                                "status_code": response.status_code, "duration_ms": milliseconds})
        response.headers.setdefault(REQUEST_ID_HEADER, request.request_id)
        return response


def _merged(*policies: dict | None) -> dict:
    merged = {}
    for policy in policies:
        for directive, sources in (policy or {}).items():
            merged[directive] = [*merged.get(directive, []), *sources]
    return merged


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware: CONTENT_SECURITY_POLICY for every page, with the sources of
    HUB_CSP_PATH_ADDITIONS added under their path prefixes (the admin's inline styles), and those a
    view adds itself (csp.decorators.csp_update)."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only:
            additions = [sources for prefix, sources in settings.HUB_CSP_PATH_ADDITIONS.items()
                         if request.path_info.startswith(prefix)]
            if additions:
                parts.update = _merged(*additions, parts.update)
        return parts
