"""Every write hub staff make in the admin leaves an audit entry: who, what, on which record, and
for a change the old and new values of each field changed, for a delete what was deleted."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from certificates.models import Certificate
from certificates.services import certificates_issue
from cohorts.models import (
    AttendanceRecord,
    CourseSession,
    Enrolment,
    EnrolmentStatus,
    FacilityVisit,
    SessionStatus,
    TimetableSlot,
)
from cohorts.services import attendance_mark
from curriculum.models import Course, FacultyMember, Module
from hubportal.audit.models import AuditEntry
from hubportal.jobs.models import Job, JobStatus
from hubportal.users.models import User
from trainees.models import Country, Organisation, Trainee

from ..certificates.factories import ended_session, enrolment_attending
from ..cohorts.factories import CourseSessionFactory, EnrolmentFactory, FacilityVisitFactory, TimetableSlotFactory
from ..conftest import PASSWORD
from ..curriculum.factories import CourseFactory, FacultyMemberFactory, ModuleFactory
from ..trainees.factories import CountryFactory, OrganisationFactory, TraineeFactory

pytestmark = pytest.mark.django_db

# Inlines on the pages, empty: the records these tests add, change and delete have no rows in them.
NO_SLOTS = {"slots-TOTAL_FORMS": 0, "slots-INITIAL_FORMS": 0}
NO_ENROLMENTS = {"enrolments-TOTAL_FORMS": 0, "enrolments-INITIAL_FORMS": 0}
NO_NOMINATIONS = {"enrolments-2-TOTAL_FORMS": 0, "enrolments-2-INITIAL_FORMS": 0}
NO_MODULES = {"modules-TOTAL_FORMS": 0, "modules-INITIAL_FORMS": 0}


def the_entry(action: str) -> AuditEntry:
    return AuditEntry.objects.get(action=action)


def assert_entry(action: str, *, actor, model: type[models.Model], pk) -> AuditEntry:
    """The one entry of that action, by that actor, on that record (which may be deleted by now)."""
    entry = the_entry(action)
    assert entry.actor == actor
    assert (entry.target_type, entry.target_id) == (ContentType.objects.get_for_model(model), str(pk))
    return entry


def saved(response):
    assert response.status_code == 302, response.content.decode()[:3000]
    return response


# --- Add, change and delete of each plain record ----------------------------------------------------


@dataclass(frozen=True)
class Record:
    admin: str  # "trainees/country"
    thing: str  # the audit action's first part
    model: type[models.Model]
    existing: Callable[[], models.Model]
    form: Callable[[models.Model | None], dict]  # the page's whole form, for that record or a new one
    # What the change posts, and the {field: [old, new]} it must record.
    change: Callable[[models.Model], tuple[dict, dict]]
    created: tuple[str, object]  # a field of the new record and its value in the entry
    before_add: Callable[[], None] = field(default=lambda: None)


def _country_form(country):
    return {"code": "AQ", "alpha3": "ATA", "name": "Antarctica", "who_membership": "", "who_region": "",
            "income_group": "" if country is None else country.income_group}


def _organisation_form(organisation):
    if organisation is None:
        return {"name": "Incheon Biologics", "country": CountryFactory(code="KR").pk, "kind": "vaccine_manufacturer"}
    return {"name": organisation.name, "country": organisation.country_id, "kind": organisation.kind}


def _trainee_form(trainee):
    if trainee is None:
        ghana = CountryFactory(code="GH")
        trainee = Trainee(given_name="Kwame", family_name="Asante", email="kwame@fda.gov.test", country=ghana,
                          organisation=OrganisationFactory(country=ghana), category="lmic_government")
    return {"given_name": trainee.given_name, "family_name": trainee.family_name, "native_name": "",
            "email": trainee.email, "phone": "", "country": trainee.country_id,
            "organisation": trainee.organisation_id, "job_title": trainee.job_title, "category": trainee.category,
            "user": "", **NO_ENROLMENTS}


def _course_form(course):
    if course is None:
        return {"code": "QA", "title": "Quality assurance", "kind": "gxp", "description": "", **NO_MODULES}
    return {"code": course.code, "title": course.title, "kind": course.kind, "description": "", **NO_MODULES}


def _module_form(module):
    if module is None:
        return {"course": CourseFactory().pk, "position": 3, "title": "Upstream processing",
                "learning_hours": "12", "description": ""}
    return {"course": module.course_id, "position": module.position, "title": module.title,
            "learning_hours": module.learning_hours, "description": module.description}


def _faculty_form(member):
    if member is None:
        return {"name": "Dr Lee Ji-won", "affiliation": "Yonsei University", "email": ""}
    return {"name": member.name, "affiliation": member.affiliation, "email": member.email}


def _session_form(session):
    if session is None:
        return {"code": "GXP-2031-10", "course": CourseFactory(code="GXP").pk, "start_date": "2031-10-06",
                "end_date": "2031-10-17", "venue": "K-Bio Campus", "capacity": 40, "completion_threshold": 80,
                "grace_minutes": 10, "status": SessionStatus.PLANNED, **NO_SLOTS, **NO_ENROLMENTS, **NO_NOMINATIONS}
    return {"code": session.code, "course": session.course_id, "start_date": session.start_date,
            "end_date": session.end_date, "venue": session.venue, "capacity": session.capacity,
            "completion_threshold": session.completion_threshold, "grace_minutes": session.grace_minutes,
            **NO_SLOTS, **NO_ENROLMENTS, **NO_NOMINATIONS}


def _slot_form(slot):
    if slot is None:
        session = CourseSessionFactory()
        slot = TimetableSlot(session=session, date=session.start_date, start_time=dt.time(13), end_time=dt.time(15),
                             title="Welcome and orientation")
    return {"session": slot.session_id, "date": slot.date, "start_time": slot.start_time.strftime("%H:%M"),
            "end_time": slot.end_time.strftime("%H:%M"), "module": slot.module_id or "", "title": slot.title,
            "room": slot.room, "faculty": slot.faculty_id or ""}


def _visit_form(visit):
    if visit is None:
        visit = FacilityVisit(session=CourseSessionFactory(), host=OrganisationFactory(), site="Fill-finish plant",
                              starts_at=timezone.make_aware(dt.datetime(2022, 7, 28, 9)),
                              ends_at=timezone.make_aware(dt.datetime(2022, 7, 28, 17)), capacity=12)
    starts, ends = timezone.localtime(visit.starts_at), timezone.localtime(visit.ends_at)
    return {"session": visit.session_id, "host": visit.host_id, "site": visit.site,
            "starts_at_0": starts.date(), "starts_at_1": starts.strftime("%H:%M"),
            "ends_at_0": ends.date(), "ends_at_1": ends.strftime("%H:%M"), "capacity": visit.capacity}


RECORDS = [
    Record("trainees/country", "country", Country, lambda: CountryFactory(code="AQ"), _country_form,
           lambda c: ({"income_group": "high"}, {"income_group": ["", "high"]}), ("name", "Antarctica"),
           before_add=lambda: Country.objects.filter(code="AQ").delete()),
    Record("trainees/organisation", "organisation", Organisation, OrganisationFactory, _organisation_form,
           lambda o: ({"name": "  Korea   Vaccine Institute "}, {"name": [o.name, "Korea Vaccine Institute"]}),
           ("name", "Incheon Biologics")),
    Record("trainees/trainee", "trainee", Trainee, TraineeFactory, _trainee_form,
           lambda t: ({"job_title": "GMP Inspector"}, {"job_title": ["QC Analyst", "GMP Inspector"]}),
           ("email", "kwame@fda.gov.test")),
    Record("curriculum/course", "course", Course, lambda: CourseFactory(code="GXP", title="GxP"), _course_form,
           lambda c: ({"title": "Good manufacturing practice"}, {"title": ["GxP", "Good manufacturing practice"]}),
           ("code", "QA")),
    Record("curriculum/module", "module", Module, ModuleFactory, _module_form,
           lambda m: ({"learning_hours": "7.5"}, {"learning_hours": ["6.0", "7.5"]}), ("title", "Upstream processing")),
    Record("curriculum/facultymember", "faculty_member", FacultyMember, FacultyMemberFactory, _faculty_form,
           lambda f: ({"email": "lecturer@ivi.int"}, {"email": ["", "lecturer@ivi.int"]}), ("name", "Dr Lee Ji-won")),
    Record("cohorts/coursesession", "session", CourseSession, CourseSessionFactory, _session_form,
           lambda s: ({"capacity": 45, "venue": "K-Bio Campus"},
                      {"capacity": [30, 45], "venue": [s.venue, "K-Bio Campus"]}), ("code", "GXP-2031-10")),
    Record("cohorts/timetableslot", "timetable_slot", TimetableSlot, TimetableSlotFactory, _slot_form,
           lambda s: ({"room": "Hall B"}, {"room": ["", "Hall B"]}), ("title", "Welcome and orientation")),
    Record("cohorts/facilityvisit", "visit", FacilityVisit, FacilityVisitFactory, _visit_form,
           lambda v: ({"site": "Drug substance plant", "capacity": 8},
                      {"site": ["Fill-finish plant", "Drug substance plant"], "capacity": [10, 8]}),
           ("site", "Fill-finish plant")),
]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.thing)
def test_adding_a_record_in_the_admin_audits_it_with_its_values(staff_client, hub_staff, record):
    record.before_add()
    before = set(record.model.objects.values_list("pk", flat=True))

    saved(staff_client.post(f"/admin/{record.admin}/add/", record.form(None)))

    (new,) = record.model.objects.exclude(pk__in=before)
    entry = assert_entry(f"{record.thing}.create", actor=hub_staff, model=record.model, pk=new.pk)
    name, value = record.created
    assert entry.data["values"][name] == value


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.thing)
def test_changing_a_record_in_the_admin_records_each_changed_field_old_and_new(staff_client, hub_staff, record):
    existing = record.existing()
    posted, recorded = record.change(existing)

    saved(staff_client.post(f"/admin/{record.admin}/{existing.pk}/change/", {**record.form(existing), **posted}))

    entry = assert_entry(f"{record.thing}.update", actor=hub_staff, model=record.model, pk=existing.pk)
    assert entry.data["changes"] == recorded
    # Saving the page again without changes writes nothing more.
    saved(staff_client.post(f"/admin/{record.admin}/{existing.pk}/change/", {**record.form(existing), **posted}))
    assert AuditEntry.objects.filter(action=f"{record.thing}.update").count() == 1


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.thing)
def test_deleting_a_record_in_the_admin_records_what_was_deleted(staff_client, hub_staff, record):
    existing = record.existing()
    pk, name = existing.pk, str(existing)

    saved(staff_client.post(f"/admin/{record.admin}/{pk}/delete/", {"post": "yes"}))

    assert not record.model.objects.filter(pk=pk).exists()
    entry = assert_entry(f"{record.thing}.delete", actor=hub_staff, model=record.model, pk=pk)
    assert entry.target_repr == name
    assert entry.data["deleted"][record.model._meta.label] == 1
    field_name, _value = record.created
    assert entry.data["values"][field_name] == getattr(existing, field_name)


def test_deleting_a_selection_from_the_list_audits_each_record(staff_client, hub_staff):
    lecturers = [FacultyMemberFactory() for _ in range(3)]

    staff_client.post("/admin/curriculum/facultymember/", {
        "action": "delete_selected", "_selected_action": [f.pk for f in lecturers[:2]], "post": "yes"})

    assert list(FacultyMember.objects.all()) == [lecturers[2]]
    entries = AuditEntry.objects.filter(action="faculty_member.delete")
    assert sorted(entries.values_list("target_repr", flat=True)) == sorted(str(f) for f in lecturers[:2])
    assert {e.actor for e in entries} == {hub_staff}


def test_deleting_a_course_records_the_modules_that_went_with_it(staff_client, hub_staff):
    course = CourseFactory(code="GXP")
    ModuleFactory(course=course)
    ModuleFactory(course=course)

    saved(staff_client.post(f"/admin/curriculum/course/{course.pk}/delete/", {"post": "yes"}))

    entry = the_entry("course.delete")
    assert entry.data["deleted"] == {"curriculum.Course": 1, "curriculum.Module": 2}


def test_a_change_the_rules_refuse_is_shown_on_the_form_and_writes_nothing(staff_client):
    session = CourseSessionFactory()

    response = staff_client.post(f"/admin/cohorts/coursesession/{session.pk}/change/",
                                 {**_session_form(session), "end_date": "2022-07-01"})

    assert response.status_code == 200
    assert "The session cannot end before it starts." in response.content.decode()
    assert not AuditEntry.objects.exists()


# --- Rows of a page's inlines -----------------------------------------------------------------------


def test_a_course_page_s_module_rows_are_audited_one_by_one(staff_client, hub_staff):
    course = CourseFactory(code="GXP")
    kept, dropped = ModuleFactory(course=course, title="GMP basics"), ModuleFactory(course=course)
    rows = {
        "modules-TOTAL_FORMS": 3, "modules-INITIAL_FORMS": 2,
        "modules-0-id": kept.pk, "modules-0-course": course.pk, "modules-0-position": kept.position,
        "modules-0-title": "GMP fundamentals", "modules-0-learning_hours": "6", "modules-0-description": "",
        "modules-1-id": dropped.pk, "modules-1-course": course.pk, "modules-1-position": dropped.position,
        "modules-1-title": dropped.title, "modules-1-learning_hours": "6", "modules-1-description": "",
        "modules-1-DELETE": "on",
        "modules-2-course": course.pk, "modules-2-position": 9, "modules-2-title": "Validation",
        "modules-2-learning_hours": "4", "modules-2-description": "",
    }

    saved(staff_client.post(f"/admin/curriculum/course/{course.pk}/change/",
                            {**_course_form(course), **rows}))

    assert assert_entry("module.update", actor=hub_staff, model=Module, pk=kept.pk).data["changes"] == {
        "title": ["GMP basics", "GMP fundamentals"]}
    assert_entry("module.delete", actor=hub_staff, model=Module, pk=dropped.pk)
    added = Module.objects.get(course=course, title="Validation")
    assert assert_entry("module.create", actor=hub_staff, model=Module, pk=added.pk).data["values"]["course"] == \
        str(course)


def test_a_session_page_s_timetable_enrolment_and_nomination_rows_are_audited(staff_client, hub_staff):
    session = CourseSessionFactory()
    enrolment = EnrolmentFactory(session=session, nominated_by="")
    newcomer = TraineeFactory()
    rows = {
        "slots-TOTAL_FORMS": 1, "slots-INITIAL_FORMS": 0,
        "slots-0-date": "2022-07-18", "slots-0-start_time": "09:00", "slots-0-end_time": "10:30",
        "slots-0-title": "Opening ceremony", "slots-0-module": "", "slots-0-room": "", "slots-0-faculty": "",
        "enrolments-TOTAL_FORMS": 1, "enrolments-INITIAL_FORMS": 1,
        "enrolments-0-id": enrolment.pk, "enrolments-0-session": session.pk,
        "enrolments-0-nominated_by": "who", "enrolments-0-nominating_body_name": "WHO",
        "enrolments-2-TOTAL_FORMS": 1, "enrolments-2-INITIAL_FORMS": 0,
        "enrolments-2-0-trainee": newcomer.pk, "enrolments-2-0-nominated_by": "company",
        "enrolments-2-0-nominating_body_name": "",
    }

    saved(staff_client.post(f"/admin/cohorts/coursesession/{session.pk}/change/",
                            {**_session_form(session), **rows}))

    slot = TimetableSlot.objects.get(session=session)
    assert assert_entry("timetable_slot.create", actor=hub_staff, model=TimetableSlot, pk=slot.pk).data["values"][
        "title"] == "Opening ceremony"
    assert assert_entry("enrolment.update", actor=hub_staff, model=Enrolment, pk=enrolment.pk).data["changes"] == {
        "nominated_by": ["", "who"], "nominating_body_name": ["", "WHO"]}
    nominated = Enrolment.objects.get(session=session, trainee=newcomer)
    assert assert_entry("enrolment.create", actor=hub_staff, model=Enrolment, pk=nominated.pk).data == {
        "status": EnrolmentStatus.NOMINATED}


# --- Business writes: statuses, participants, attendance, certificates, jobs ---------------------------


def test_a_session_status_change_is_audited_from_and_to(staff_client, hub_staff):
    session = CourseSessionFactory(status=SessionStatus.PLANNED)

    staff_client.post("/admin/cohorts/coursesession/", {"action": "open_for_nominations",
                                                         "_selected_action": [session.pk]})

    entry = assert_entry("session.status", actor=hub_staff, model=CourseSession, pk=session.pk)
    assert entry.data == {"old": SessionStatus.PLANNED, "new": SessionStatus.OPEN}


def test_the_session_status_cannot_be_changed_on_its_form(staff_client):
    session = CourseSessionFactory(status=SessionStatus.PLANNED)

    saved(staff_client.post(f"/admin/cohorts/coursesession/{session.pk}/change/",
                            {**_session_form(session), "status": SessionStatus.CLOSED}))

    session.refresh_from_db()
    assert session.status == SessionStatus.PLANNED
    assert not AuditEntry.objects.exists()


def test_an_enrolment_added_changed_and_moved_on_in_the_admin_is_audited(staff_client, hub_staff):
    session, trainee = CourseSessionFactory(), TraineeFactory()

    saved(staff_client.post("/admin/cohorts/enrolment/add/", {
        "trainee": trainee.pk, "session": session.pk, "nominated_by": "national_authority",
        "nominating_body_name": "Food and Drugs Authority"}))
    enrolment = Enrolment.objects.get(session=session, trainee=trainee)
    assert assert_entry("enrolment.create", actor=hub_staff, model=Enrolment, pk=enrolment.pk).data == {
        "status": EnrolmentStatus.NOMINATED}

    saved(staff_client.post(f"/admin/cohorts/enrolment/{enrolment.pk}/change/", {
        "nominated_by": "national_authority", "nominating_body_name": "Ghana FDA",
        "status_changes-TOTAL_FORMS": 1, "status_changes-INITIAL_FORMS": 1}))
    assert assert_entry("enrolment.update", actor=hub_staff, model=Enrolment, pk=enrolment.pk).data == {
        "changes": {"nominating_body_name": ["Food and Drugs Authority", "Ghana FDA"]}}

    staff_client.post("/admin/cohorts/enrolment/", {"action": "move_to_selected", "_selected_action": [enrolment.pk]})
    assert assert_entry("enrolment.status", actor=hub_staff, model=Enrolment, pk=enrolment.pk).data == {
        "old": EnrolmentStatus.NOMINATED, "new": EnrolmentStatus.SELECTED}


def test_a_visit_s_participants_chosen_in_the_admin_are_audited(staff_client, hub_staff):
    session = CourseSessionFactory()
    first, second = (EnrolmentFactory(session=session, status=EnrolmentStatus.CONFIRMED) for _ in range(2))
    form = _visit_form(FacilityVisit(session=session, host=OrganisationFactory(), site="QC laboratory",
                                     starts_at=timezone.make_aware(dt.datetime(2022, 7, 27, 9)),
                                     ends_at=timezone.make_aware(dt.datetime(2022, 7, 27, 12)), capacity=2))

    saved(staff_client.post("/admin/cohorts/facilityvisit/add/", {**form, "participants": [first.pk, second.pk]}))
    visit = FacilityVisit.objects.get(site="QC laboratory")
    assert_entry("visit.create", actor=hub_staff, model=FacilityVisit, pk=visit.pk)
    assert the_entry("visit.participants").data == {"added": sorted([first.pk, second.pk]), "removed": []}

    saved(staff_client.post(f"/admin/cohorts/facilityvisit/{visit.pk}/change/", {**form, "participants": [first.pk]}))
    entries = AuditEntry.objects.filter(action="visit.participants").order_by("id")
    assert [(e.actor, e.target_id, e.data) for e in entries][1] == (
        hub_staff, str(visit.pk), {"added": [], "removed": [second.pk]})
    assert list(visit.participants.all()) == [first]


def test_attendance_corrected_and_deleted_in_the_admin_is_audited(staff_client, hub_staff):
    slot = TimetableSlotFactory()
    enrolment = EnrolmentFactory(session=slot.session, status=EnrolmentStatus.CONFIRMED)
    attendance_mark(actor=None, slot=slot, statuses={enrolment.pk: "absent"})
    record = AttendanceRecord.objects.get()

    saved(staff_client.post(f"/admin/cohorts/attendancerecord/{record.pk}/change/", {"status": "excused"}))

    entry = AuditEntry.objects.filter(action="attendance.mark", actor=hub_staff).get()
    assert (entry.target, entry.data["statuses"]) == (slot, {str(enrolment.pk): ["absent", "excused"]})

    saved(staff_client.post(f"/admin/cohorts/attendancerecord/{record.pk}/delete/", {"post": "yes"}))
    entry = assert_entry("attendance.delete", actor=hub_staff, model=AttendanceRecord, pk=record.pk)
    assert entry.data["values"]["status"] == "excused"
    assert entry.data["values"]["enrolment"] == str(enrolment)
    assert not AttendanceRecord.objects.exists()


def test_a_certificate_revoked_in_the_admin_is_audited_with_the_reason(staff_client, hub_staff,
                                                                      django_capture_on_commit_callbacks):
    session, slots = ended_session(code="BDM-2022-07")
    enrolment_attending(session, slots, 10)
    with django_capture_on_commit_callbacks(execute=False):
        certificates_issue(actor=hub_staff, session=session)
    certificate = Certificate.objects.get()

    staff_client.post("/admin/certificates/certificate/", {
        "action": "revoke", "_selected_action": [certificate.pk], "reason": "Attendance sheet was wrong"})

    entry = assert_entry("certificate.revoke", actor=hub_staff, model=Certificate, pk=certificate.pk)
    assert entry.data == {"reason": "Attendance sheet was wrong"}


def test_resuming_a_stalled_job_in_the_admin_is_audited(staff_client, hub_staff, django_capture_on_commit_callbacks):
    job = Job.objects.create(kind="certificates", status=JobStatus.RUNNING, total=40, done=15,
                             requested_by=hub_staff, heartbeat_at=timezone.now() - dt.timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=False) as queued:
        staff_client.post("/admin/jobs/job/", {"action": "resume", "_selected_action": [job.pk]})

    assert len(queued) == 1
    assert assert_entry("job.resume", actor=hub_staff, model=Job, pk=job.pk).data == {"done": 15, "total": 40}


# --- Accounts ------------------------------------------------------------------------------------------


def test_accounts_created_changed_and_deleted_in_the_admin_are_audited_without_passwords(client, superuser):
    client.force_login(superuser)

    saved(client.post("/admin/users/user/add/", {
        "email": "new.staff@hub.test", "name": "New Staff", "password1": PASSWORD, "password2": PASSWORD,
        "usable_password": "true"}))
    user = User.objects.get(email="new.staff@hub.test")
    entry = assert_entry("user.create", actor=superuser, model=User, pk=user.pk)
    assert entry.data == {"values": {"email": "new.staff@hub.test", "name": "New Staff"}}

    saved(client.post(f"/admin/users/user/{user.pk}/change/", {
        "email": user.email, "name": "New Staff", "is_active": "on", "is_staff": "on",
        "date_joined_0": timezone.localtime(user.date_joined).date(),
        "date_joined_1": timezone.localtime(user.date_joined).strftime("%H:%M:%S.%f")}))
    assert assert_entry("user.update", actor=superuser, model=User, pk=user.pk).data == {
        "changes": {"is_staff": [False, True]}}

    saved(client.post(f"/admin/users/user/{user.pk}/password/", {
        "password1": "another-password-2", "password2": "another-password-2", "usable_password": "true"}))
    assert assert_entry("user.password", actor=superuser, model=User, pk=user.pk).data == {"usable": True}

    saved(client.post(f"/admin/users/user/{user.pk}/delete/", {"post": "yes"}))
    entry = assert_entry("user.delete", actor=superuser, model=User, pk=user.pk)
    assert entry.data["values"]["email"] == "new.staff@hub.test"
    assert all("password" not in str(e.data) for e in AuditEntry.objects.all())


def test_deleting_a_finished_job_is_audited_and_takes_its_file_and_a_job_at_work_stays(
        admin_client, hub_staff, django_capture_on_commit_callbacks, settings):
    from django.core.files.base import ContentFile

    from hubportal.jobs.models import Job, JobStatus
    from hubportal.jobs.services import job_create

    with django_capture_on_commit_callbacks(execute=False):
        done = job_create(actor=hub_staff, kind="country_report", format="csv")
        running = job_create(actor=hub_staff, kind="country_report", format="csv")
    done.result.save("countries.csv", ContentFile(b"Country\n"), save=False)
    Job.objects.filter(pk=done.pk).update(status=JobStatus.DONE, result=done.result.name)
    Job.objects.filter(pk=running.pk).update(status=JobStatus.RUNNING, heartbeat_at=timezone.now())
    stored = settings.MEDIA_ROOT / done.result.name
    assert stored.exists()

    assert admin_client.get(f"/admin/jobs/job/{running.pk}/delete/").status_code == 403
    both = admin_client.post("/admin/jobs/job/", {"action": "delete_selected", "post": "yes",
                                                  "_selected_action": [done.pk, running.pk]})
    assert both.status_code == 403
    assert Job.objects.count() == 2  # a selection holding a job at work is deleted not at all
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/admin/jobs/job/{done.pk}/delete/", {"post": "yes"})
    assert list(Job.objects.values_list("pk", flat=True)) == [running.pk]
    entry = AuditEntry.objects.get(action="job.delete")
    assert (entry.target_id, entry.data["kind"], entry.data["status"]) == (str(done.pk), "country_report", "done")
    assert not stored.exists()
