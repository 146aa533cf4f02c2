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


def audit_record_many(*, actor, action: str, targets: list[models.Model], **data) -> None:
    """One entry per target in a single INSERT, for bulk services."""
    if not targets:
        return
    target_type = ContentType.objects.get_for_model(targets[0])
    actor = actor if actor is not None and actor.is_authenticated else None
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=actor,
            action=action,
            target_type=target_type,
            target_id=str(t.pk),
            target_repr=str(t)[:255],
            data=data,
        )
        for t in targets
    )
