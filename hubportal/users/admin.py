from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from hubportal.audit.services import audit_record, audit_value

from .forms import UserChangeForm, UserCreationForm
from .models import User

# Never written to the audit log, not even as a hash.
_UNRECORDED = {"password"}


def _account(user: User) -> dict:
    return {"email": user.email, "name": user.name, "is_staff": user.is_staff, "is_superuser": user.is_superuser,
            "is_active": user.is_active, "groups": audit_value(user.groups.all())}


def _comparable(value):
    """A field's value as the form gives it, comparable with the one the form started from: the
    groups as a set of ids, a date and time as the instant it is (whatever its time zone)."""
    if isinstance(value, models.QuerySet | list | tuple | set):
        return {getattr(item, "pk", item) for item in value}
    return value


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin as it is; its writes leave audit entries besides Django's log."""

    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ["email"]
    list_display = ["email", "name", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("name",)}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),
    )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # the groups and permissions are saved by now
        fields = {f.name for f in User._meta.get_fields() if f.concrete} - _UNRECORDED
        if change:
            before, after = form.initial, form.cleaned_data
            changes = {name: [audit_value(before.get(name)), audit_value(after.get(name))]
                       for name in form.changed_data
                       if name in fields and _comparable(before.get(name)) != _comparable(after.get(name))}
            if changes:
                audit_record(actor=request.user, action="user.update", target=form.instance, changes=changes)
        else:
            audit_record(actor=request.user, action="user.create", target=form.instance,
                         values={name: audit_value(value) for name, value in form.cleaned_data.items()
                                 if name in fields})

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_record(actor=request.user, action="user.delete", target=obj, values=_account(obj))
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for user in queryset:
                audit_record(actor=request.user, action="user.delete", target=user, values=_account(user))
            super().delete_queryset(request, queryset)

    def user_change_password(self, request, id, form_url=""):
        if request.method != "POST":
            return super().user_change_password(request, id, form_url)
        with transaction.atomic():
            before = self.get_object(request, unquote(id))
            response = super().user_change_password(request, id, form_url)
            after = User.objects.filter(pk=getattr(before, "pk", None)).first()
            if after is not None and after.password != before.password:
                audit_record(actor=request.user, action="user.password", target=after,
                             usable=after.has_usable_password())
        return response


admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    """A login's second factors, without their secrets (allauth's admin shows and edits them).

    Nobody adds or edits one here: each person sets up their own. Removing one (a lost phone) is
    audited; an account left without a second factor is asked to set one up at its next page.
    """

    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    fields = ["user", "type", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_record(actor=request.user, action="mfa.remove", target=obj.user, type=obj.type)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for authenticator in queryset.select_related("user"):
                audit_record(actor=request.user, action="mfa.remove", target=authenticator.user,
                             type=authenticator.type)
            super().delete_queryset(request, queryset)
