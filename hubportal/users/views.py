"""Account pages of the portal that change allauth's: the admin's sign-in and the email address page."""

from allauth.account.models import EmailAddress
from allauth.account.views import EmailView, LoginView
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _


class AdminLoginView(LoginView):
    """The admin's sign-in is the portal's: the same form, lock-out and second-factor stage.

    Django's own admin form would sign a staff member in with their password alone, past the
    authenticator they set up, and count its failures apart from the portal's.
    """

    success_url = reverse_lazy("admin:index")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if not (request.user.is_active and request.user.is_staff):
                raise PermissionDenied  # signed in, but not to the admin: no sign-in form would help
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
                target = reverse("admin:index")
            return redirect(target)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not context.get("redirect_field_value"):  # the form posts to the portal's page: into the admin after it
            context["redirect_field_value"] = str(self.success_url)
            context["redirect_field"] = format_html('<input type="hidden" name="{}" value="{}">',
                                                    self.redirect_field_name, context["redirect_field_value"])
        return context


def admin_login(request, extra_context=None):
    """admin.site.login: the admin's login URL, served by AdminLoginView."""
    return AdminLoginView.as_view()(request)


class PortalEmailView(EmailView):
    """allauth's email page, where an address becomes the login (primary) only once it is verified.

    allauth lets an unverified address become primary while the account has no verified one, which is
    every account the hub created: a trainee could make any address their login without owning it.
    """

    def post(self, request, *args, **kwargs):
        if "action_primary" in request.POST and "action_add" not in request.POST:
            address = EmailAddress.objects.filter(user=request.user, email__iexact=request.POST.get("email", "")).first()
            if address is not None and not address.verified:
                messages.error(request, _("Verify %(email)s first: an address becomes your sign-in once you have "
                                          "followed the link we sent to it.") % {"email": address.email})
                return redirect("account_email")
        return super().post(request, *args, **kwargs)


email = PortalEmailView.as_view()
