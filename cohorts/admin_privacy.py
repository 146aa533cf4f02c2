"""The trainee list's filter by retention: those whose personal data is past the retention period
(cohorts.privacy.trainees_past_retention), whom staff review and anonymise with the list's action,
and those anonymised already."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .privacy import retention_label, trainees_past_retention


class TraineeRetentionFilter(admin.SimpleListFilter):
    title = _("retention")
    parameter_name = "retention"

    def lookups(self, request, model_admin):
        return [("past", retention_label()), ("anonymised", _("Anonymised"))]

    def queryset(self, request, queryset):
        if self.value() == "past":
            return queryset.filter(pk__in=trainees_past_retention(actor=request.user).values("pk"))
        if self.value() == "anonymised":
            return queryset.filter(anonymised_at__isnull=False)
        return queryset
