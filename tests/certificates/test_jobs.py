"""Jobs run in the calling process: certificates, their emails, re-rendering, the ZIP, the command."""

import datetime as dt
import io
import zipfile

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from certificates.models import Certificate, JobKind
from hubportal.jobs.models import Job, JobStatus
from certificates.services import certificates_issue, certificates_rerender
from hubportal.jobs.services import JobBusy, job_create, job_run
from hubportal.outbox.models import EmailStatus, OutboundEmail
from hubportal.outbox.tasks import send_email

from .factories import ended_session, enrolment_attending

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(hub_staff, django_capture_on_commit_callbacks):
    session, slots = ended_session(code="BDM-2022-07")
    for name in ("Min-jun", "Ama", "Lan"):
        enrolment_attending(session, slots, 10, given_name=name)
    with django_capture_on_commit_callbacks(execute=False):
        job = certificates_issue(actor=hub_staff, session=session)
    return session, job


def send_queued_email():
    """Do what the outbox's worker does with the emails a job queued: in a test their tasks wait for
    a commit that never comes (tests/certificates/test_worker_jobs.py has a real worker send them)."""
    for email_id in OutboundEmail.objects.filter(status=EmailStatus.QUEUED).values_list("pk", flat=True):
        send_email(email_id)


def test_a_certificate_job_renders_each_pdf_and_emails_its_holder_once(issued):
    session, job = issued
    job_run(job.pk)
    assert mail.outbox == []  # queued by the job, sent by the outbox's worker
    send_queued_email()

    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (JobStatus.DONE, 3, 3)
    for certificate in Certificate.objects.all():
        with certificate.pdf.open("rb") as pdf:
            assert pdf.read(5) == b"%PDF-"
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        Certificate.objects.values_list("enrolment__trainee__email", flat=True))
    first = mail.outbox[0]
    certificate = Certificate.objects.get(enrolment__trainee__email=first.to[0])
    assert f"/certificates/{certificate.verification_code}/download/" in first.body
    assert f"/verify/{certificate.verification_code}/" in first.body

    job_run(job.pk)  # delivered again: nothing more happens
    send_queued_email()
    assert len(mail.outbox) == 3


def _worker_died(job, settings):
    """As if the job's worker was killed mid-way: running, its last sign of life long ago."""
    long_ago = timezone.now() - dt.timedelta(seconds=settings.JOB_STALL_SECONDS + 1)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, heartbeat_at=long_ago)


def test_a_job_run_twice_renders_each_certificate_once(issued, settings):
    _session, job = issued
    _worker_died(job, settings)
    job.refresh_from_db()
    assert job.is_stalled
    job_run(job.pk)
    names = set(Certificate.objects.values_list("pdf", flat=True))
    _worker_died(job, settings)
    job_run(job.pk)
    assert set(Certificate.objects.values_list("pdf", flat=True)) == names
    send_queued_email()
    assert len(mail.outbox) == 3


def test_a_second_delivery_leaves_a_job_to_the_worker_that_is_alive_on_it(issued):
    _session, job = issued
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, heartbeat_at=timezone.now())
    with pytest.raises(JobBusy):
        job_run(job.pk)
    assert not Certificate.objects.exclude(pdf="").exists() and not OutboundEmail.objects.exists()
    job.refresh_from_db()
    assert not job.is_stalled


def test_a_file_left_by_a_killed_run_is_replaced_not_kept_beside(issued, settings):
    _session, job = issued
    first = Certificate.objects.order_by("serial").first()
    left_over = settings.MEDIA_ROOT / "certificates" / f"{first.serial}.pdf"
    left_over.parent.mkdir(parents=True, exist_ok=True)
    left_over.write_bytes(b"%PDF-1.7 cut short")  # written, then the worker died before the row
    job_run(job.pk)
    first.refresh_from_db()
    assert first.pdf.name == f"certificates/{first.serial}.pdf"
    assert left_over.read_bytes().startswith(b"%PDF-") and left_over.read_bytes().rstrip().endswith(b"%%EOF")
    assert len(list(left_over.parent.iterdir())) == 3


def test_rerendering_keeps_serial_and_code_and_sends_no_email(issued, hub_staff, django_capture_on_commit_callbacks):
    _session, job = issued
    job_run(job.pk)
    before = list(Certificate.objects.order_by("pk").values_list("serial", "verification_code"))
    with django_capture_on_commit_callbacks(execute=False):
        again = certificates_rerender(actor=hub_staff, certificates=Certificate.objects.all())
    job_run(again.pk)
    send_queued_email()
    assert list(Certificate.objects.order_by("pk").values_list("serial", "verification_code")) == before
    assert Certificate.objects.filter(rendered_at__isnull=True).count() == 0
    assert len(mail.outbox) == 3


def test_a_session_zip_holds_every_valid_certificate(issued, hub_staff, django_capture_on_commit_callbacks):
    session, job = issued
    job_run(job.pk)
    with django_capture_on_commit_callbacks(execute=False):
        zipped = job_create(actor=hub_staff, kind=JobKind.CERTIFICATE_ZIP, session=session)
    job_run(zipped.pk)
    zipped.refresh_from_db()
    assert zipped.status == JobStatus.DONE
    with zipped.result.open("rb") as data, zipfile.ZipFile(io.BytesIO(data.read())) as archive:
        assert sorted(archive.namelist()) == sorted(f"{s}.pdf" for s in Certificate.objects.values_list("serial", flat=True))
        assert all(archive.read(name).startswith(b"%PDF-") for name in archive.namelist())


def test_a_failing_job_says_what_went_wrong(issued, monkeypatch):
    _session, job = issued

    def broken(certificates):
        raise RuntimeError("the printer is on fire")

    monkeypatch.setattr("certificates.rendering.render_certificates", broken)
    with pytest.raises(RuntimeError):
        job_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.error) == (JobStatus.FAILED, "RuntimeError: the printer is on fire")


def test_issue_certificates_sync_renders_in_the_calling_process(capsys):
    session, slots = ended_session(code="GXP-2022-10")
    enrolment_attending(session, slots, 10)
    call_command("issue_certificates", "GXP-2022-10", "--sync")
    assert capsys.readouterr().out.strip().splitlines()[-1] == "Issued 1 certificate(s) of GXP-2022-10."
    assert Certificate.objects.get().pdf

