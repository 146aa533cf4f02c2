from urllib.parse import urlencode

from django import template
from django.urls import reverse

from hubportal import access
from hubportal.access import Action

from ..models import AuditEntry

register = template.Library()


@register.simple_tag
def audit_trail_url(user, subject: str, record) -> str:
    """The audit log filtered to this trainee or session ("trainee", "session"), for those who may
    read it (hub staff); "" for anyone else."""
    if not (access.can(user, Action.VIEW, AuditEntry) and user.has_perm("audit.view_auditentry")):
        return ""
    return reverse("admin:audit_auditentry_changelist") + "?" + urlencode({subject: record.pk})
