"""The admin's import page: upload, preview of what will change, confirm; never half a file."""

import io

import pytest
from django.core.files.storage import default_storage

from cohorts.models import AttendanceRecord, Enrolment
from hubportal.users.models import SessionAssignment
from hubportal.importexport import ExpiringUploadStorage
from trainees.models import Trainee

from ..cohorts.factories import CourseSessionFactory, EnrolmentFactory, TimetableSlotFactory
from ..importfiles import csv_bytes, xlsx_bytes
from ..trainees.factories import CountryFactory, TraineeFactory

pytestmark = pytest.mark.django_db

ROWS = [["Given name", "Family name", "Email", "Country", "Organisation"],
        ["Ama", "Mensah", "ama@fda.test", "GH", "Food and Drugs Authority"],
        ["Kofi", "Boateng", "kofi@fda.test", "Ghana", ""]]


def upload(client, url, content, name="list.csv", **extra):
    file = io.BytesIO(content)
    file.name = name
    return client.post(url, {"import_file": file, "format": 0, "resource": 0, **extra})


def confirm_data(preview):
    confirm = preview.context["confirm_form"]
    return {name: confirm[name].value() for name in confirm.fields if confirm[name].value() is not None}


def uploads():
    try:
        return default_storage.listdir(ExpiringUploadStorage.FOLDER)[1]
    except FileNotFoundError:
        return []


@pytest.fixture(autouse=True)
def ghana(db):
    return CountryFactory()


def test_preview_shows_what_will_be_created_updated_and_left_alone_then_confirm_writes(client, hub_staff):
    TraineeFactory(email="kofi@fda.test", given_name="Kofi", family_name="Boateng", organisation=None)
    client.force_login(hub_staff)

    preview = upload(client, "/admin/trainees/trainee/import/", csv_bytes(ROWS, encoding="cp1252", delimiter=";"))

    page = preview.content.decode()
    assert preview.status_code == 200
    assert "1 to create" in page and "0 to update" in page and "1 unchanged" in page
    assert "Food and Drugs Authority" in page
    assert Trainee.objects.count() == 1  # nothing written before the confirmation
    response = client.post("/admin/trainees/trainee/process_import/", confirm_data(preview), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert "Import finished: created 1, updated 0, unchanged 1, errors 0." in messages
    assert Trainee.objects.get(email="ama@fda.test").organisation.name == "Food and Drugs Authority"
    assert uploads() == []  # the uploaded file is gone once used


def test_a_file_with_problems_lists_them_by_row_and_column_and_cannot_be_confirmed(client, hub_staff):
    client.force_login(hub_staff)
    response = upload(client, "/admin/trainees/trainee/import/",
                      csv_bytes(ROWS + [["Bad", "Row", "nope", "Narnia", ""]]))
    page = response.content.decode()
    assert "The file has 2 problems; nothing was written" in page
    assert "“nope” is not a valid email address." in page and "<td>4</td>" in page
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert not Trainee.objects.exists()
    assert uploads() == []  # nothing to confirm, so the personal data is not kept


def test_an_unreadable_file_is_refused_on_the_form(client, coordinator):
    client.force_login(coordinator)
    response = upload(client, "/admin/trainees/trainee/import/", b"%PDF-1.7\n\x00\x01", name="list.pdf")
    page = response.content.decode()
    assert "This is not a CSV or XLSX file." in page and "It looks like a PDF." in page
    assert uploads() == []


def test_an_abandoned_preview_is_purged_after_its_time(client, hub_staff, settings):
    client.force_login(hub_staff)
    upload(client, "/admin/trainees/trainee/import/", xlsx_bytes(ROWS), name="list.xlsx")
    assert len(uploads()) == 1  # waiting for the confirmation

    settings.IMPORT_UPLOAD_MAX_AGE_SECONDS = 0
    upload(client, "/admin/trainees/trainee/import/", csv_bytes(ROWS))  # any later upload purges it
    assert len(uploads()) == 1
    assert ExpiringUploadStorage().purge_expired(max_age=0) == 1
    assert uploads() == []


def test_enrolments_and_attendance_import_into_the_chosen_session(client, coordinator):
    session = CourseSessionFactory(code="BDM-2022-07")
    TimetableSlotFactory(session=session, date=session.start_date)
    TraineeFactory(email="ama@fda.test")
    SessionAssignment.objects.create(user=coordinator, session=session)  # theirs to import into
    client.force_login(coordinator)

    preview = upload(client, "/admin/cohorts/enrolment/import/", csv_bytes([["Email", "Status"], ["ama@fda.test", "selected"]]),
                     session=session.pk)
    client.post("/admin/cohorts/enrolment/process_import/", confirm_data(preview))
    assert Enrolment.objects.get(session=session).status == "selected"

    preview = upload(client, "/admin/cohorts/attendancerecord/import/",
                     csv_bytes([["Email", "Date", "Attendance"], ["ama@fda.test", "2022-07-18", "late"]]),
                     session=session.pk)
    client.post("/admin/cohorts/attendancerecord/process_import/", confirm_data(preview))
    assert AttendanceRecord.objects.get().status == "late"


def test_an_upload_over_the_size_limit_is_refused(client, coordinator, settings):
    settings.IMPORT_MAX_BYTES = 100
    client.force_login(coordinator)
    response = upload(client, "/admin/trainees/trainee/import/", csv_bytes(ROWS * 10))
    assert "larger than" in response.content.decode()
    assert uploads() == []


@pytest.mark.parametrize("url", ["/admin/trainees/trainee/export/", "/admin/cohorts/enrolment/export/",
                                 "/admin/cohorts/attendancerecord/export/"])
def test_coordinators_can_export_their_three_lists(client, coordinator, url):
    EnrolmentFactory()
    client.force_login(coordinator)
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() not in (None, False)}
    response = client.post(url, {**data, "format": 0})
    assert response.status_code == 200, response.content.decode()[:3000]
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel opens Hangul and Arabic names right


@pytest.mark.parametrize("url", ["/admin/users/user/", "/admin/cohorts/coursesession/add/",
                                 "/admin/curriculum/course/add/", "/admin/audit/auditentry/"])
def test_coordinators_can_reach_nothing_else(client, coordinator, url):
    client.force_login(coordinator)
    assert client.get(url).status_code == 403


def test_a_trainee_can_neither_import_nor_export(client, trainee_user):
    client.force_login(trainee_user)
    assert client.get("/admin/trainees/trainee/import/").status_code == 302  # to the admin login


def test_a_coordinator_imports_into_their_own_sessions_only(client, coordinator):
    theirs, other = CourseSessionFactory(code="GXP-2022-10"), CourseSessionFactory(code="BDM-2022-07")
    SessionAssignment.objects.create(user=coordinator, session=theirs)
    TraineeFactory(email="ama@fda.test")
    client.force_login(coordinator)
    form = client.get("/admin/cohorts/enrolment/import/").content.decode()
    assert "GXP-2022-10" in form and "BDM-2022-07" not in form  # only their sessions to choose from

    refused = upload(client, "/admin/cohorts/enrolment/import/",
                     csv_bytes([["Email", "Status"], ["ama@fda.test", "selected"]]), session=other.pk)
    assert "Select a valid choice" in refused.content.decode()
    without = upload(client, "/admin/trainees/trainee/import/", csv_bytes(ROWS))
    assert "Choose one of your sessions: a coordinator imports into their own sessions only." in (
        without.content.decode())
    assert not Enrolment.objects.exists() and Trainee.objects.count() == 1
