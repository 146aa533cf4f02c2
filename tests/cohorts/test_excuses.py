"""Issue 15: a trainee asks for an absence to be excused, staff or the coordinator decide; the warning
that one more absence costs the certificate goes once."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from cohorts.models import (
    AttendanceRecord,
    AttendanceSource,
    AttendanceStatus,
    EnrolmentStatus,
    ExcuseRequest,
    ExcuseStatus,
)
from cohorts.services import attendance_mark, excuse_decide, excuse_request_create
from hubportal.audit.models import AuditEntry
from hubportal.outbox.models import OutboundEmail
from hubportal.users.models import SessionAssignment

from ..conftest import PASSWORD
from ..trainees.factories import CountryFactory, TraineeFactory
from .factories import CourseSessionFactory, EnrolmentFactory, TimetableSlotFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def setup(role_groups, coordinator, hub_staff):
    session = CourseSessionFactory(code="BDM-2022-07", completion_threshold=80)
    slots = [TimetableSlotFactory(session=session) for _ in range(10)]
    user = get_user_model().objects.create_user(email="awa@hub.test", password=PASSWORD)
    trainee = TraineeFactory(user=user, email="awa@hub.test", country=CountryFactory(code="SN"))
    enrolment = EnrolmentFactory(trainee=trainee, session=session, status=EnrolmentStatus.CONFIRMED)
    SessionAssignment.objects.create(user=coordinator, session=session)
    return session, slots, enrolment, user


def _upload(name, content, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_a_renamed_executable_is_refused_with_a_clear_message(setup):
    _session, slots, enrolment, user = setup
    with pytest.raises(ValidationError) as error:
        excuse_request_create(actor=user, enrolment=enrolment, slot=slots[0], reason="Ill",
                              attachment=_upload("note.pdf", b"MZ\x90\x00" + b"\x00" * 200))
    assert "not a PDF, PNG or JPEG" in " ".join(error.value.messages)
    assert not ExcuseRequest.objects.exists()


def test_a_file_too_big_is_refused(setup, settings):
    settings.EXCUSE_ATTACHMENT_MAX_BYTES = 1024
    _session, slots, enrolment, user = setup
    with pytest.raises(ValidationError) as error:
        excuse_request_create(actor=user, enrolment=enrolment, slot=slots[0], reason="Ill",
                              attachment=_upload("note.pdf", PDF + b"0" * 2048))
    assert "too big" in " ".join(error.value.messages)


@pytest.mark.parametrize("name,content,kind", [("note.pdf", PDF, "application/pdf"),
                                               ("photo.png", png_bytes(), "image/png")])
def test_a_valid_pdf_or_png_is_accepted(setup, name, content, kind):
    _session, slots, enrolment, user = setup
    excuse = excuse_request_create(actor=user, enrolment=enrolment, slot=slots[0], reason="Ill",
                                   attachment=_upload(name, content, "application/octet-stream"))
    assert excuse.attachment_type == kind and excuse.status == ExcuseStatus.PENDING
    assert AuditEntry.objects.filter(action="excuse.request").exists()


def test_the_document_downloads_only_as_an_attachment_to_those_who_may_see_it(setup, client, role_groups,
                                                                               coordinator, hub_staff):
    session, slots, enrolment, user = setup
    excuse = excuse_request_create(actor=user, enrolment=enrolment, slot=slots[0], reason="Ill",
                                   attachment=_upload("note.pdf", PDF))
    url = reverse("excuse_document", args=[excuse.pk])
    for who in (user, coordinator, hub_staff):
        client.force_login(who)
        response = client.get(url)
        assert response.status_code == 200, who
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == PDF
    other_user = get_user_model().objects.create_user(email="other@hub.test", password=PASSWORD)
    EnrolmentFactory(trainee=TraineeFactory(user=other_user), session=session, status=EnrolmentStatus.CONFIRMED)
    other_coordinator = get_user_model().objects.create_user(email="c2@hub.test", password=PASSWORD, is_staff=True)
    from hubportal.users.roles import Role

    other_coordinator.groups.add(role_groups[Role.COORDINATORS])
    SessionAssignment.objects.create(user=other_coordinator, session=CourseSessionFactory())
    for who in (other_user, other_coordinator):
        client.force_login(who)
        assert client.get(url).status_code == 404


def test_approving_marks_the_slot_excused_by_excuse_and_audits(setup, coordinator, client):
    _session, slots, enrolment, user = setup
    attendance_mark(actor=coordinator, statuses={enrolment.pk: AttendanceStatus.ABSENT}, slot=slots[0])
    excuse = excuse_request_create(actor=user, enrolment=enrolment, slot=slots[0], reason="Fever")
    excuse_decide(actor=coordinator, excuse=excuse, approve=True, note="Get well")
    record = AttendanceRecord.objects.get(enrolment=enrolment, slot=slots[0])
    assert (record.status, record.source, record.marked_by) == (AttendanceStatus.EXCUSED, AttendanceSource.EXCUSE,
                                                                coordinator)
    assert AuditEntry.objects.filter(action="excuse.approve").exists()
    assert AuditEntry.objects.filter(action="attendance.mark", data__source="excuse").exists()
    client.force_login(user)
    page = client.get(reverse("portal_attendance")).content.decode()
    assert "Excuse accepted." in page and "Get well" in page
    with pytest.raises(ValidationError):
        excuse_decide(actor=coordinator, excuse=excuse, approve=False)


def test_refusing_marks_nothing_and_the_trainee_sees_it(setup, hub_staff, client):
    _session, slots, enrolment, user = setup
    excuse = excuse_request_create(actor=user, enrolment=enrolment, slot=slots[1], reason="Traffic")
    excuse_decide(actor=hub_staff, excuse=excuse, approve=False, note="Not a reason")
    assert not AttendanceRecord.objects.filter(enrolment=enrolment).exists()
    client.force_login(user)
    page = client.get(reverse("portal_attendance")).content.decode()
    assert "Excuse refused." in page and "Not a reason" in page


def test_a_trainee_cannot_decide_nor_ask_for_someone_else(setup):
    session, slots, enrolment, user = setup
    excuse = excuse_request_create(actor=user, enrolment=enrolment, slot=slots[0], reason="Ill")
    with pytest.raises(PermissionDenied):
        excuse_decide(actor=user, excuse=excuse, approve=True)
    other = EnrolmentFactory(trainee=TraineeFactory(), session=session, status=EnrolmentStatus.CONFIRMED)
    with pytest.raises(PermissionDenied):
        excuse_request_create(actor=user, enrolment=other, slot=slots[0], reason="Ill")
    with pytest.raises(ValidationError):  # one waiting at a time
        excuse_request_create(actor=user, enrolment=enrolment, slot=slots[0], reason="Again")


def test_the_trainee_asks_from_the_attendance_page(setup, client):
    _session, slots, enrolment, user = setup
    client.force_login(user)
    url = reverse("portal_excuse_request", args=["slot", slots[2].pk])
    assert url.encode() in client.get(reverse("portal_attendance")).content
    response = client.post(url, {"reason": "Ill", "attachment": _upload("a.pdf", b"MZ" + b"\x00" * 50)})
    assert response.status_code == 200 and "not a PDF, PNG or JPEG" in response.content.decode()
    response = client.post(url, {"reason": "Ill", "attachment": _upload("a.pdf", PDF)})
    assert response.status_code == 302
    assert ExcuseRequest.objects.get().slot == slots[2]


def test_the_attendance_page_queries_stay_flat(setup, client, assert_flat_queries):
    session, slots, enrolment, user = setup
    client.force_login(user)
    page = reverse("portal_attendance")
    made = iter(slots)

    def grow():
        for _ in range(3):
            excuse_request_create(actor=user, enrolment=enrolment, slot=next(made), reason="Ill")

    grow()
    assert_flat_queries(lambda: client.get(page), grow, warm=True)


# --- The warning -----------------------------------------------------------------------------------


def test_the_warning_goes_once_to_trainee_and_coordinator_in_the_trainees_language(setup, coordinator):
    _session, slots, enrolment, user = setup
    # 10 slots, 80%: two absences may be missed; after the second, none is left.
    attendance_mark(actor=coordinator, statuses={enrolment.pk: AttendanceStatus.PRESENT}, slot=slots[0])
    attendance_mark(actor=coordinator, statuses={enrolment.pk: AttendanceStatus.ABSENT}, slot=slots[1])
    assert not OutboundEmail.objects.exists()
    attendance_mark(actor=coordinator, statuses={enrolment.pk: AttendanceStatus.ABSENT}, slot=slots[2])
    emails = list(OutboundEmail.objects.order_by("pk"))
    assert [e.to for e in emails] == [["awa@hub.test"], [coordinator.email]]
    assert all("BDM-2022-07" in e.subject for e in emails)
    enrolment.refresh_from_db()
    assert enrolment.at_risk_warned_at is not None
    assert enrolment.trainee.preferred_language == "fr"
    # More marks, absences or not: no second warning.
    attendance_mark(actor=coordinator, statuses={enrolment.pk: AttendanceStatus.ABSENT}, slot=slots[3])
    attendance_mark(actor=coordinator, statuses={enrolment.pk: AttendanceStatus.EXCUSED}, slot=slots[4])
    assert OutboundEmail.objects.count() == 2


def test_the_warning_is_written_in_the_trainees_language(setup, coordinator, monkeypatch):
    from django.utils import translation

    import cohorts.services as services

    _session, slots, enrolment, user = setup
    seen = []
    real = services.email_queue
    monkeypatch.setattr(services, "email_queue",
                        lambda **kwargs: seen.append(translation.get_language()) or real(**kwargs))
    for slot in slots[:2]:
        attendance_mark(actor=coordinator, statuses={enrolment.pk: AttendanceStatus.ABSENT}, slot=slot)
    assert seen == ["fr", "fr"]
