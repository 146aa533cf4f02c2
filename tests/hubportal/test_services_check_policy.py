"""Every write service asks the access policy before it writes (issue 12): a view, an importer or a
task calling one with a coordinator's actor cannot write outside the coordinator's sessions.

For a representative service of each app: a coordinator of July is refused on October's rows and on
reference data, with nothing written, and allowed on July's; hub staff and the system (None) are
allowed everywhere.
"""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from certificates.services import certificates_rerender
from cohorts.models import AttendanceRecord, CourseSession, Enrolment, EnrolmentStatus, TimetableSlot
from cohorts.services import (
    attendance_mark,
    enrolment_change_status,
    enrolments_nominate_many,
    facility_visit_update,
    session_create,
    timetable_slot_create,
    trainee_enroll,
)
from curriculum.models import Course
from curriculum.services import course_create
from hubportal.audit.models import AuditEntry
from hubportal.jobs.models import Job, JobStatus
from hubportal.jobs.services import job_delete, job_resume
from hubportal.outbox.models import EmailStatus, OutboundEmail
from hubportal.outbox.services import email_retry
from hubportal.users.models import SessionAssignment
from trainees.models import Country, Organisation, Trainee
from trainees.services import (
    TraineeImportRow,
    country_update,
    organisation_create,
    trainee_update,
    trainees_upsert_many,
)

from ..cohorts.factories import CourseSessionFactory, EnrolmentFactory, FacilityVisitFactory, TimetableSlotFactory
from ..trainees.factories import CountryFactory, TraineeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hub(coordinator):
    """Two sessions, a trainee enrolled in each, a slot of each; the coordinator coordinates July."""
    july = CourseSessionFactory(code="BDM-2022-07")
    october = CourseSessionFactory(code="GXP-2022-10", course=july.course)
    mine = EnrolmentFactory(session=july, trainee=TraineeFactory(email="ama@kath.test"))
    theirs = EnrolmentFactory(session=october, trainee=TraineeFactory(email="lan@nihe.test"))
    SessionAssignment.objects.create(user=coordinator, session=july)
    return {"july": july, "october": october, "mine": mine, "theirs": theirs,
            "july_slot": TimetableSlotFactory(session=july), "october_slot": TimetableSlotFactory(session=october)}


def audited() -> int:
    return AuditEntry.objects.count()


def refused(call):
    """The call raises PermissionDenied and writes nothing (not even an audit entry)."""
    before = audited()
    with pytest.raises(PermissionDenied):
        call()
    assert audited() == before


# --- cohorts -----------------------------------------------------------------------------------


def test_a_coordinator_moves_enrolments_of_their_sessions_only(hub, coordinator, hub_staff):
    refused(lambda: enrolment_change_status(actor=coordinator, enrolment=hub["theirs"],
                                            to_status=EnrolmentStatus.SELECTED))
    hub["theirs"].refresh_from_db()
    assert hub["theirs"].status == EnrolmentStatus.NOMINATED and not hub["theirs"].status_changes.exists()

    assert enrolment_change_status(actor=coordinator, enrolment=hub["mine"],
                                   to_status=EnrolmentStatus.SELECTED).status == EnrolmentStatus.SELECTED
    assert enrolment_change_status(actor=hub_staff, enrolment=hub["theirs"],
                                   to_status=EnrolmentStatus.SELECTED).status == EnrolmentStatus.SELECTED
    assert enrolment_change_status(actor=None, enrolment=hub["theirs"],
                                   to_status=EnrolmentStatus.CONFIRMED).status == EnrolmentStatus.CONFIRMED


def test_a_coordinator_enrols_and_adds_slots_in_their_sessions_only(hub, coordinator):
    newcomer = TraineeFactory(email="kofi@fda.test")
    refused(lambda: trainee_enroll(actor=coordinator, trainee=newcomer, session=hub["october"]))
    assert not Enrolment.objects.filter(trainee=newcomer).exists()
    assert trainee_enroll(actor=coordinator, trainee=newcomer, session=hub["july"]).session == hub["july"]

    slot = {"date": dt.date(2022, 7, 20), "start_time": dt.time(14), "end_time": dt.time(15), "title": "Q&A"}
    refused(lambda: timetable_slot_create(actor=coordinator, session=hub["october"], **slot))
    assert not TimetableSlot.objects.filter(title="Q&A").exists()
    assert timetable_slot_create(actor=coordinator, session=hub["july"], **slot).session == hub["july"]


def test_a_coordinator_marks_attendance_in_their_sessions_only(hub, coordinator, hub_staff):
    refused(lambda: attendance_mark(actor=coordinator, slot=hub["october_slot"],
                                    statuses={hub["theirs"].pk: "present"}))
    assert not AttendanceRecord.objects.exists()

    assert attendance_mark(actor=coordinator, slot=hub["july_slot"],
                           statuses={hub["mine"].pk: "present"})["created"] == 1
    assert attendance_mark(actor=hub_staff, slot=hub["october_slot"],
                           statuses={hub["theirs"].pk: "late"})["created"] == 1
    assert attendance_mark(actor=None, slot=hub["october_slot"],
                           statuses={hub["theirs"].pk: "absent"})["updated"] == 1


def test_a_bulk_service_checks_the_session_once(hub, coordinator, hub_staff):
    newcomers = [TraineeFactory(email=f"n{i}@fda.test") for i in range(3)]
    refused(lambda: enrolments_nominate_many(actor=coordinator, session=hub["october"], trainees=newcomers))
    assert not Enrolment.objects.filter(trainee__in=newcomers).exists()
    assert len(enrolments_nominate_many(actor=coordinator, session=hub["july"], trainees=newcomers)) == 3
    assert len(enrolments_nominate_many(actor=hub_staff, session=hub["october"], trainees=newcomers)) == 3


def test_a_coordinator_cannot_move_their_visit_to_another_session(hub, coordinator):
    visit = FacilityVisitFactory(session=hub["july"])
    refused(lambda: facility_visit_update(actor=coordinator, visit=visit, session=hub["october"]))
    visit.refresh_from_db()
    assert visit.session == hub["july"]
    assert facility_visit_update(actor=coordinator, visit=visit, site="QC laboratory").site == "QC laboratory"
    other = FacilityVisitFactory(session=hub["october"])
    refused(lambda: facility_visit_update(actor=coordinator, visit=other, site="QC laboratory"))


def test_sessions_themselves_are_hub_staffs(hub, coordinator, hub_staff):
    fields = {"course": hub["july"].course, "start_date": dt.date(2023, 7, 17), "end_date": dt.date(2023, 7, 28),
              "venue": "Songdo", "capacity": 20}
    refused(lambda: session_create(actor=coordinator, code="BDM-2023-07", **fields))
    assert not CourseSession.objects.filter(code="BDM-2023-07").exists()
    assert session_create(actor=hub_staff, code="BDM-2023-07", **fields).pk
    assert session_create(actor=None, code="BDM-2024-07", **fields).pk


# --- trainees ----------------------------------------------------------------------------------


def test_a_coordinator_changes_the_trainees_of_their_sessions_only(hub, coordinator, hub_staff):
    refused(lambda: trainee_update(actor=coordinator, trainee=hub["theirs"].trainee, job_title="Director"))
    assert Trainee.objects.get(email="lan@nihe.test").job_title != "Director"
    assert trainee_update(actor=coordinator, trainee=hub["mine"].trainee, job_title="QA Lead").job_title == "QA Lead"
    assert trainee_update(actor=hub_staff, trainee=hub["theirs"].trainee, job_title="Director").job_title == "Director"


def test_reference_data_is_hub_staffs(hub, coordinator, trainee_user, hub_staff):
    ghana = CountryFactory(code="GH")
    for actor in (coordinator, trainee_user):
        refused(lambda actor=actor: organisation_create(actor=actor, name="Ghana FDA", country=ghana,
                                                        kind="regulatory_authority"))
        refused(lambda actor=actor: country_update(actor=actor, country=ghana, income_group="high"))
        refused(lambda actor=actor: course_create(actor=actor, code="QC", title="Quality control", kind="theory"))
    assert not Organisation.objects.filter(name="Ghana FDA").exists()
    assert Country.objects.get(code="GH").income_group != "high"
    assert not Course.objects.filter(code="QC").exists()
    assert organisation_create(actor=hub_staff, name="Ghana FDA", country=ghana, kind="regulatory_authority").pk
    assert organisation_create(actor=None, name="Ghana Standards Authority", country=ghana, kind="other").pk


def test_a_coordinator_imports_trainees_into_their_session_with_the_organisations_the_file_names(
        hub, coordinator, hub_staff):
    ghana = CountryFactory(code="GH")
    row = TraineeImportRow(2, "kofi@fda.test", {"given_name": "Kofi", "family_name": "Boateng", "country": ghana,
                                                  "organisation_name": "Ghana FDA"})
    for session in (hub["october"], None):
        refused(lambda session=session: trainees_upsert_many(actor=coordinator, rows=[row], session=session))
    assert not Trainee.objects.filter(email="kofi@fda.test").exists()
    assert not Organisation.objects.filter(name="Ghana FDA").exists()

    result = trainees_upsert_many(actor=coordinator, rows=[row], session=hub["july"])
    assert not result.problems and [o.name for o in result.new_organisations] == ["Ghana FDA"]
    assert Trainee.objects.get(email="kofi@fda.test").organisation.name == "Ghana FDA"
    assert not trainees_upsert_many(actor=hub_staff, rows=[row]).problems  # hub staff: with no session too


# --- certificates, jobs, outbox ----------------------------------------------------------------


def test_rendering_certificates_again_is_hub_staffs(coordinator, hub_staff):
    refused(lambda: certificates_rerender(actor=coordinator, certificates=[]))
    with pytest.raises(ValidationError):  # past the policy: nothing chosen
        certificates_rerender(actor=hub_staff, certificates=[])


def stalled_job(session) -> Job:
    return Job.objects.create(kind="certificate_zip", session=session, status=JobStatus.RUNNING, heartbeat_at=None)


def test_a_coordinator_resumes_their_sessions_jobs_only_and_deletes_none(hub, coordinator, hub_staff):
    theirs, mine = stalled_job(hub["october"]), stalled_job(hub["july"])
    refused(lambda: job_resume(actor=coordinator, job=theirs))
    assert job_resume(actor=coordinator, job=mine) == mine
    assert job_resume(actor=hub_staff, job=theirs) == theirs
    refused(lambda: job_delete(actor=coordinator, job=mine))
    assert Job.objects.filter(pk=mine.pk).exists()
    job_delete(actor=None, job=mine)
    assert not Job.objects.filter(pk=mine.pk).exists()


def test_sending_an_email_again_is_hub_staffs(coordinator, hub_staff):
    def failed():
        return OutboundEmail.objects.create(to=["ama@kath.test"], subject="Your certificate", body="Ready.",
                                            from_email="hub@hub.test", status=EmailStatus.FAILED, attempts=5)

    email = failed()
    refused(lambda: email_retry(actor=coordinator, email=email))
    email.refresh_from_db()
    assert email.status == EmailStatus.FAILED
    assert email_retry(actor=hub_staff, email=email).status == EmailStatus.QUEUED
    assert email_retry(actor=None, email=failed()).status == EmailStatus.QUEUED


# --- reports -----------------------------------------------------------------------------------


def test_a_coordinator_asks_for_reports_of_their_sessions_only(hub, coordinator, hub_staff):
    from reports.services import attendance_report_request, country_report_request

    refused(lambda: attendance_report_request(actor=coordinator, session=hub["october"], fmt="pdf"))
    refused(lambda: country_report_request(actor=coordinator, fmt="xlsx"))
    assert not Job.objects.exists()
    job = attendance_report_request(actor=coordinator, session=hub["july"], fmt="xlsx")
    assert (job.session, job.params, job.requested_by) == (hub["july"], {"format": "xlsx"}, coordinator)
    assert country_report_request(actor=hub_staff, fmt="csv").params == {"format": "csv"}
    with pytest.raises(ValueError, match="docx"):
        attendance_report_request(actor=hub_staff, session=hub["october"], fmt="docx")


def test_a_report_holds_only_what_its_requester_may_see(hub, coordinator):
    from hubportal.jobs.services import job_run
    from reports.services import attendance_report_request

    SessionAssignment.objects.filter(user=coordinator).delete()  # the grant is revoked before a worker runs it
    SessionAssignment.objects.create(user=coordinator, session=hub["october"])
    job = attendance_report_request(actor=coordinator, session=hub["october"], fmt="csv")
    SessionAssignment.objects.filter(user=coordinator).delete()

    job_run(job.pk)

    job.refresh_from_db()
    report = job.result.open("rb").read().decode("utf-8-sig")
    assert report.startswith("Country") and hub["theirs"].trainee.family_name not in report
