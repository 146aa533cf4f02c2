import os

from celery.exceptions import TimeoutError as CeleryTimeout
from django.contrib.admin.views.decorators import staff_member_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from .tasks import health_check


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
