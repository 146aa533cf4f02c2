from django.core.management.base import CommandError

from cohorts.models import CourseSession


def session_by_code(code: str) -> CourseSession:
    try:
        return CourseSession.objects.get(code=code)
    except CourseSession.DoesNotExist:
        codes = ", ".join(CourseSession.objects.order_by("-start_date").values_list("code", flat=True)[:10])
        raise CommandError(f"No session has the code {code!r} (sessions: {codes or 'none yet'}).",
                           returncode=2) from None
