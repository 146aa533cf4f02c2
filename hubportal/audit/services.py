from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEntry


def recorded_user(actor):
    """The user to record as having acted: None for the system (a command, a job) or an anonymous request."""
    return actor if actor is not None and actor.is_authenticated else None


def audit_record(*, actor, action: str, target: models.Model | None, **data) -> AuditEntry:
    """Write one audit entry. Call it inside the service's transaction so both land or neither.

    `target` is None for a write across many records (an import); `data` then says what it did.
    """
    return AuditEntry.objects.create(
        actor=recorded_user(actor),
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:255] if target is not None else "",
        data=data,
    )

