"""The three roles of the hub as Django groups, with the permissions each one holds."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction


class Role:
    HUB_STAFF = "Hub staff"
    COORDINATORS = "Coordinators"
    TRAINEES = "Trainees"


# (app_label, model) -> actions. Hub staff run the programme; coordinators only bring people in.
_HUB_STAFF_MODELS = {
    "trainees": ["country", "organisation", "trainee"],
    "curriculum": ["course", "module", "facultymember"],
    "cohorts": ["coursesession", "timetableslot", "enrolment", "facilityvisit", "attendancerecord", "announcement",
                "excuserequest", "visitwaitlistentry"],
    "certificates": ["certificate"],
    "jobs": ["job"],
    "outbox": ["outboundemail"],
}
# Model permissions of the coordinators' role; hubportal.access narrows them to their own sessions.
_COORDINATOR_PERMISSIONS = {
    ("trainees", "trainee"): ["view", "add", "change"],  # add: the import (django-import-export asks for it)
    ("cohorts", "coursesession"): ["view"],
    ("cohorts", "timetableslot"): ["view", "add", "change"],
    ("cohorts", "facilityvisit"): ["view", "add", "change"],
    ("cohorts", "announcement"): ["view", "add", "change"],
    ("cohorts", "enrolment"): ["view", "add", "change"],
    ("cohorts", "attendancerecord"): ["view", "add", "change"],
    ("cohorts", "excuserequest"): ["view", "change"],
    ("cohorts", "visitwaitlistentry"): ["view"],
    ("certificates", "certificate"): ["view"],
    ("jobs", "job"): ["view"],
}


def _permissions(spec: dict[tuple[str, str], list[str]]) -> list[Permission]:
    wanted = {(app, f"{action}_{model}") for (app, model), actions in spec.items() for action in actions}
    found = [
        p
        for p in Permission.objects.select_related("content_type").filter(
            codename__in={codename for _, codename in wanted}
        )
        if (p.content_type.app_label, p.codename) in wanted
    ]
    missing = wanted - {(p.content_type.app_label, p.codename) for p in found}
    if missing:
        raise LookupError(f"Permissions missing (run migrate first): {sorted(missing)}")
    return found


@transaction.atomic
def roles_sync() -> dict[str, Group]:
    """Create or update the role groups so that each holds exactly its permissions.

    Raises LookupError when the permissions do not exist yet (migrations not applied).
    """
    staff_spec = {
        (app, model): ["view", "add", "change", "delete"]
        for app, models in _HUB_STAFF_MODELS.items()
        for model in models
    }
    staff_spec[("users", "user")] = ["view"]
    staff_spec[("audit", "auditentry")] = ["view"]  # the audit trail, read only
    staff_spec[("trainees", "incomeclassification")] = ["view"]
    groups = {}
    for name, spec in (
        (Role.HUB_STAFF, staff_spec),
        (Role.COORDINATORS, _COORDINATOR_PERMISSIONS),
        (Role.TRAINEES, {}),
    ):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(_permissions(spec))
        groups[name] = group
    return groups
