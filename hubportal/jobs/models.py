from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import registry


def stall_deadline():
    """A running job whose last sign of life is older than this has lost its worker."""
    return timezone.now() - timedelta(seconds=settings.JOB_STALL_SECONDS)


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """A piece of background work someone asked for, which they can follow and collect.

    A worker that runs it beats `heartbeat_at` as it goes; a running job whose heartbeat is older
    than JOB_STALL_SECONDS lost its worker, and may be claimed again (see services.job_run).
    """

    kind = models.CharField(_("what"), max_length=32)
    # Jobs about one session (certificates, its reports, an import into it); a string reference, so
    # that this shared app imports no app.
    session = models.ForeignKey(
        "cohorts.CourseSession", verbose_name=_("session"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="+",
    )
    params = models.JSONField(_("options"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    total = models.PositiveIntegerField(_("of"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    error = models.TextField(_("what went wrong"), blank=True)
    result = models.FileField(_("file"), upload_to="jobs/", blank=True)
    # What the job found or did, for its page (an import's counts and problems).
    outcome = models.JSONField(_("outcome"), default=dict, blank=True)
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(done__lte=models.F("total")), name="job_done_within_total"),
        ]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self):
        where = f" {self.session.code}" if self.session_id else ""
        return f"{self.kind_label}{where} #{self.pk}"

    def audit_subjects(self) -> dict:
        return {"session": self.session_id}

    @property
    def kind_label(self) -> str:
        try:
            return str(registry.kind(self.kind).label)
        except KeyError:
            return self.kind

    @property
    def percent(self) -> int:
        return 100 if self.status == JobStatus.DONE else (100 * self.done // self.total if self.total else 0)

    @property
    def is_stalled(self) -> bool:
        """Running, yet no worker has shown a sign of life for JOB_STALL_SECONDS: its worker died."""
        return self.status == JobStatus.RUNNING and (self.heartbeat_at is None or self.heartbeat_at < stall_deadline())

    @property
    def is_at_work(self) -> bool:
        """Queued, or running with a live worker: not to be deleted from under it."""
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING) and not self.is_stalled

    @property
    def state_label(self) -> str:
        return str(_("Stalled")) if self.is_stalled else self.get_status_display()
