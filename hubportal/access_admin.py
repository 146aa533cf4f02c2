"""The admin side of hubportal.access: every list, form choice, object page and action of an admin
that uses this mixin shows and changes only what the signed-in user may."""

from . import access
from .access import Action


class ScopedAdminMixin:
    """Lists, autocompletes, exports and counts through access.visible; object pages and actions
    through access.can (on top of the role's model permissions); foreign-key and many-to-many
    choices only among the rows the user may see, so that a posted id of anything else is refused.

    An object the user may not see is absent from the admin's queryset: its pages answer 404.
    """

    def get_queryset(self, request):
        return access.visible(request.user, super().get_queryset(request))

    def has_module_permission(self, request):
        return access.can(request.user, Action.VIEW, self.model) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return access.can(request.user, Action.VIEW, obj or self.model) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return access.can(request.user, Action.ADD, self.model) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return (access.can(request.user, Action.CHANGE, obj or self.model)
                and super().has_change_permission(request, obj))

    def has_delete_permission(self, request, obj=None):
        return (access.can(request.user, Action.DELETE, obj or self.model)
                and super().has_delete_permission(request, obj))

    def _scoped_choices(self, db_field, request, kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = db_field.remote_field.model._default_manager.all()
        related = db_field.remote_field.model._meta.label_lower
        if related in access.SESSION_PATHS or related == "users.user":
            kwargs["queryset"] = access.visible(request.user, kwargs["queryset"])
        return kwargs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return super().formfield_for_foreignkey(db_field, request, **self._scoped_choices(db_field, request, kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return super().formfield_for_manytomany(db_field, request, **self._scoped_choices(db_field, request, kwargs))

