"""Admin pieces every app may use: read-only records, admins that apps above may extend, and
admins whose every write goes through the app's services."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models, transaction
from django.forms import BaseInlineFormSet
from django.urls import path

from .access_admin import ScopedAdminMixin, ScopedInlineMixin


class ReadOnlyAdminMixin(ScopedAdminMixin):
    """A record nobody edits in the admin (written by a command or a service): listed and shown only,
    to those the access policy lets see it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Extension: an app's admin that apps above it add to ----------------------------------------


@dataclass(frozen=True)
class AdminView:
    """A page an extension adds under the model's admin URLs, named "<app>_<model>_<name>".

    `view(model_admin, request, **kwargs)`; the admin site checks that the user is staff.
    """

    route: str
    view: Callable
    name: str


class ExtensibleAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The admin of a model, registered by the model's own app, to which apps above it in the import
    chain add what they own (an inline, an action, a column, a page, an importer) by calling
    `extend()` when their admin module is imported. Nobody unregisters and re-registers a subclass,
    so the class that serves the model's pages is the one in the model's app, and an app's admin
    never imports an app above it.
    """

    # Options an extension appends to, in the order the extensions are imported.
    extensible_lists: frozenset[str] = frozenset(
        {"inlines", "actions", "list_display", "extra_select_related", "extra_views"})
    # Options an extension may set, once (an admin offers them by naming them here).
    extensible_options: frozenset[str] = frozenset()

    # Joins the contributed columns read, on every queryset of this admin.
    extra_select_related: Sequence[str] = ()
    extra_views: Sequence[AdminView] = ()

    @classmethod
    def extend(cls, **additions) -> None:
        """Add to this admin: lists (`inlines`, `actions` as functions, `list_display` entries,
        `extra_select_related`, `extra_views`, or another list the admin names in
        `extensible_lists`) are appended to; options named in `extensible_options` are set.

        Raises TypeError for an option the admin does not open to extensions, and
        ImproperlyConfigured when a second extension sets an option another one set already.
        """
        already_set = cls.__dict__.get("_options_set_by_extensions", frozenset())
        for name, value in additions.items():
            if name in cls.extensible_lists:
                setattr(cls, name, [*getattr(cls, name), *value])
            elif name in cls.extensible_options:
                if name in already_set:
                    raise ImproperlyConfigured(f"{cls.__name__}.{name} is set by another extension already.")
                setattr(cls, name, value)
                already_set = already_set | {name}
            else:
                raise TypeError(f"{cls.__name__} takes no extension “{name}”.")
        cls._options_set_by_extensions = already_set

    def get_queryset(self, request):
        return self.with_extra_select_related(super().get_queryset(request))

    def with_extra_select_related(self, queryset: models.QuerySet) -> models.QuerySet:
        """The queryset joined to what the contributed columns read (for an admin whose
        get_queryset starts from a selector rather than from super())."""
        return queryset.select_related(*self.extra_select_related) if self.extra_select_related else queryset

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        extra = [
            path(page.route, self.admin_site.admin_view(self._bound_view(page.view)), name="%s_%s_" % info + page.name)
            for page in self.extra_views
        ]
        # Before the model's own patterns, which would take "country-report/" for an object's id.
        return [*extra, *super().get_urls()]

    def _bound_view(self, view):
        def bound(request, *args, **kwargs):
            return view(self, request, *args, **kwargs)

        bound.__name__ = getattr(view, "__name__", "view")
        return bound


# --- Audited writes: the admin's saves and deletes call the app's services ------------------------


@dataclass(frozen=True)
class AdminWrites:
    """The services behind an admin's (or an inline's) add, change and delete:

    - `create(*, actor, **fields)` returns the new record;
    - `update(*, actor, <record>=stored record, **changed fields)` returns it;
    - `delete(*, actor, <record>=record)`.

    `record` is the keyword under which update and delete take the record ("trainee"). A write
    left None is one this admin does not make: reaching it is a mistake, not a silent save.
    """

    record: str = ""
    create: Callable | None = None
    update: Callable | None = None
    delete: Callable | None = None

    def _service(self, write: str, model) -> Callable:
        service = getattr(self, write)
        if service is None:
            raise ImproperlyConfigured(f"The admin of {model._meta.label} has no service to {write} it.")
        return service

    def call_create(self, *, actor, model, fields: dict) -> models.Model:
        return self._service("create", model)(actor=actor, **fields)

    def call_update(self, *, actor, instance: models.Model, changes: dict) -> models.Model:
        stored = type(instance)._default_manager.get(pk=instance.pk)
        return self._service("update", type(instance))(actor=actor, **{self.record: stored}, **changes)

    def call_delete(self, *, actor, instance: models.Model) -> None:
        self._service("delete", type(instance))(actor=actor, **{self.record: instance})


def _model_field_names(model) -> set[str]:
    opts = model._meta
    return {f.name for f in opts.concrete_fields if not f.primary_key} | {f.name for f in opts.many_to_many}


def form_fields(form) -> dict:
    """The model's fields (many-to-many included) as the form cleaned them: a new record's values."""
    names = _model_field_names(form._meta.model)
    return {name: value for name, value in form.cleaned_data.items() if name in names}


def form_changes(form) -> dict:
    """The model's fields the user changed on the form, with their new values."""
    names = _model_field_names(form._meta.model)
    return {name: form.cleaned_data[name] for name in form.changed_data if name in names}


def _adopt(instance: models.Model, saved: models.Model) -> None:
    """Make the form's instance the record the service saved: the admin goes on with it (the
    inlines' foreign key, the log entry, the redirect to its page)."""
    if saved is instance:
        return
    for field in instance._meta.concrete_fields:
        setattr(instance, field.attname, getattr(saved, field.attname))
    instance._state.adding, instance._state.db = False, saved._state.db


class AuditedInlineFormSet(BaseInlineFormSet):
    """An inline's rows saved through the inline's AdminWrites, as `actor` (set by the admin)."""

    writes = AdminWrites()  # the inline's, set by AuditedInlineMixin.get_formset
    actor = None

    def clean(self):
        super().clean()
        # Django checks a row's Meta.constraints without the inline's foreign key (the parent may not be
        # saved yet), and the rows against each other only: a row repeating one of the parent's rows
        # that the page does not hold (a hand-made post, a listed-only inline) would reach the service's
        # full_clean(), a 500. With the parent saved, each row's constraints are checked with it.
        if self.instance.pk is None:
            return
        for form in self.forms:
            if form.errors or not form.has_changed() or (self.can_delete and self._should_delete_form(form)):
                continue
            try:
                form.instance.validate_constraints(exclude=form._get_validation_exclusions() - {self.fk.name})
            except ValidationError as error:
                form.add_error(None, error)

    def save_new(self, form, commit=True):
        fields = {**form_fields(form), self.fk.name: self.instance}
        saved = self.writes.call_create(actor=self.actor, model=self.model, fields=fields)
        _adopt(form.instance, saved)
        return form.instance

    def save_existing(self, form, obj, commit=True):
        changes = form_changes(form)
        if changes:
            _adopt(obj, self.writes.call_update(actor=self.actor, instance=obj, changes=changes))
        return obj

    def delete_existing(self, obj, commit=True):
        self.writes.call_delete(actor=self.actor, instance=obj)


class AuditedInlineMixin(ScopedInlineMixin):
    """An inline whose rows are added, changed and deleted through `writes`, listing only the rows
    the user may see."""

    formset = AuditedInlineFormSet
    writes = AdminWrites()

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.writes = self.writes  # a class made for this request by inlineformset_factory
        return formset


class AuditedAdminMixin:
    """An admin whose add, change and delete (one record or a selection) and whose inlines call
    the app's services named in `writes`, so each leaves an audit entry. Many-to-many fields go to
    the services with the other fields; the form never saves them itself."""

    writes = AdminWrites()

    def save_model(self, request, obj, form, change):
        if change:
            changes = form_changes(form)
            if changes:
                _adopt(obj, self.writes.call_update(actor=request.user, instance=obj, changes=changes))
        else:
            _adopt(obj, self.writes.call_create(actor=request.user, model=type(obj), fields=form_fields(form)))

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        if not isinstance(formset, AuditedInlineFormSet):
            raise ImproperlyConfigured(
                f"{type(formset).__name__} would save without a service: give its inline AuditedInlineMixin.")
        formset.actor = request.user
        formset.save()

    def delete_model(self, request, obj):
        self.writes.call_delete(actor=request.user, instance=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():  # all of the selection or none of it
            for obj in queryset:
                self.writes.call_delete(actor=request.user, instance=obj)
