import os

from celery.exceptions import TimeoutError as CeleryTimeout
from django.contrib.admin.views.decorators import staff_member_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .health import OK, readiness_report
from .tasks import health_check


@never_cache
@require_safe
def healthz(request):
    """Liveness: the process answers. Nothing else is touched, so that an outage of the database does
    not get every web process restarted by its orchestrator."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request):
    """Readiness: 200 when the database, cache, broker and storage answer and every migration is
    applied; 503 naming the failed checks otherwise. The worker's last sign of life is reported only."""
    report = readiness_report()
    return JsonResponse(report, status=200 if report["status"] == OK else 503)


@never_cache
def health(request):
    """Liveness for load balancers: the process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@never_cache
@staff_member_required
def worker_health(request):
    """Round trip through the broker: proves a worker process is consuming tasks."""
    result = health_check.delay()
    try:
        answer = result.get(timeout=10)
    except CeleryTimeout:
        return JsonResponse({"status": "no worker answered within 10 s"}, status=503)
    return JsonResponse({"status": "ok", "worker": answer, "web_pid": os.getpid()})
