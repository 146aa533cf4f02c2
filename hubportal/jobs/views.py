from django.contrib.admin.views.decorators import staff_member_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache

from hubportal import access

from .models import Job


def _visible_job(request, pk: int) -> Job:
    """The job, if the access policy lets this user see it (hub staff: every job; a coordinator:
    their sessions' jobs); 404 otherwise."""
    return get_object_or_404(access.visible(request.user, Job.objects.all()), pk=pk)


@staff_member_required
@never_cache
def job_status(request, pk: int):
    """A job's progress, for the admin's progress bar."""
    job = _visible_job(request, pk)
    return JsonResponse({"status": job.status, "status_display": job.state_label, "done": job.done,
                         "total": job.total, "percent": job.percent, "error": job.error,
                         "stalled": job.is_stalled, "has_result": bool(job.result)})


@staff_member_required
@never_cache
def job_result(request, pk: int):
    job = _visible_job(request, pk)
    if not job.result:
        raise Http404
    return FileResponse(job.result.open("rb"), as_attachment=True, filename=job.result.name.rsplit("/", 1)[-1])
