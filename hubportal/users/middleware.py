"""What a privileged account (hub staff, coordinators, superusers: access.is_privileged) must go
through on every request: a second factor set up, and a session that ends when left idle."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _, ngettext

from hubportal import access

# When the session was last seen, as time.time().
LAST_SEEN = "hub_last_seen"
# The session's expiry is moved on at most this often, so that a busy session is not saved on every
# request; it may then end up to this much before its idle time is up.
REFRESH_SECONDS = 60

# The pages an account without its second factor may still open: those that set one up (and the
# password confirmation they may ask for first), and the way out.
SETUP_PAGES = {
    "mfa_index", "mfa_activate_totp", "mfa_add_webauthn", "mfa_reauthenticate", "mfa_reauthenticate_webauthn",
    "mfa_view_recovery_codes", "mfa_generate_recovery_codes", "mfa_download_recovery_codes",
    "account_reauthenticate", "account_logout", "health", "worker_health", "healthz", "readyz",
}


def session_started(request, user) -> None:
    """Start the idle clock of a new session (at sign-in, user_logged_in). Every session gets one: which
    accounts it binds is the middleware's question, asked of each request's user (asking here would
    cache the account's groups on the user object the sign-in was given)."""
    request.session[LAST_SEEN] = time.time()
    if user.is_staff or user.is_superuser:
        request.session.set_expiry(settings.HUB_STAFF_SESSION_IDLE_SECONDS)


class StaffSessionIdleMiddleware:
    """Signs a privileged account out after HUB_STAFF_SESSION_IDLE_SECONDS without a request.

    The session's own expiry moves on with it (a sliding expiry), so an idle session is also gone from
    the session store; the check here says why on the sign-in page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and access.is_privileged(user):
            idle_limit = settings.HUB_STAFF_SESSION_IDLE_SECONDS
            now = time.time()
            seen = request.session.get(LAST_SEEN)
            if seen is not None and now - seen > idle_limit:
                logout(request)
                minutes = max(1, round(idle_limit / 60))
                messages.info(request, ngettext(
                    "You were signed out after %(minutes)d minute without activity.",
                    "You were signed out after %(minutes)d minutes without activity.", minutes) % {"minutes": minutes})
                return redirect_to_login(request.get_full_path())
            if seen is None or now - seen > REFRESH_SECONDS:
                request.session[LAST_SEEN] = now
                request.session.set_expiry(idle_limit)
        return self.get_response(request)


def _is_setup_page(request) -> bool:
    for prefix in (settings.STATIC_URL, settings.MEDIA_URL):
        if prefix and request.path_info.startswith("/" + prefix.lstrip("/")):
            return True
    try:
        return resolve(request.path_info).url_name in SETUP_PAGES
    except Resolver404:
        return False


class SecondFactorRequiredMiddleware:
    """With HUB_STAFF_MFA = "required", a privileged account without an authenticator (an app's codes
    or a security key) is sent to set one up before any other page, the admin's included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (settings.HUB_STAFF_MFA == "required" and user is not None and access.is_privileged(user)
                and not _is_setup_page(request) and not _has_second_factor(user)):
            messages.warning(request, _("Your account reaches other people's records: set up a second factor, an "
                                        "authenticator app or a security key, before you go on."))
            return redirect("mfa_index")
        return self.get_response(request)


def _has_second_factor(user) -> bool:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import is_mfa_enabled

    return is_mfa_enabled(user, [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN])
