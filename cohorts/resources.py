from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field

from hubportal.exports import ScopedExportResource, local_iso

from . import selectors
from .models import AttendanceRecord, Enrolment


class EnrolmentExportResource(ScopedExportResource):
    """Enrolments with their trainee, session and attendance rate; "Email", "Status", "Nominated by"
    and "Nominating body" are the columns the enrolment importer reads back."""

    session = Field(column_name=_("Session"))
    course = Field(column_name=_("Course"))
    email = Field(column_name=_("Email"))
    given_name = Field(column_name=_("Given name"))
    family_name = Field(column_name=_("Family name"))
    country = Field(column_name=_("Country code"))
    status = Field(column_name=_("Status"))
    nominated_by = Field(column_name=_("Nominated by"))
    nominating_body = Field(attribute="nominating_body_name", column_name=_("Nominating body"))
    status_changed_at = Field(column_name=_("Status changed at"))
    attendance_rate = Field(column_name=_("Attendance rate (%)"))

    class Meta:
        model = Enrolment
        fields = (
            "session", "course", "email", "given_name", "family_name", "country", "status", "nominated_by",
            "nominating_body", "status_changed_at", "attendance_rate",
        )
        export_order = fields

    def get_queryset(self):
        return selectors.enrolment_list(actor=self.actor)

    def filter_export(self, queryset, **kwargs):
        queryset = super().filter_export(queryset, **kwargs)
        if "attendance_rate" not in queryset.query.annotations:
            # Not from enrolment_list(): the same rows, with the rate computed by the selector. Its
            # order is kept unless it refers to annotations of its own, which the selector lacks.
            ordering = queryset.query.order_by if not queryset.query.annotations else ()
            queryset = selectors.enrolment_list(actor=self.actor).filter(pk__in=queryset.values("pk"))
            if ordering:
                queryset = queryset.order_by(*ordering)
        return queryset.select_related("trainee__country", "session__course")

    def dehydrate_session(self, enrolment):
        return enrolment.session.code

    def dehydrate_course(self, enrolment):
        return enrolment.session.course.title

    def dehydrate_email(self, enrolment):
        return enrolment.trainee.email

    def dehydrate_given_name(self, enrolment):
        return enrolment.trainee.given_name

    def dehydrate_family_name(self, enrolment):
        return enrolment.trainee.family_name

    def dehydrate_country(self, enrolment):
        return enrolment.trainee.country.code.code

    def dehydrate_status(self, enrolment):
        return enrolment.get_status_display()

    def dehydrate_nominated_by(self, enrolment):
        return enrolment.get_nominated_by_display()

    def dehydrate_status_changed_at(self, enrolment):
        return local_iso(enrolment.status_changed_at)

    def dehydrate_attendance_rate(self, enrolment):
        # A number (a sortable cell in XLSX); empty while nothing is marked, which is not 0 %.
        rate = enrolment.attendance_rate
        return None if rate is None else round(rate, 1)


class AttendanceExportResource(ScopedExportResource):
    """One row per trainee and timetable slot or facility visit.

    "Email", "Date", "Start time", "Slot" and "Attendance" are the attendance importer's columns.
    A slot's row reads back as that slot; a visit's row does not match a slot, so the importer
    reports it instead of marking some other slot of the same day.
    """

    session = Field(column_name=_("Session"))
    email = Field(column_name=_("Email"))
    trainee = Field(column_name=_("Trainee"))
    country = Field(column_name=_("Country code"))
    date = Field(column_name=_("Date"))
    start_time = Field(column_name=_("Start time"))
    occasion = Field(column_name=_("Slot"))
    kind = Field(column_name=_("Kind"))
    status = Field(column_name=_("Attendance"))
    marked_by = Field(column_name=_("Marked by"))
    marked_at = Field(column_name=_("Marked at"))

    class Meta:
        model = AttendanceRecord
        fields = (
            "session", "email", "trainee", "country", "date", "start_time", "occasion", "kind", "status",
            "marked_by", "marked_at",
        )
        export_order = fields

    def get_queryset(self):
        return self.scoped(AttendanceRecord.objects.all()).order_by(
            "enrolment__session__code", "enrolment__trainee__family_name", "enrolment__trainee__given_name",
            "enrolment__trainee__email", "slot__date", "slot__start_time", "visit__starts_at", "pk",
        )

    def filter_export(self, queryset, **kwargs):
        return super().filter_export(queryset, **kwargs).select_related(
            "enrolment__trainee__country", "enrolment__session", "slot", "visit__host", "marked_by"
        )

    def dehydrate_session(self, record):
        return record.enrolment.session.code

    def dehydrate_email(self, record):
        return record.enrolment.trainee.email

    def dehydrate_trainee(self, record):
        return record.enrolment.trainee.full_name

    def dehydrate_country(self, record):
        return record.enrolment.trainee.country.code.code

    def dehydrate_date(self, record):
        if record.slot_id:
            return record.slot.date.isoformat()
        return timezone.localtime(record.visit.starts_at).date().isoformat()

    def dehydrate_start_time(self, record):
        start = record.slot.start_time if record.slot_id else timezone.localtime(record.visit.starts_at).time()
        return start.strftime("%H:%M")

    def dehydrate_occasion(self, record):
        if record.slot_id:
            return record.slot.title
        return f"{record.visit.host.name} – {record.visit.site}"

    def dehydrate_kind(self, record):
        # Fixed words, not translated: a value a program (the importer, a pivot table) may read.
        return "slot" if record.slot_id else "visit"

    def dehydrate_status(self, record):
        return record.get_status_display()

    def dehydrate_marked_by(self, record):
        return record.marked_by.email if record.marked_by_id else ""

    def dehydrate_marked_at(self, record):
        return local_iso(record.marked_at)
