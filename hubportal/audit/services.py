from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from .models import AuditEntry

M = TypeVar("M", bound=models.Model)


def recorded_user(actor):
    """The user to record as having acted: None for the system (a command, a job) or an anonymous request."""
    return actor if actor is not None and actor.is_authenticated else None


def audit_subjects(target: models.Model | None) -> dict:
    """The trainee and the course session a record concerns, by id, as its model tells through an
    `audit_subjects()` method ({"trainee": id, "session": id}, either may be missing); {} otherwise."""
    subjects = getattr(target, "audit_subjects", None)
    return subjects() if subjects is not None else {}


def audit_record(*, actor, action: str, target: models.Model | None, **data) -> AuditEntry:
    """Write one audit entry. Call it inside the service's transaction so both land or neither.

    `target` is None for a write across many records (an import); `data` then says what it did.
    """
    subjects = audit_subjects(target)
    return AuditEntry.objects.create(
        actor=recorded_user(actor),
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:255] if target is not None else "",
        trainee_id=subjects.get("trainee"),
        session_id=subjects.get("session"),
        data=data,
    )


def audit_scrub(*, entries: models.QuerySet, scrub: Callable[[Any], Any]) -> int:
    """Take a person's data out of these entries, keeping who did what when: the record's name and
    the details go through `scrub` (hubportal.privacy.Erasure.scrub: their name and email become
    placeholders, the values of their personal fields are erased). Returns how many changed."""
    changed = []
    for entry in entries.only("pk", "target_repr", "data").iterator(chunk_size=500):
        target_repr, data = scrub(entry.target_repr), scrub(entry.data)
        if (target_repr, data) != (entry.target_repr, entry.data):
            entry.target_repr, entry.data = target_repr, data
            changed.append(entry)
    AuditEntry.objects.bulk_update(changed, ["target_repr", "data"], batch_size=500)
    return len(changed)



# --- Plain records: create, change and delete with the entry that says what changed ---------------


def audit_value(value):
    """A field's value as an audit entry keeps it: JSON's own types as they are, a record by its
    name, several records as a sorted list of names, anything else (dates, amounts, codes) as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, models.QuerySet | list | tuple | set | frozenset):
        return sorted(str(item) for item in value)
    return str(value)


def record_values(instance: models.Model) -> dict:
    """The record's fields (not its id) as an audit entry keeps them."""
    return {field.name: audit_value(getattr(instance, field.name))
            for field in instance._meta.concrete_fields if not field.primary_key}


@transaction.atomic
def model_create(*, actor, instance: M, action: str) -> M:
    """Validate and save a new record, and audit it with its values.

    Raises ValidationError for what full_clean() refuses (a missing field, a broken constraint).
    """
    instance.full_clean()
    instance.save()
    audit_record(actor=actor, action=action, target=instance, values=record_values(instance))
    return instance


@transaction.atomic
def model_update(*, actor, instance: M, changes: Mapping[str, Any], action: str, updatable: Collection[str]) -> M:
    """Apply `changes` to the record (given as it is stored), validate and save the fields that
    differ, and audit them as {field: [old, new]}. Nothing is written when nothing differs.

    Raises TypeError for a field outside `updatable` (a status moves by its own service), and
    ValidationError for what full_clean() refuses.
    """
    unknown = set(changes) - set(updatable)
    if unknown:
        raise TypeError(f"Fields that cannot be changed here: {', '.join(sorted(unknown))}")
    changed = {}
    for field, value in changes.items():
        old = getattr(instance, field)
        if old != value:
            changed[field] = [audit_value(old), audit_value(value)]
            setattr(instance, field, value)
    if not changed:
        return instance
    instance.full_clean()
    stamped = [f.name for f in instance._meta.concrete_fields if getattr(f, "auto_now", False)]
    instance.save(update_fields=[*changed, *stamped])
    audit_record(actor=actor, action=action, target=instance, changes=changed)
    return instance


@transaction.atomic
def model_delete(*, actor, instance: models.Model, action: str) -> None:
    """Delete a record, auditing its values and how many records went with it, by model.

    Raises ProtectedError (changing nothing) when other records still point at it.
    """
    entry = audit_record(actor=actor, action=action, target=instance, values=record_values(instance))
    _total, by_model = instance.delete()
    entry.data["deleted"] = {label: count for label, count in by_model.items() if count}
    entry.save(update_fields=["data"])
