from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEntry


def audit_record(*, actor, action: str, target: models.Model, **data) -> AuditEntry:
    """Write one audit entry. Call it inside the service's transaction so both land or neither."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=ContentType.objects.get_for_model(target),
        target_id=str(target.pk),
        target_repr=str(target)[:255],
        data=data,
    )

