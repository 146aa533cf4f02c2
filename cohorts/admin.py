from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hubportal import access
from hubportal.access_admin import ScopedRelatedOnlyFilter
from hubportal.admin import (
    AdminWrites,
    AuditedAdminMixin,
    AuditedInlineFormSet,
    AuditedInlineMixin,
    ExtensibleAdmin,
)
from hubportal.importexport import HubImportExportMixin, ImporterResource, OptionalSessionImportForm, SessionImportForm
from trainees.admin import TraineeAdmin
from trainees.admin_invitations import invite_action
from trainees.imports import TRAINEE_COLUMNS
from trainees.models import Trainee

from . import imports, selectors, services
from .admin_privacy import TraineeRetentionFilter
from .models import (
    SEAT_HOLDING_STATUSES,
    Announcement,
    AttendanceRecord,
    CourseSession,
    Enrolment,
    EnrolmentStatus,
    EnrolmentStatusChange,
    ExcuseRequest,
    ExcuseStatus,
    FacilityVisit,
    SessionStatus,
    TimetableSlot,
)
from .resources import AttendanceExportResource, EnrolmentExportResource


def _errors_text(error: ValidationError) -> str:
    return " ".join(error.messages)


class ListedOnlyInline(AuditedInlineMixin, admin.TabularInline):
    """Rows shown for reference: they are added and changed elsewhere, through the services."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


# --- Sessions ---------------------------------------------------------------------------------


SLOT_WRITES = AdminWrites("slot", create=services.timetable_slot_create, update=services.timetable_slot_update,
                          delete=services.timetable_slot_delete)
ENROLMENT_WRITES = AdminWrites("enrolment", create=services.trainee_enroll, update=services.enrolment_update)


class TimetableSlotInline(AuditedInlineMixin, admin.TabularInline):
    model = TimetableSlot
    writes = SLOT_WRITES
    fields = ["date", "start_time", "end_time", "module", "title", "room", "faculty"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("module", "faculty")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        fields = formset.form.base_fields
        if obj is not None:
            fields["module"].queryset = fields["module"].queryset.filter(course_id=obj.course_id)
        # Read the choices once for the page: each row's select would otherwise query them again.
        for name in ("module", "faculty"):
            fields[name].choices = list(fields[name].choices)
        return formset


class EnrolmentInline(ListedOnlyInline):
    """The cohort as it stands. Statuses change through the enrolment list's actions, which keep
    the path and the capacity; here only the nominating body can be corrected."""

    model = Enrolment
    writes = ENROLMENT_WRITES
    fields = ["trainee", "trainee_country", "status", "nominated_by", "nominating_body_name", "status_changed_at"]
    readonly_fields = ["trainee", "trainee_country", "status", "status_changed_at"]
    show_change_link = True
    verbose_name_plural = _("enrolments")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("trainee__country", "session")

    @admin.display(description=_("country"))
    def trainee_country(self, obj):
        return obj.trainee.country


class NominationFormSet(AuditedInlineFormSet):
    def clean(self):
        super().clean()
        wanted = [f for f in self.forms if f.cleaned_data.get("trainee") and not f.cleaned_data.get("DELETE")]
        if wanted and self.instance.pk:
            services.session_check_takes_nominations(self.instance)
        already = set(
            Enrolment.objects.filter(
                session=self.instance, trainee__in=[f.cleaned_data["trainee"] for f in wanted]
            ).values_list("trainee_id", flat=True)
        ) if self.instance.pk else set()
        seen = set()
        for form in wanted:
            trainee = form.cleaned_data["trainee"]
            if trainee.pk in already:
                form.add_error("trainee", _("%(trainee)s is already enrolled in this session.") % {"trainee": trainee})
            elif trainee.pk in seen:
                form.add_error("trainee", _("%(trainee)s is nominated twice here.") % {"trainee": trainee})
            seen.add(trainee.pk)


class NominationInline(AuditedInlineMixin, admin.TabularInline):
    """Rows to nominate more trainees; each is saved through trainee_enroll."""

    model = Enrolment
    formset = NominationFormSet
    writes = ENROLMENT_WRITES
    fields = ["trainee", "nominated_by", "nominating_body_name"]
    autocomplete_fields = ["trainee"]
    extra = 1
    can_delete = False
    verbose_name = _("nomination")
    verbose_name_plural = _("nominate trainees")

    def get_queryset(self, request):
        return super().get_queryset(request).none()


@admin.register(CourseSession)
class CourseSessionAdmin(AuditedAdminMixin, ExtensibleAdmin):
    writes = AdminWrites("session", create=services.session_create, update=services.session_update,
                         delete=services.session_delete)
    list_display = [
        "code", "course", "dates", "status", "enrolled", "seats", "completion_threshold",
    ]
    list_filter = ["status", "course__kind", "course"]
    list_select_related = ["course"]
    search_fields = ["code", "course__title", "venue"]
    autocomplete_fields = ["course"]
    date_hierarchy = "start_date"
    inlines = [TimetableSlotInline, EnrolmentInline, NominationInline]
    actions = ["open_for_nominations", "start_running", "close_sessions"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _enrolled=Count("enrolments", distinct=True),
                _seats=Count("enrolments", filter=Q(enrolments__status__in=SEAT_HOLDING_STATUSES), distinct=True),
            )
        )

    def get_readonly_fields(self, request, obj=None):
        # Status moves by the actions, which check the path and audit the change.
        return ["status"] if obj else []

    @admin.display(description=_("dates"), ordering="start_date")
    def dates(self, obj):
        return obj.dates

    @admin.display(description=_("enrolled"), ordering="_enrolled")
    def enrolled(self, obj):
        return obj._enrolled

    @admin.display(description=_("confirmed / capacity"))
    def seats(self, obj):
        return f"{obj._seats} / {obj.capacity}"

    def _change_status(self, request, queryset, to_status):
        done = 0
        for session in queryset:
            try:
                services.session_change_status(actor=request.user, session=session, to_status=to_status)
                done += 1
            except ValidationError as error:
                self.message_user(request, _errors_text(error), messages.ERROR)
        if done:
            self.message_user(
                request,
                ngettext("%(count)d session updated.", "%(count)d sessions updated.", done) % {"count": done},
                messages.SUCCESS,
            )

    @admin.action(description=_("Open for nominations"), permissions=["change"])
    def open_for_nominations(self, request, queryset):
        self._change_status(request, queryset, SessionStatus.OPEN)

    @admin.action(description=_("Start (running)"), permissions=["change"])
    def start_running(self, request, queryset):
        self._change_status(request, queryset, SessionStatus.RUNNING)

    @admin.action(description=_("Close"), permissions=["change"])
    def close_sessions(self, request, queryset):
        self._change_status(request, queryset, SessionStatus.CLOSED)


# --- Enrolments -------------------------------------------------------------------------------


class StatusHistoryInline(ListedOnlyInline):
    model = EnrolmentStatusChange
    fields = ["changed_at", "from_status", "to_status", "changed_by", "note"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


class EnrolmentAddForm(forms.ModelForm):
    class Meta:
        model = Enrolment
        fields = ["trainee", "session", "nominated_by", "nominating_body_name"]

    def clean_session(self):
        session = self.cleaned_data["session"]
        services.session_check_takes_nominations(session)
        return session


def _status_action(to_status: str, description):
    def action(modeladmin, request, queryset):
        moved, failures = 0, []
        for enrolment in queryset.select_related("trainee"):
            try:
                services.enrolment_change_status(actor=request.user, enrolment=enrolment, to_status=to_status)
                moved += 1
            except ValidationError as error:
                failures.append(_errors_text(error))
        if moved:
            modeladmin.message_user(
                request,
                ngettext("%(count)d enrolment moved to “%(status)s”.", "%(count)d enrolments moved to “%(status)s”.",
                         moved) % {"count": moved, "status": EnrolmentStatus(to_status).label},
                messages.SUCCESS,
            )
        for failure in failures:
            modeladmin.message_user(request, failure, messages.ERROR)

    action.__name__ = f"move_to_{to_status}"
    return admin.action(description=description, permissions=["change"])(action)


class EnrolmentImporter(ImporterResource):
    display_name = _("Enrolments")
    importer = staticmethod(imports.enrolments_import)
    columns = imports.ENROLMENT_COLUMNS


class AttendanceImporter(ImporterResource):
    display_name = _("Attendance")
    importer = staticmethod(imports.attendance_import)
    columns = imports.ATTENDANCE_COLUMNS


class TraineeImporter(ImporterResource):
    """The trainees import of the trainees app, nominating everyone for a session when one is chosen."""

    display_name = _("Trainees")
    importer = staticmethod(imports.trainees_import_into_session)
    columns = TRAINEE_COLUMNS


@admin.register(Enrolment)
class EnrolmentAdmin(HubImportExportMixin, AuditedAdminMixin, ExtensibleAdmin):
    writes = ENROLMENT_WRITES
    import_resource = EnrolmentImporter
    export_resource = EnrolmentExportResource
    import_form_class = SessionImportForm
    list_display = [
        "trainee", "trainee_country", "session", "status", "nominated_by", "status_changed_at", "attendance",
    ]
    list_filter = [
        ("session", ScopedRelatedOnlyFilter), "status", "trainee__country__who_region", "trainee__category", "nominated_by",
        ("trainee__country", ScopedRelatedOnlyFilter),  # only the countries enrolled trainees come from
    ]
    search_fields = ["trainee__family_name", "trainee__given_name", "trainee__native_name", "trainee__email",
                     "session__code"]
    autocomplete_fields = ["trainee", "session"]
    list_per_page = 50
    inlines = [StatusHistoryInline]
    actions = [
        _status_action(EnrolmentStatus.SELECTED, _("Select")),
        _status_action(EnrolmentStatus.CONFIRMED, _("Confirm")),
        _status_action(EnrolmentStatus.ATTENDED, _("Mark as attended")),
        _status_action(EnrolmentStatus.COMPLETED, _("Mark as completed")),
        _status_action(EnrolmentStatus.WITHDRAWN, _("Withdraw")),
        _status_action(EnrolmentStatus.NO_SHOW, _("Mark as no-show")),
        invite_action(lambda enrolments: Trainee.objects.filter(enrolments__in=enrolments)),
        invite_action(lambda enrolments: Trainee.objects.filter(enrolments__in=enrolments), resend=True),
    ]

    def get_queryset(self, request):
        return self.with_extra_select_related(selectors.enrolment_list(actor=request.user))

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = EnrolmentAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return EnrolmentAddForm.Meta.fields
        return ["trainee", "session", "status", "status_changed_at", "nominated_by", "nominating_body_name",
                "attendance"]

    def get_readonly_fields(self, request, obj=None):
        return ["trainee", "session", "status", "status_changed_at", "attendance"] if obj else []

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def has_delete_permission(self, request, obj=None):
        # Withdraw instead: the history of who was nominated is part of the programme's record.
        return False

    @admin.display(description=_("country"), ordering="trainee__country__name")
    def trainee_country(self, obj):
        return obj.trainee.country

    @admin.display(description=_("attendance"), ordering="attendance_rate")
    def attendance(self, obj):
        rate = getattr(obj, "attendance_rate", None)
        return "–" if rate is None else f"{rate:.0f}%"


class TraineeEnrolmentInline(ListedOnlyInline):
    model = Enrolment
    fk_name = "trainee"
    fields = ["session", "status", "nominated_by", "status_changed_at"]
    readonly_fields = fields
    show_change_link = True
    verbose_name_plural = _("sessions")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("session__course", "trainee")


class _TraineeEnrolmentFilter(admin.SimpleListFilter):
    """A filter of trainees by their enrolments, among the enrolments the user may see: a coordinator's
    trainee who also withdrew from another session is not "withdrawn" in theirs, and a session id of
    another session, typed into the URL, finds nobody."""

    def enrolments(self, request):
        raise NotImplementedError

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        enrolments = access.visible(request.user, self.enrolments(request))
        return queryset.filter(pk__in=enrolments.values("trainee_id"))


def _session_id(value) -> int:
    """A session's id from the query string; anything else (a hand-made "?session=abc") is a filter the
    admin cannot apply: its "?e=1" page, not a 500."""
    if not str(value).isdigit():
        raise IncorrectLookupParameters(value)
    return int(value)


class TraineeSessionFilter(_TraineeEnrolmentFilter):
    title = _("session")
    parameter_name = "session"

    def lookups(self, request, model_admin):
        return [(str(session.pk), str(session)) for session in selectors.session_list(actor=request.user)]

    def enrolments(self, request):
        return Enrolment.objects.filter(session_id=_session_id(self.value()))


class TraineeEnrolmentStatusFilter(_TraineeEnrolmentFilter):
    title = _("enrolment status")
    parameter_name = "enrolment_status"

    def lookups(self, request, model_admin):
        return EnrolmentStatus.choices

    def enrolments(self, request):
        enrolments = Enrolment.objects.filter(status=self.value())
        # With a session chosen too: the status in that session.
        session = request.GET.get(TraineeSessionFilter.parameter_name)
        return enrolments.filter(session_id=_session_id(session)) if session else enrolments


# The trainee page shows the trainee's sessions, and its import can nominate for a session: added
# from here, so that trainees never imports cohorts.
TraineeAdmin.extend(
    inlines=[TraineeEnrolmentInline], import_resource=TraineeImporter, import_form_class=OptionalSessionImportForm,
    list_filter=[TraineeSessionFilter, TraineeEnrolmentStatusFilter, TraineeRetentionFilter],
)


# --- Timetable, visits, attendance ------------------------------------------------------------


@admin.register(TimetableSlot)
class TimetableSlotAdmin(AuditedAdminMixin, ExtensibleAdmin):
    writes = SLOT_WRITES
    list_display = ["date", "start_time", "end_time", "title", "module", "session", "room", "faculty", "on_the_day"]
    list_filter = [("session", ScopedRelatedOnlyFilter), "module__course"]
    list_select_related = ["session", "module", "faculty"]
    search_fields = ["title", "module__title", "session__code", "faculty__name"]
    autocomplete_fields = ["session", "module", "faculty"]
    date_hierarchy = "date"

    @admin.display(description=_("Roll call"))
    def on_the_day(self, obj):
        return format_html('<a href="{}">{}</a> · <a href="{}">{}</a>',
                           reverse("attendance_slot_roll_call", args=[obj.pk]), _("Roll call"),
                           reverse("attendance_slot_check_in", args=[obj.pk]), _("QR check-in"))


class FacilityVisitForm(forms.ModelForm):
    class Meta:
        model = FacilityVisit
        fields = ["session", "host", "site", "starts_at", "ends_at", "meeting_point", "meets_at", "capacity",
                  "participants"]

    def clean(self):
        cleaned = super().clean()
        session, capacity = cleaned.get("session"), cleaned.get("capacity")
        participants = cleaned.get("participants")
        if session and capacity and participants is not None:
            for problem in services.facility_visit_participant_problems(
                session_id=session.pk, capacity=capacity, enrolments=participants.select_related("trainee")
            ):
                self.add_error("participants", problem)
        return cleaned


@admin.register(FacilityVisit)
class FacilityVisitAdmin(AuditedAdminMixin, ExtensibleAdmin):
    # Participants go to the services with the other fields (capacity, session, audit).
    writes = AdminWrites("visit", create=services.facility_visit_create, update=services.facility_visit_update,
                         delete=services.facility_visit_delete)
    form = FacilityVisitForm
    list_display = ["host", "site", "session", "starts_at", "ends_at", "capacity", "participant_count", "on_the_day"]
    list_filter = [("session", ScopedRelatedOnlyFilter)]
    list_select_related = ["host", "session"]
    search_fields = ["host__name", "site", "session__code"]
    autocomplete_fields = ["session", "host", "participants"]
    # Trainees join and leave the waiting list from their own site; staff see it, in its order.
    readonly_fields = ["waiting_list"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_participants=Count("participants"))

    @admin.display(description=_("Roll call"))
    def on_the_day(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("attendance_visit_roll_call", args=[obj.pk]),
                           _("Roll call"))

    @admin.display(description=_("participants"), ordering="_participants")
    def participant_count(self, obj):
        return obj._participants

    @admin.display(description=_("waiting list"))
    def waiting_list(self, obj):
        entries = list(obj.waitlist.select_related("enrolment__trainee__country")) if obj.pk else []
        if not entries:
            return _("Nobody is waiting.")
        return format_html("<ol>{}</ol>", format_html_join("", "<li>{} ({}), {}</li>", (
            (entry.enrolment.trainee, entry.enrolment.trainee.country.name,
             formats.date_format(timezone.localtime(entry.joined_at), "DATETIME_FORMAT")) for entry in entries)))


@admin.register(Announcement)
class AnnouncementAdmin(AuditedAdminMixin, ExtensibleAdmin):
    """Notices on the trainees' start page, for one session or for all."""

    writes = AdminWrites("announcement", create=services.announcement_create,
                         update=services.announcement_update, delete=services.announcement_delete)
    list_display = ["title", "session", "published_at", "created_by"]
    list_filter = [("session", ScopedRelatedOnlyFilter)]
    list_select_related = ["session", "created_by"]
    search_fields = ["title", "body"]
    date_hierarchy = "published_at"
    fields = ["session", "title", "body", "published_at"]


class EnrolmentColumns:
    """The trainee and session columns of an admin of rows that belong to an enrolment."""

    @admin.display(description=_("trainee"), ordering="enrolment__trainee__family_name")
    def trainee(self, obj):
        return obj.enrolment.trainee

    @admin.display(description=_("session"), ordering="enrolment__session__code")
    def session(self, obj):
        return obj.enrolment.session.code


@admin.register(AttendanceRecord)
class AttendanceRecordAdmin(EnrolmentColumns, HubImportExportMixin, AuditedAdminMixin, ExtensibleAdmin):
    writes = AdminWrites("record", delete=services.attendance_record_delete)  # changed by attendance_mark
    import_resource = AttendanceImporter
    export_resource = AttendanceExportResource
    import_form_class = SessionImportForm
    list_display = ["trainee", "session", "occasion", "status", "marked_by", "marked_at"]
    list_filter = ["status", ("enrolment__session", ScopedRelatedOnlyFilter),
                   ("enrolment__trainee__country", ScopedRelatedOnlyFilter)]
    list_select_related = [
        "enrolment__trainee", "enrolment__session", "slot", "visit__host", "marked_by",
    ]
    search_fields = ["enrolment__trainee__family_name", "enrolment__trainee__given_name",
                     "enrolment__trainee__email", "slot__title"]
    fields = ["trainee", "session", "occasion", "status", "marked_by", "marked_at"]
    readonly_fields = ["trainee", "session", "occasion", "marked_by", "marked_at"]
    list_per_page = 100

    def has_add_permission(self, request):
        # Attendance is marked per slot in bulk (import or service), not one record at a time.
        return False

    @admin.display(description=_("slot or visit"))
    def occasion(self, obj):
        return obj.slot or obj.visit

    def save_model(self, request, obj, form, change):
        services.attendance_mark(
            actor=request.user, statuses={obj.enrolment_id: obj.status}, slot=obj.slot, visit=obj.visit
        )


class ExcuseDecisionForm(forms.ModelForm):
    decision = forms.ChoiceField(
        label=_("decision"), required=False,
        choices=[("", _("Not decided yet")), ("approve", _("Excuse the absence")), ("refuse", _("Refuse"))],
        help_text=_("Excusing marks the slot or visit “excused”; the trainee sees the decision and the note."))

    class Meta:
        model = ExcuseRequest
        fields = ["decision", "decision_note"]


@admin.register(ExcuseRequest)
class ExcuseRequestAdmin(EnrolmentColumns, AuditedAdminMixin, ExtensibleAdmin):
    """Trainees' requests that an absence be excused: decided here (one by one with a note, or several
    at once by the actions), always through services.excuse_decide."""

    form = ExcuseDecisionForm
    list_display = ["trainee", "session", "occasion", "status", "requested_at", "has_document", "decided_by"]
    list_filter = ["status", ("enrolment__session", ScopedRelatedOnlyFilter)]
    list_select_related = ["enrolment__trainee", "enrolment__session", "slot", "visit__host", "decided_by"]
    search_fields = ["enrolment__trainee__family_name", "enrolment__trainee__given_name", "reason"]
    fields = ["trainee", "session", "occasion", "reason", "document", "status", "requested_at", "decision",
              "decision_note", "decided_by", "decided_at"]
    readonly_fields = ["trainee", "session", "occasion", "reason", "document", "status", "requested_at",
                       "decided_by", "decided_at"]
    actions = ["approve", "refuse"]

    def has_add_permission(self, request):
        return False  # trainees ask on their attendance page

    def has_delete_permission(self, request, obj=None):
        return False  # kept: the reason an absence was excused

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != ExcuseStatus.PENDING:
            return [*self.readonly_fields, "decision", "decision_note"]
        return self.readonly_fields

    def get_fields(self, request, obj=None):
        return self.fields

    @admin.display(description=_("slot or visit"))
    def occasion(self, obj):
        return obj.occasion

    @admin.display(description=_("document"), boolean=True)
    def has_document(self, obj):
        return bool(obj.attachment)

    @admin.display(description=_("supporting document"))
    def document(self, obj):
        if not obj.attachment:
            return "–"
        return format_html('<a href="{}" download>{}</a>', reverse("excuse_document", args=[obj.pk]),
                           _("Download"))

    def save_model(self, request, obj, form, change):
        decision = form.cleaned_data.get("decision")
        if decision:
            services.excuse_decide(actor=request.user, excuse=obj, approve=decision == "approve",
                                   note=form.cleaned_data.get("decision_note", ""))

    def save_related(self, request, form, formsets, change):
        pass

    def _decide(self, request, queryset, approve: bool):
        done = 0
        for excuse in queryset.filter(status=ExcuseStatus.PENDING).select_related("enrolment"):
            try:
                services.excuse_decide(actor=request.user, excuse=excuse, approve=approve)
                done += 1
            except ValidationError as error:
                self.message_user(request, f"{excuse}: {_errors_text(error)}", messages.WARNING)
        self.message_user(request, ngettext("%(count)d request decided.", "%(count)d requests decided.", done)
                          % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Excuse the chosen absences"), permissions=["change"])
    def approve(self, request, queryset):
        self._decide(request, queryset, True)

    @admin.action(description=_("Refuse the chosen requests"), permissions=["change"])
    def refuse(self, request, queryset):
        self._decide(request, queryset, False)

