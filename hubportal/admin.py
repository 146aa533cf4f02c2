"""Admin pieces every app may use."""


class ReadOnlyAdminMixin:
    """A record nobody edits in the admin (written by a command or a service): listed and shown only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
