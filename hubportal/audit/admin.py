from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from hubportal.admin import ReadOnlyAdminMixin

from . import subjects
from .models import AuditEntry


class TraineeFilter(admin.SimpleListFilter):
    """The entries about one trainee (their record, enrolments, attendance, certificates), found by
    what staff type: an email address or an id. The trainee's page links here."""

    title = _("trainee")
    parameter_name = "trainee"
    template = "admin/audit/subject_filter.html"
    placeholder = _("email or id")

    def lookups(self, request, model_admin):
        value = self.value()
        if not value:
            return []
        self.ids = subjects.find("trainee", value)
        named = subjects.names("trainee", self.ids)
        return [(value, "; ".join(named.values()) or _("nobody: “%(text)s”") % {"text": value})]

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        return queryset.filter(trainee_id__in=self.ids) if self.value() else queryset

    def choices(self, changelist):
        # The search box's form keeps the other filters: they are its hidden fields.
        kept = QueryDict(changelist.get_query_string(remove=[self.parameter_name, "p"]).lstrip("?"))
        self.other_parameters = [(name, value) for name, values in kept.lists() for value in values]
        yield from super().choices(changelist)


class SessionFilter(admin.SimpleListFilter):
    """The entries about one course session: its record, timetable, visits, enrolments, attendance,
    certificates and jobs."""

    title = _("session")
    parameter_name = "session"

    def lookups(self, request, model_admin):
        ids = AuditEntry.objects.exclude(session_id=None).order_by().values_list("session_id", flat=True).distinct()
        return sorted(subjects.names("session", list(ids)).items(), key=lambda item: item[1], reverse=True)

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        # From the query string a str; from the admin's facet counts (?_facets) each lookup's own id, an int.
        value = str(value)
        if not value.isdigit():
            raise IncorrectLookupParameters(value)
        return queryset.filter(session_id=int(value))


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit trail, read only, for hub staff (hubportal.access: never coordinators or trainees)."""

    list_display = ["occurred_at", "actor", "action", "target_type", "target_repr"]
    list_filter = [("actor", admin.RelatedOnlyFieldListFilter), TraineeFilter, SessionFilter, "occurred_at", "action",
                   "target_type"]
    list_select_related = ["actor", "target_type"]
    search_fields = ["target_repr", "actor__email", "action"]
    date_hierarchy = "occurred_at"
