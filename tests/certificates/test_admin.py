"""Hub staff's certificate work in the admin: issue, see who is eligible, revoke, follow jobs."""

import pytest

from certificates.models import Certificate, CertificateStatus, JobKind
from hubportal.jobs.models import Job
from certificates.services import certificates_issue

from ..conftest import _user
from .factories import ended_session, enrolment_attending

pytestmark = pytest.mark.django_db


@pytest.fixture
def july():
    session, slots = ended_session(code="BDM-2022-07")
    good = [enrolment_attending(session, slots, 10) for _ in range(2)]
    short = enrolment_attending(session, slots, 5)
    return session, good, short


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_issuing_from_the_session_list_creates_certificates_and_shows_the_job(
        staff_client, july, django_capture_on_commit_callbacks):
    session, good, short = july
    with django_capture_on_commit_callbacks(execute=False):
        response = staff_client.post("/admin/cohorts/coursesession/",
                                     {"action": "issue_certificates", "_selected_action": [session.pk]}, follow=True)
    job = Job.objects.get()
    assert (job.kind, job.total) == (JobKind.CERTIFICATES, 2)
    assert any("is queued" in m for m in messages_of(response))
    assert f'data-status-url="/jobs/{job.pk}/status/"' in response.content.decode()
    assert set(Certificate.objects.values_list("enrolment", flat=True)) == {e.pk for e in good}


def test_the_enrolment_list_says_who_is_eligible_and_why_not(staff_client, july):
    session, _good, short = july
    page = staff_client.get(f"/admin/cohorts/enrolment/?session__id__exact={session.pk}").content.decode()
    assert "eligible: attendance 100% reaches 80%" in page
    assert "not eligible: attendance 50% is below 80%" in page


def test_revoking_asks_for_a_reason_then_revokes(staff_client, july, hub_staff, django_capture_on_commit_callbacks):
    session, _good, _short = july
    with django_capture_on_commit_callbacks(execute=False):
        certificates_issue(actor=hub_staff, session=session)
    certificate = Certificate.objects.first()
    url = "/admin/certificates/certificate/"

    ask = staff_client.post(url, {"action": "revoke", "_selected_action": [certificate.pk]})
    assert "Revoke this certificate?" in ask.content.decode()
    done = staff_client.post(url, {"action": "revoke", "_selected_action": [certificate.pk],
                                   "reason": "Attendance sheet was wrong"}, follow=True)
    assert "1 certificate revoked." in messages_of(done)
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED


def test_job_progress_is_for_hub_staff_and_the_sessions_coordinator_only(client, staff_client, july, hub_staff, role_groups,
                                                                 django_capture_on_commit_callbacks):
    session, _good, _short = july
    with django_capture_on_commit_callbacks(execute=False):
        job = certificates_issue(actor=hub_staff, session=session)
    status = staff_client.get(f"/jobs/{job.pk}/status/").json()
    assert status == {"status": "queued", "status_display": "Queued", "done": 0, "total": 2, "percent": 0,
                      "error": "", "stalled": False, "has_result": False}

    # Hub staff follow every job, whoever asked for it (one access policy for the whole hub).
    other = _user("other-staff@hub.test", groups=[role_groups["Hub staff"]], is_staff=True)
    client.force_login(other)
    assert f"/jobs/{job.pk}/status/" in client.get("/admin/jobs/job/").content.decode()
    # A coordinator of another session does not learn the job exists.
    elsewhere = _user("elsewhere@hub.test", groups=[role_groups["Coordinators"]], is_staff=True)
    client.force_login(elsewhere)
    assert f"/jobs/{job.pk}/status/" not in client.get("/admin/jobs/job/").content.decode()
    assert client.get(f"/jobs/{job.pk}/status/").status_code == 404
    client.force_login(_user("someone@hub.test"))
    assert client.get(f"/jobs/{job.pk}/status/").status_code == 302  # to the admin login


def test_coordinators_see_the_certificates_of_their_sessions_only(client, coordinator, july, hub_staff,
                                                                  django_capture_on_commit_callbacks):
    from hubportal.users.models import SessionAssignment

    session, _good, _short = july
    other, slots = ended_session(code="GXP-2022-10")
    enrolment_attending(other, slots, 10)
    with django_capture_on_commit_callbacks(execute=False):
        certificates_issue(actor=hub_staff, session=session)
        certificates_issue(actor=hub_staff, session=other)
    SessionAssignment.objects.create(user=coordinator, session=other)
    client.force_login(coordinator)
    page = client.get("/admin/certificates/certificate/").content.decode()
    theirs = Certificate.objects.get(enrolment__session=other)
    elsewhere = Certificate.objects.filter(enrolment__session=session).first()
    assert theirs.serial in page and elsewhere.serial not in page
    assert client.get(f"/admin/certificates/certificate/{theirs.pk}/change/").status_code == 200
    assert client.get(f"/admin/certificates/certificate/{elsewhere.pk}/change/").status_code == 404
    # Nor the report by country across every session.
    assert "Report by country, all sessions:" not in client.get("/admin/jobs/job/").content.decode()
    assert client.post("/admin/jobs/job/country-report/", {"format": "csv"}).status_code == 403

