"""Recording background jobs, handing them to workers, and running them exactly once at a time."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hubportal import access
from hubportal.audit.services import audit_record, recorded_user

from . import registry
from .models import Job, JobStatus, stall_deadline


def _enqueue(job: Job) -> None:
    """Hand the job to a worker once the transaction that created it has committed."""
    from .tasks import run_job

    transaction.on_commit(lambda: run_job.delay(job.pk))


def job_create(*, actor, kind: str, session=None, total: int = 0, enqueue: bool = True, **params) -> Job:
    """Record a job and queue it for a worker (after commit); with enqueue=False the caller runs it.

    Raises KeyError for a kind no app registered. The services that start jobs (certificates_issue,
    the reports, the imports) check the policy for the work itself; this one only records it.
    """
    registry.kind(kind)
    job = Job.objects.create(kind=kind, session=session, total=total, params=params,
                             requested_by=recorded_user(actor))
    audit_record(actor=actor, action=f"job.{kind}", target=job, **params)
    if enqueue:
        _enqueue(job)
    return job


@transaction.atomic
def job_resume(*, actor, job: Job) -> Job:
    """Queue a stalled job again: its worker died, and the new run skips the work already done.

    Raises PermissionDenied unless the job is the actor's (hub staff: every one; a coordinator: their
    sessions'), ValidationError when the job is not stalled (it is queued, running, finished or failed).
    """
    access.require(actor, access.Action.RESUME, job)
    job = Job.objects.select_for_update().get(pk=job.pk)
    if not job.is_stalled:
        raise ValidationError(_("%(job)s is not stalled (it is “%(status)s”); only a stalled job can be resumed.")
                              % {"job": job, "status": job.get_status_display()})
    audit_record(actor=actor, action="job.resume", target=job, done=job.done, total=job.total)
    _enqueue(job)
    return job


@transaction.atomic
def job_delete(*, actor, job: Job) -> None:
    """Delete a job's record and the file it made, audited. Raises PermissionDenied unless the actor
    is hub staff, ValidationError while it is queued or running (a worker would look for it), unless
    it is stalled."""
    access.require(actor, access.Action.DELETE, job)
    if job.is_at_work:
        raise ValidationError(_("%(job)s is still at work; delete it once it is done or has failed.") % {"job": job})
    audit_record(actor=actor, action="job.delete", target=job, kind=job.kind, status=job.status,
                 session=job.session.code if job.session_id else "", result=job.result.name or "")
    if job.result:
        name, storage = job.result.name, job.result.storage
        transaction.on_commit(lambda: storage.delete(name))
    job.delete()


def job_claim(job_id: int) -> Job | None:
    """Mark the job as running in this worker, or None when it is done or another live worker has it.

    One UPDATE decides: PostgreSQL re-checks the condition on the row it locks, so of two workers
    claiming a stalled job at once (a resumed job and the broker's redelivery), exactly one wins.
    """
    now = timezone.now()
    claimable = Q(status__in=[JobStatus.QUEUED, JobStatus.FAILED]) | Q(
        status=JobStatus.RUNNING) & (Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=stall_deadline()))
    claimed = Job.objects.filter(claimable, pk=job_id).update(
        status=JobStatus.RUNNING, started_at=Coalesce(F("started_at"), now), heartbeat_at=now, error="")
    if not claimed:
        return None
    return Job.objects.select_related("session").get(pk=job_id)


def job_progress(job: Job, done: int, total: int | None = None) -> None:
    """Record how far the job got, which is also its worker's sign of life."""
    fields = {"done": done, "heartbeat_at": timezone.now()}
    if total is not None:
        fields["total"] = job.total = total
    Job.objects.filter(pk=job.pk).update(**fields)
    job.done = done


def job_finish(job: Job, *, result_name: str = "", outcome: dict | None = None) -> None:
    fields = {"status": JobStatus.DONE, "finished_at": timezone.now(), "done": F("total")}
    if result_name:
        fields["result"] = result_name
    if outcome is not None:
        fields["outcome"] = outcome
    Job.objects.filter(pk=job.pk).update(**fields)


def job_fail(job: Job, error: str, *, outcome: dict | None = None) -> None:
    fields = {"status": JobStatus.FAILED, "finished_at": timezone.now(), "error": error}
    if outcome is not None:
        fields["outcome"] = outcome
    Job.objects.filter(pk=job.pk).update(**fields)


class JobBusy(Exception):
    """Another worker showed a sign of life on this job within JOB_STALL_SECONDS: ask again later."""


def job_run(job_id: int) -> None:
    """Do a job's work, unless it is done already.

    Safe to run again on the same job (a task redelivered after its worker died, or resumed by
    staff): each kind skips the work already finished. Raises JobBusy while another worker is
    alive on it, and what the work raised, after recording it on the job in words.
    """
    job = job_claim(job_id)
    if job is None:
        if Job.objects.filter(pk=job_id).exclude(status=JobStatus.DONE).exists():
            raise JobBusy(job_id)
        return
    # Reports, certificates and emails are in the programme's working language, whichever language
    # is active where the job runs (--sync runs it in the caller's process).
    with translation.override(settings.LANGUAGE_CODE):
        try:
            registry.kind(job.kind).run(job)
        except Exception as error:
            job_fail(job, _("%(kind)s: %(error)s") % {"kind": type(error).__name__, "error": error})
            raise
