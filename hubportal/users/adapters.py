from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError
from django.utils.html import strip_tags

from hubportal.clientaddress import client_address
from hubportal.outbox.services import email_queue

from . import lockout


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by hub staff for nominated trainees; the public cannot sign up.

    allauth's emails (password reset, ...) are rendered in the request and sent by the outbox's
    worker, so that a slow or failing mail server neither holds up nor breaks the page.
    """

    def is_open_for_signup(self, request):
        return False

    def get_client_ip(self, request) -> str:
        # Every limit allauth keeps (sign-in, password reset, ...) counts by the address the trusted
        # proxies report, never by a header the client wrote.
        return client_address(request)

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # allauth's per-account count, made per account and address (see hubportal.users.lockout).
        # allauth uses this key both to count failed sign-ins and to clear them after a password reset.
        return lockout.attempts_key(request, credentials.get("email", credentials.get("username", "")))

    def pre_authenticate(self, request, **credentials) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            key = self._get_login_attempts_cache_key(request, **credentials)
            raise ValidationError(lockout.lockout_message(lockout.retry_at(request, key)),
                                  code="too_many_login_attempts") from None

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # The context DefaultAccountAdapter.send_mail gives its templates (allauth 65).
        request = allauth_context.request
        message = self.render_mail(template_prefix, email, {
            "request": request, "email": email, "current_site": get_current_site(request), **context})
        if message.content_subtype == "html":  # the project gave allauth an HTML template only
            body, html = strip_tags(message.body), message.body
        else:
            body = message.body
            html = next((content for content, mimetype in getattr(message, "alternatives", [])
                         if mimetype == "text/html"), "")
        email_queue(to=message.to, subject=message.subject, body=body, html_body=html, from_email=message.from_email)
