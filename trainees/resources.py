from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field

from hubportal.exports import ScopedExportResource

from .models import Trainee


class TraineeExportResource(ScopedExportResource):
    """Trainees as a sheet, one row each, in the columns the trainee importer reads back.

    "Country code" is the column the importer reads the country from; the English name is
    "Country name", not "Country", because the importer takes both "Country" and "Country code" as
    the country column and would reject a file that has the two.
    """

    email = Field(attribute="email", column_name=_("Email"))
    given_name = Field(attribute="given_name", column_name=_("Given name"))
    family_name = Field(attribute="family_name", column_name=_("Family name"))
    native_name = Field(attribute="native_name", column_name=_("Native name"))
    country = Field(column_name=_("Country code"))
    country_name = Field(column_name=_("Country name"))
    who_region = Field(column_name=_("WHO region"))
    organisation = Field(column_name=_("Organisation"))
    job_title = Field(attribute="job_title", column_name=_("Job title"))
    category = Field(column_name=_("Category"))
    phone = Field(attribute="phone", column_name=_("Phone"))
    has_login = Field(column_name=_("Login"))

    class Meta:
        model = Trainee
        fields = (
            "email", "given_name", "family_name", "native_name", "country", "country_name", "who_region",
            "organisation", "job_title", "category", "phone", "has_login",
        )
        export_order = fields

    def get_queryset(self):
        return self.scoped(Trainee.objects.all())

    def filter_export(self, queryset, **kwargs):
        # The admin hands over its change list's queryset: the joins are added here, whatever it has.
        return super().filter_export(queryset, **kwargs).select_related("country", "organisation")

    def dehydrate_country(self, trainee):
        return trainee.country.code.code

    def dehydrate_country_name(self, trainee):
        return trainee.country.name

    def dehydrate_who_region(self, trainee):
        return trainee.country.who_region

    def dehydrate_organisation(self, trainee):
        return trainee.organisation.name if trainee.organisation else ""

    def dehydrate_category(self, trainee):
        return trainee.get_category_display()

    def dehydrate_has_login(self, trainee):
        return gettext("yes") if trainee.user_id else gettext("no")
