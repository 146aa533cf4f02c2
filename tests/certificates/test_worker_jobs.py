"""A real worker process on Redis renders a session's certificates, and survives being killed."""

import time

import pytest

from certificates.models import Certificate
from certificates.services import certificates_issue
from hubportal.audit.models import AuditEntry
from hubportal.celery import app as celery_app
from hubportal.jobs.models import Job, JobStatus
from hubportal.outbox.models import EmailStatus, OutboundEmail

from ..hubportal.conftest import running_worker
from .factories import ended_session, enrolment_attending

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (value := predicate()):
            return value
        time.sleep(0.2)
    pytest.fail(f"{what} did not happen within {timeout} s")


def cohort(size: int, hub_staff):
    session, slots = ended_session(code="BDM-2022-07")
    for _ in range(size):
        enrolment_attending(session, slots, 10)
    return session


def assert_rendered_once_each(job: Job, media_root):
    certificates = list(Certificate.objects.filter(pk__in=job.params["certificates"]))
    assert len(certificates) == job.total
    assert Certificate.objects.count() == job.total  # none issued twice
    for certificate in certificates:
        assert certificate.rendered_at is not None and certificate.pdf.name
        data = (media_root / certificate.pdf.name).read_bytes()
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")  # whole, not cut short
    # One file a certificate: none left beside it by a run that was killed between file and row.
    assert sorted(p.name for p in (media_root / "certificates").iterdir()) == sorted(
        f"{c.serial}.pdf" for c in certificates)
    recipients = [email.to[0] for email in OutboundEmail.objects.all()]
    assert len(recipients) == len(set(recipients))  # no trainee emailed twice


def test_a_worker_renders_a_whole_session_while_the_job_reports_progress(hub_staff, test_database_url, tmp_path):
    celery_app.control.purge()
    with running_worker(test_database_url, tmp_path) as (worker, _process):
        session = cohort(30, hub_staff)
        job = certificates_issue(actor=hub_staff, session=session)  # enqueued once committed
        seen = set()

        def finished():
            job.refresh_from_db()
            seen.add(job.done)
            return job.status in (JobStatus.DONE, JobStatus.FAILED)

        wait_for(finished, 120, "the batch")
        assert job.status == JobStatus.DONE, job.error
        # The worker sends the emails the job queued, through the outbox.
        wait_for(lambda: OutboundEmail.objects.filter(status=EmailStatus.SENT).count() == 30, 60, "the emails")
    assert (job.done, job.total) == (30, 30)
    assert len(seen) > 1  # progress moved while the job ran
    assert_rendered_once_each(job, worker.media_root)
    assert sorted(email.to[0] for email in OutboundEmail.objects.all()) == sorted(
        Certificate.objects.values_list("enrolment__trainee__email", flat=True))


def test_a_killed_worker_leaves_the_batch_to_a_restarted_one_without_duplicates(
        hub_staff, test_database_url, tmp_path):
    celery_app.control.purge()
    # Redis hands an unacknowledged task to another worker after the visibility timeout; that worker
    # takes the job over once the dead one's last sign of life is JOB_STALL_SECONDS old.
    quick = {"CELERY_VISIBILITY_TIMEOUT": "3", "JOB_STALL_SECONDS": "4"}
    session = cohort(80, hub_staff)
    with running_worker(test_database_url, tmp_path, extra_env=quick) as (_worker, process):
        job = certificates_issue(actor=hub_staff, session=session)

        def partly_done():
            job.refresh_from_db()
            return 0 < job.done < job.total

        wait_for(partly_done, 120, "the first certificates")
        process.kill()  # SIGKILL: no chance to acknowledge, requeue or clean up
        process.wait()
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.done < job.total

    with running_worker(test_database_url, tmp_path, extra_env=quick) as (worker, _process):
        def finished():
            job.refresh_from_db()
            return job.status == JobStatus.DONE

        wait_for(finished, 120, "the restarted batch")
    assert_rendered_once_each(job, worker.media_root)


def test_staff_see_a_job_whose_worker_died_as_stalled_and_resume_it(admin_client, hub_staff, test_database_url,
                                                                      tmp_path, settings):
    """Without waiting for the broker: the task stays unacknowledged for the whole visibility timeout."""
    celery_app.control.purge()
    slow_broker = {"CELERY_VISIBILITY_TIMEOUT": "600", "JOB_STALL_SECONDS": "3"}
    settings.JOB_STALL_SECONDS = 3
    session = cohort(60, hub_staff)
    with running_worker(test_database_url, tmp_path, extra_env=slow_broker) as (_worker, process):
        job = certificates_issue(actor=hub_staff, session=session)
        job.requested_by = None  # shown to the superuser of admin_client, who sees every job

        def partly_done():
            job.refresh_from_db()
            return 0 < job.done < job.total

        wait_for(partly_done, 120, "the first certificates")
        process.kill()
        process.wait()
    time.sleep(3.5)
    page = admin_client.get(f"/admin/jobs/job/?id__exact={job.pk}").content.decode()
    assert "Stalled" in page
    assert admin_client.get(f"/jobs/{job.pk}/status/").json()["stalled"] is True

    with running_worker(test_database_url, tmp_path, extra_env=slow_broker) as (worker, _process):
        response = admin_client.post("/admin/jobs/job/", {"action": "resume", "_selected_action": [job.pk]},
                                     follow=True)
        assert "1 job queued again." in [str(m) for m in response.context["messages"]]

        def finished():
            job.refresh_from_db()
            return job.status == JobStatus.DONE

        wait_for(finished, 120, "the resumed batch")
    assert_rendered_once_each(job, worker.media_root)
    assert AuditEntry.objects.filter(action="job.resume", target_id=str(job.pk)).count() == 1
