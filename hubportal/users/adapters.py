from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.utils.html import strip_tags

from hubportal.outbox.services import email_queue


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by hub staff for nominated trainees; the public cannot sign up.

    allauth's emails (password reset, ...) are rendered in the request and sent by the outbox's
    worker, so that a slow or failing mail server neither holds up nor breaks the page.
    """

    def is_open_for_signup(self, request):
        return False

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
