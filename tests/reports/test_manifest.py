"""Issue 15: a facility visit's participants and bus manifest, made by the worker as PDF and XLSX."""

import io
import subprocess

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from cohorts.models import EnrolmentStatus, VisitWaitlistEntry
from hubportal.jobs.models import Job
from hubportal.jobs.services import job_run
from hubportal.users.models import SessionAssignment
from reports.services import ReportKind, visit_manifest_request
from tests.cohorts.factories import CourseSessionFactory, EnrolmentFactory, FacilityVisitFactory
from tests.trainees.factories import TraineeFactory


@pytest.fixture
def visit(db):
    visit = FacilityVisitFactory(session=CourseSessionFactory(code="BDM-2022-07"), capacity=2, site="Fill-finish plant")
    amara = EnrolmentFactory(trainee=TraineeFactory(given_name="Amara", family_name="Diallo",
                                                    dietary_needs="Halal"), session=visit.session,
                             status=EnrolmentStatus.CONFIRMED)
    jin = EnrolmentFactory(trainee=TraineeFactory(given_name="Jin", family_name="Park", dietary_needs="Vegan"),
                           session=visit.session, status=EnrolmentStatus.CONFIRMED)
    waiting = EnrolmentFactory(trainee=TraineeFactory(given_name="Lucia", family_name="Gomez"),
                               session=visit.session, status=EnrolmentStatus.CONFIRMED)
    visit.participants.add(amara, jin)
    VisitWaitlistEntry.objects.create(visit=visit, enrolment=waiting)
    return visit


def _built(actor, visit, fmt) -> bytes:
    job = visit_manifest_request(actor=actor, visit=visit, fmt=fmt)
    assert job.kind == ReportKind.VISIT_MANIFEST
    job_run(job.pk)
    job.refresh_from_db()
    return job.result.open("rb").read()


def test_the_pdf_manifest_lists_participants_and_dietary_needs(visit, hub_staff, tmp_path):
    content = _built(hub_staff, visit, "pdf")
    assert content.startswith(b"%PDF")
    path = tmp_path / "manifest.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout
    for expected in ("Amara DIALLO", "Jin PARK", "Halal", "Vegan", "Lucia GOMEZ", "Fill-finish plant"):
        assert expected in text


def test_the_xlsx_manifest_lists_participants_and_dietary_needs(visit, coordinator):
    SessionAssignment.objects.create(user=coordinator, session=visit.session)
    workbook = load_workbook(io.BytesIO(_built(coordinator, visit, "xlsx")))
    cells = {str(cell.value) for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value}
    assert {"Amara DIALLO", "Jin PARK", "Halal", "Vegan", "Lucia GOMEZ"} <= cells


def test_another_sessions_coordinator_may_not_ask(visit, coordinator):
    SessionAssignment.objects.create(user=coordinator, session=CourseSessionFactory())
    with pytest.raises(PermissionDenied):
        visit_manifest_request(actor=coordinator, visit=visit, fmt="pdf")
    assert not Job.objects.exists()


def test_the_admin_action_queues_the_job(visit, staff_client, django_capture_on_commit_callbacks):
    response = staff_client.post("/admin/cohorts/facilityvisit/", {
        "action": "visit_manifest_xlsx", "_selected_action": [visit.pk]})
    assert response.status_code == 302
    assert Job.objects.get().params == {"visit": visit.pk, "format": "xlsx"}
