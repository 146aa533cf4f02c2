from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from hubportal import access
from hubportal.access_admin import ScopedRelatedOnlyFilter
from hubportal.admin import AdminView, AdminWrites, AuditedAdminMixin, ExtensibleAdmin, ReadOnlyAdminMixin
from hubportal.importexport import HubImportExportMixin, ImporterResource

from . import services
from .admin_invitations import invite_action
from .admin_privacy import anonymise, personal_data_view
from .imports import TRAINEE_COLUMNS, trainees_import
from .models import Country, IncomeClassification, Organisation, Trainee
from .reference import english_name
from .resources import TraineeExportResource


class CountryForm(forms.ModelForm):
    class Meta:
        model = Country
        fields = ["code", "alpha3", "name", "who_membership", "who_region", "income_group", "is_host"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False
        self.fields["name"].help_text = _("Left empty, the ISO 3166 English short name is used.")
        self.fields["alpha3"].required = False
        self.fields["alpha3"].help_text = _("Left empty, the ISO 3166 alpha-3 code of the country is used.")

    def clean(self):
        cleaned = super().clean()
        code = cleaned.get("code")
        if not cleaned.get("name") and code:
            cleaned["name"] = english_name(code)
            self.instance.name = cleaned["name"]
        if not cleaned.get("alpha3") and code:
            cleaned["alpha3"] = countries.alpha3(code)
            self.instance.alpha3 = cleaned["alpha3"]
        if cleaned.get("who_membership") and not cleaned.get("who_region"):
            self.add_error("who_region", _("A WHO member belongs to a WHO region."))
        return cleaned


@admin.register(Country)
class CountryAdmin(AuditedAdminMixin, ExtensibleAdmin):
    writes = AdminWrites("country", create=services.country_create, update=services.country_update,
                         delete=services.country_delete)
    form = CountryForm
    list_display = ["name", "code", "alpha3", "who_membership", "who_region", "income_group", "is_host",
                    "trainee_count"]
    list_filter = ["who_membership", "who_region", "income_group", "is_host"]
    search_fields = ["name", "code", "alpha3"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_trainee_count=Count("trainees"))

    @admin.display(description=_("trainees"), ordering="_trainee_count")
    def trainee_count(self, obj):
        return obj._trainee_count


@admin.register(IncomeClassification)
class IncomeClassificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Written by `manage.py update_countries`; the latest fiscal year is the one in force."""

    list_display = ["fiscal_year", "applied_at", "source"]


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdminMixin, ExtensibleAdmin):
    writes = AdminWrites("organisation", create=services.organisation_create, update=services.organisation_update,
                         delete=services.organisation_delete)
    list_display = ["name", "country", "kind", "trainee_count"]
    # Only the countries that have organisations: every ISO country exists.
    list_filter = ["kind", "country__who_region", ("country", ScopedRelatedOnlyFilter)]
    list_select_related = ["country"]
    search_fields = ["name", "country__name"]
    autocomplete_fields = ["country"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_trainee_count=Count("trainees"))

    @admin.display(description=_("trainees"), ordering="_trainee_count")
    def trainee_count(self, obj):
        return obj._trainee_count


class TraineeImporter(ImporterResource):
    display_name = _("Trainees")
    importer = staticmethod(trainees_import)
    columns = TRAINEE_COLUMNS


@admin.register(Trainee)
class TraineeAdmin(HubImportExportMixin, AuditedAdminMixin, ExtensibleAdmin):
    """Trainees, imported from a file and exported. cohorts extends it with the trainee's sessions
    and an import that can also nominate everyone for a session."""

    writes = AdminWrites("trainee", create=services.trainee_create, update=services.trainee_update,
                         delete=services.trainee_delete)
    import_resource = TraineeImporter
    export_resource = TraineeExportResource
    extensible_options = frozenset({"import_resource", "import_form_class"})
    extensible_lists = ExtensibleAdmin.extensible_lists | {"list_filter"}
    list_display = [
        "family_name", "given_name", "native_name", "email", "country", "organisation", "category", "has_login",
    ]
    list_display_links = ["family_name", "given_name"]
    # cohorts adds the filters by session and enrolment status.
    list_filter = [
        "country__who_region",
        "category",
        ("country", ScopedRelatedOnlyFilter),  # only the countries trainees come from
    ]
    list_select_related = ["country", "organisation"]
    search_fields = ["family_name", "given_name", "native_name", "email", "organisation__name", "country__name"]
    autocomplete_fields = ["country", "organisation", "user"]
    list_per_page = 50
    fieldsets = [
        (_("Name"), {"fields": [("given_name", "family_name"), "native_name"]}),
        (_("Contact"), {"fields": ["email", "phone"]}),
        (_("Where from"), {"fields": ["country", "organisation", "job_title", "category"]}),
        (_("Own profile"), {"fields": ["preferred_name", "time_zone", "language", "dietary_needs",
                                        "accessibility_needs", "emergency_contact"],
                             "description": _("What the trainee corrects themselves on their profile page.")}),
        (_("Portal"), {"fields": ["user"]}),
        (_("Record"), {"fields": [("created_at", "updated_at", "anonymised_at")], "classes": ["collapse"]}),
    ]
    readonly_fields = ["created_at", "updated_at", "anonymised_at"]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.is_anonymised:  # nothing to fill in again
            return [*fields, *(f.name for f in self.model._meta.fields if f.editable and f.name not in fields)]
        return fields
    # The personal data file (a button on the trainee's page) and the anonymisation: admin_privacy.py.
    actions = [anonymise, invite_action(lambda trainees: trainees),
               invite_action(lambda trainees: trainees, resend=True)]
    extra_views = [AdminView("<path:object_id>/personal-data/", personal_data_view, "personal_data")]

    def has_anonymise_permission(self, request):
        return access.can(request.user, access.Action.ANONYMISE, self.model)

    @admin.display(description=_("login"), boolean=True, ordering="user")
    def has_login(self, obj):
        return obj.user_id is not None
