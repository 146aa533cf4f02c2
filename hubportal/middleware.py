"""Middleware of the whole portal."""

from django.core.exceptions import BadRequest
from django.http import QueryDict
from django.utils import translation

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
