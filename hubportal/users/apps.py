from django.apps import AppConfig
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


class UsersConfig(AppConfig):
    name = "hubportal.users"
    label = "users"
    verbose_name = _("Accounts")

    def ready(self):
        post_migrate.connect(_sync_roles, dispatch_uid="hubportal.users.sync_roles")
