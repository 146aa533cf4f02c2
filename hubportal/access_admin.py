"""The admin side of hubportal.access: every list, form choice, object page and action of an admin
that uses this mixin shows and changes only what the signed-in user may."""

from functools import partial

from django.contrib.admin import RelatedOnlyFieldListFilter
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.widgets import AutocompleteMixin
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404

from . import access
from .access import Action


def _scoped(queryset, actor):
    """The queryset, narrowed to what the actor may see when its rows are the policy's business
    (a session's rows, people, logins); reference data (countries, modules) is left whole."""
    label = queryset.model._meta.label_lower
    if label in access.SESSION_PATHS or queryset.model is get_user_model():
        return access.visible(actor, queryset)
    return queryset


def scoped_form(form_class, actor):
    """The form class, whose every choice among rows (a select, a raw id, an autocomplete, a
    custom field of its own) offers only what the actor may see: a posted id of anything else is
    "Select a valid choice"."""

    class ScopedForm(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            for field in self.fields.values():
                if getattr(field, "queryset", None) is not None:
                    field.queryset = _scoped(field.queryset, actor)
                widget = getattr(field.widget, "widget", field.widget)  # inside RelatedFieldWidgetWrapper
                if isinstance(widget, AutocompleteMixin):
                    widget.optgroups = partial(_autocomplete_optgroups, widget, widget.optgroups)

    ScopedForm.__name__ = ScopedForm.__qualname__ = form_class.__name__
    return ScopedForm


def _autocomplete_optgroups(widget, optgroups, name, value, attr=None):
    """Django's autocomplete widget looks the posted ids up again to show them on a form with errors;
    an id its key cannot hold ("abc" for a number, in a hand-made POST) would make that query raise, a
    500 instead of the form's "Select a valid choice". Only the ids the key can hold are looked up."""
    remote = widget.field.remote_field
    key = remote.model._meta.get_field(getattr(remote, "field_name", None) or remote.model._meta.pk.name)
    readable = []
    for one in value:
        try:
            key.to_python(one)
        except ValidationError:
            continue
        readable.append(one)
    return optgroups(name, readable, attr)


def _readable_filters(changelist_class):
    """The admin's list, whose date hierarchy answers a year no date can hold (?occurred_at__year=10**30, or
    9999 and its next year) as any other filter it cannot apply ("?e=1"): Django's own lets the
    OverflowError or ValueError through, a 500."""

    class ReadableFiltersChangeList(changelist_class):
        def get_filters(self, request):
            try:
                return super().get_filters(request)
            except (OverflowError, ValueError) as error:
                raise IncorrectLookupParameters(error) from error

    return ReadableFiltersChangeList


class ScopedChoicesMixin:
    """Forms and inline formsets whose choices go through scoped_form."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        return scoped_form(super().get_form(request, obj, change, **kwargs), request.user)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = scoped_form(formset.form, request.user)
        return formset


class ScopedInlineMixin(ScopedChoicesMixin):
    """An inline lists only the rows the user may see (a trainee's enrolments of their sessions)."""

    def get_queryset(self, request):
        return access.visible(request.user, super().get_queryset(request))


class ScopedAdminMixin(ScopedChoicesMixin):
    """Lists, autocompletes, exports and counts through access.visible; object pages and actions
    through access.can (on top of the role's model permissions); choices as ScopedChoicesMixin.

    An object the user may not see is absent from the admin's queryset: its pages answer 404.
    """

    def get_queryset(self, request):
        return access.visible(request.user, super().get_queryset(request))

    def get_changelist(self, request, **kwargs):
        return _readable_filters(super().get_changelist(request, **kwargs))

    def get_autocomplete_fields(self, request):
        # An autocomplete asks the related model's admin, which the user may not open (a coordinator
        # and the countries table): a plain choice among the rows offered instead.
        return [name for name in super().get_autocomplete_fields(request)
                if access.can(request.user, Action.VIEW, self.model._meta.get_field(name).remote_field.model)]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # Which login a record is linked to is for those who manage accounts.
        user_model = get_user_model()
        if not access.can(request.user, Action.CHANGE, user_model):
            fields += [field.name for field in self.model._meta.concrete_fields
                       if field.is_relation and field.related_model is user_model and field.editable
                       and field.name not in fields]
        return fields

    def get_object(self, request, object_id, from_field=None):
        # An empty ?_to_field= (a hand-made address) names no field: Django's admin would look up a
        # field called "" and answer 500. The object's key, as without the parameter.
        return super().get_object(request, object_id, from_field or None)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django's admin redirects with "doesn't exist. Perhaps it was deleted?"; the same 404 for an
        # object that is not there and one the user may not see reveals neither.
        raise Http404

    def delete_view(self, request, object_id, extra_context=None):
        # Django asks for the delete permission before it looks the object up: a 403 would tell a
        # coordinator that another session's trainee exists.
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404
        return super().history_view(request, object_id, extra_context)

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


class ScopedRelatedOnlyFilter(RelatedOnlyFieldListFilter):
    """Filter choices among the related rows of the listed ones that the user may see: a
    coordinator's trainees also enrolled in another session do not name it."""

    def field_choices(self, field, request, model_admin):
        listed = model_admin.get_queryset(request).distinct().values_list(f"{self.field_path}__pk", flat=True)
        visible = _scoped(field.related_model._default_manager.all(), request.user).values("pk")
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(include_blank=False, ordering=ordering,
                                 limit_choices_to=Q(pk__in=listed) & Q(pk__in=visible))
