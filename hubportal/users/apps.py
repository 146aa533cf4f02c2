from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, using, **kwargs):
    """Keep the role groups' permissions as the code defines them after every migrate.

    post_migrate fires once per app; until the last app's permissions exist roles_sync cannot
    find them all, and waits for the next app's signal.
    """
    from .roles import roles_sync

    try:
        roles_sync()
    except LookupError:
        pass


def _start_idle_clock(sender, request, user, **kwargs):
    """A privileged account's session starts its idle clock at sign-in, whichever way it signs in
    (allauth's form, a test's force_login): bookkeeping of the session, as Django's own last_login is."""
    from .middleware import session_started

    if request is not None and hasattr(request, "session"):
        session_started(request, user)


class UsersConfig(AppConfig):
    name = "hubportal.users"
    label = "users"
    verbose_name = _("Accounts")

    def ready(self):
        post_migrate.connect(_sync_roles, dispatch_uid="hubportal.users.sync_roles")
        user_logged_in.connect(_start_idle_clock, dispatch_uid="hubportal.users.start_idle_clock")
