"""Who may see and do what: the hub's one access policy.

Every selector narrows its rows with `visible(actor, queryset)`, every service asks
`can(actor, action, obj)` before it writes, and the admin, the portal's views, the importers, the
commands and the tasks all go through those, so a rule changed here holds everywhere.

The actors:
- None: the system (a management command, a task, the demo seed): everything.
- A superuser, or a member of the hub staff group (MOHW / IVI): everything.
- A coordinator: the course sessions assigned to them (users.SessionAssignment) and what belongs to
  those sessions: their enrolments, timetable, facility visits, attendance, the trainees enrolled in
  them, their certificates and jobs. Never users, audit entries, the countries table or the curriculum.
- Anyone else signed in (a trainee): their own records, read only; the fields of their profile they
  correct themselves, and the file of their personal data.
- Anonymous: nothing.

Models are named by label, so that this shared module imports no app.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet

from hubportal.users.roles import Role


class Action:
    VIEW = "view"
    ADD = "add"
    CHANGE = "change"
    DELETE = "delete"
    IMPORT = "import"  # bring rows in from a file
    EXPORT = "export"
    REPORT = "report"  # attendance reports, certificate ZIPs
    REPORT_ALL_SESSIONS = "report_all_sessions"  # the report by country across every session: hub staff
    ISSUE = "issue"  # issue certificates
    REVOKE = "revoke"  # revoke certificates
    RESUME = "resume"  # resume a stalled job
    EXPORT_PERSONAL_DATA = "export_personal_data"  # everything the portal holds about one trainee, as a file
    ANONYMISE = "anonymise"  # erase a trainee's personal data, keeping what the statistics need
    EDIT_PROFILE = "edit_profile"  # the fields a trainee corrects themselves (preferred name, phone, ...)
    CHECK_IN = "check_in"  # a trainee marks themselves present at a slot, by its QR code
    REQUEST_EXCUSE = "request_excuse"  # a trainee asks for an absence to be excused
    VISIT_SIGN_UP = "visit_sign_up"  # a trainee signs up for (or cancels) a facility visit of their session


# How a row of each model belongs to a course session. A coordinator sees a row when it belongs to
# one of their sessions; a row of a model missing here is theirs to see never.
SESSION_PATHS = {
    "cohorts.coursesession": "pk",
    "cohorts.enrolment": "session",
    "cohorts.enrolmentstatuschange": "enrolment__session",
    "cohorts.attendancerecord": "enrolment__session",
    "cohorts.timetableslot": "session",
    "cohorts.facilityvisit": "session",
    "cohorts.announcement": "session",
    "cohorts.excuserequest": "enrolment__session",
    "cohorts.visitwaitlistentry": "visit__session",
    "trainees.trainee": "enrolments__session",
    "certificates.certificate": "enrolment__session",
    "jobs.job": "session",
    "users.sessionassignment": "session",
}

# What a coordinator may do with the rows of their sessions, by model: the writes they make today in
# the admin and the imports, which the services check with `require` (a row) and `require_session`
# (a new row of a session, an import into it):
# - enrolments: nominate (add, import), move along their path and correct who nominated (change);
# - attendance: mark it (add, change, import); timetable slots and facility visits: add them to their
#   session, change them, set a visit's participants (change);
# - trainees: change those enrolled in their sessions, import a file into their session;
# - jobs: resume a stalled job of their session.
# Never a delete, never a session's own record or status, never reference data (countries,
# organisations, the curriculum), users, certificates' revocation or emails. The organisations a
# trainee file names are created by that import (trainees_upsert_many, checked as an import into
# the coordinator's session), not by the organisation services, which stay hub staff's.
_COORDINATOR_ACTIONS = {
    "cohorts.coursesession": {Action.VIEW, Action.EXPORT, Action.REPORT, Action.ISSUE},
    "cohorts.enrolment": {Action.VIEW, Action.ADD, Action.CHANGE, Action.IMPORT, Action.EXPORT, Action.ISSUE},
    "cohorts.enrolmentstatuschange": {Action.VIEW},
    "cohorts.attendancerecord": {Action.VIEW, Action.ADD, Action.CHANGE, Action.IMPORT, Action.EXPORT},
    "cohorts.timetableslot": {Action.VIEW, Action.ADD, Action.CHANGE},
    "cohorts.facilityvisit": {Action.VIEW, Action.ADD, Action.CHANGE},
    "cohorts.announcement": {Action.VIEW, Action.ADD, Action.CHANGE},
    # Excuses: read them (and their files) and decide them (change); waiting lists: manage them.
    "cohorts.excuserequest": {Action.VIEW, Action.CHANGE},
    "cohorts.visitwaitlistentry": {Action.VIEW, Action.ADD, Action.CHANGE},
    "trainees.trainee": {Action.VIEW, Action.CHANGE, Action.IMPORT, Action.EXPORT, Action.EDIT_PROFILE},
    "certificates.certificate": {Action.VIEW},
    "jobs.job": {Action.VIEW, Action.RESUME},
    "users.sessionassignment": {Action.VIEW},
}

# What a trainee may do with their own rows besides reading them: take the file of their personal data;
# check in, by the QR code shown in the room, to a slot of a session they are enrolled in; ask for an
# absence of theirs to be excused; sign up for a facility visit of their session, or cancel.
_OWNER_ACTIONS = {
    "trainees.trainee": {Action.EXPORT_PERSONAL_DATA, Action.EDIT_PROFILE},
    "cohorts.enrolment": {Action.CHECK_IN, Action.REQUEST_EXCUSE, Action.VISIT_SIGN_UP},
}

# How a row belongs to a trainee, for the trainee's own pages (read only).
OWNER_PATHS = {
    "trainees.trainee": "user",
    "cohorts.enrolment": "trainee__user",
    "cohorts.attendancerecord": "enrolment__trainee__user",
    "cohorts.coursesession": "enrolments__trainee__user",
    "cohorts.timetableslot": "session__enrolments__trainee__user",
    "cohorts.facilityvisit": "participants__trainee__user",
    "cohorts.excuserequest": "enrolment__trainee__user",
    "cohorts.visitwaitlistentry": "enrolment__trainee__user",
    "certificates.certificate": "enrolment__trainee__user",
}


@dataclass(frozen=True)
class Scope:
    """What one actor may see: everything, the rows of some sessions, or their own rows."""

    everything: bool = False
    session_ids: frozenset[int] = frozenset()
    owner_id: int | None = None  # a trainee's user id

    @property
    def is_coordinator(self) -> bool:
        return not self.everything and self.owner_id is None and bool(self.session_ids)


NOTHING = Scope()
EVERYTHING = Scope(everything=True)


def _group_names(user) -> set[str]:
    cached = getattr(user, "_hub_group_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._hub_group_names = cached
    return cached


def is_hub_staff(actor) -> bool:
    """The system, a superuser or a member of the hub staff: the whole hub is theirs."""
    if actor is None:
        return True
    if not actor.is_authenticated or not actor.is_active:
        return False
    return actor.is_superuser or Role.HUB_STAFF in _group_names(actor)


def is_coordinator(actor) -> bool:
    return (actor is not None and actor.is_authenticated and actor.is_active and actor.is_staff
            and Role.COORDINATORS in _group_names(actor))


def is_privileged(actor) -> bool:
    """An account that reaches the admin or other people's records: hub staff, coordinators,
    superusers, anyone staff-flagged. These must use a second factor (settings.HUB_STAFF_MFA) and
    their sessions end when idle (settings.HUB_STAFF_SESSION_IDLE_SECONDS)."""
    if actor is None or not actor.is_authenticated:
        return False
    # is_staff first: no query for the admin's users, who are all staff-flagged.
    return actor.is_staff or actor.is_superuser or is_hub_staff(actor) or is_coordinator(actor)


def scope_of(actor) -> Scope:
    """The actor's scope, worked out once per user object (one per request)."""
    if actor is None:
        return EVERYTHING
    cached = getattr(actor, "_hub_scope", None)
    if cached is not None:
        return cached
    if is_hub_staff(actor):
        scope = EVERYTHING
    elif is_coordinator(actor):
        from hubportal.users.models import SessionAssignment

        ids = frozenset(SessionAssignment.objects.filter(user=actor).values_list("session_id", flat=True))
        # A coordinator with no session yet sees nothing of any session (session id 0 never exists).
        scope = Scope(session_ids=ids or frozenset({0}))
    elif actor.is_authenticated and actor.is_active:
        scope = Scope(owner_id=actor.pk)
    else:
        scope = NOTHING
    if actor.is_authenticated:
        actor._hub_scope = scope
    return scope


def forget(actor) -> None:
    """Drop what scope_of cached on this user object (after their groups or sessions changed)."""
    for name in ("_hub_scope", "_hub_group_names"):
        if hasattr(actor, name):
            delattr(actor, name)


def visible(actor, queryset: QuerySet) -> QuerySet:
    """The rows of `queryset` the actor may see (deny by default)."""
    scope = scope_of(actor)
    if scope.everything:
        return queryset
    label = queryset.model._meta.label_lower
    if scope.owner_id is not None:
        path = OWNER_PATHS.get(label)
        return queryset.filter(**{path: scope.owner_id}).distinct() if path else queryset.none()
    path = SESSION_PATHS.get(label)
    if not path or not scope.session_ids:
        return queryset.none()
    if "__" not in path:
        return queryset.filter(**{f"{path}__in": scope.session_ids})
    # Across a relation that may match several rows (a trainee's enrolments): by id, so that the
    # queryset's own joins and annotations are not multiplied.
    return queryset.filter(pk__in=queryset.model._default_manager.filter(
        **{f"{path}__in": scope.session_ids}).values("pk"))


def _row_visible(actor, obj: Model) -> bool:
    return visible(actor, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def can(actor, action: str, obj: Model | type[Model] | None = None) -> bool:
    """Whether the actor may do `action`: on that object (a row), on that model (a class), or at all.

    For a row, the row must be visible to the actor as well as the action allowed on its model.
    """
    scope = scope_of(actor)
    if scope.everything:
        return True
    if scope.owner_id is not None:  # a trainee reads their own rows, and takes their data; nothing else
        if not isinstance(obj, Model):
            return False
        allowed = action == Action.VIEW or action in _OWNER_ACTIONS.get(obj._meta.label_lower, ())
        return allowed and _row_visible(actor, obj)
    if not scope.is_coordinator:
        return False
    if obj is None:
        return action in {Action.VIEW, Action.IMPORT, Action.REPORT}
    model = obj if isinstance(obj, type) else type(obj)
    if action not in _COORDINATOR_ACTIONS.get(model._meta.label_lower, ()):
        return False
    return isinstance(obj, type) or obj.pk is None or _row_visible(actor, obj)


def may_act_on_session(actor, action: str, session_id: int | None) -> bool:
    """For a write that names a session (an import into it, a report of it, a new row of it): the
    session is the actor's. No session (None) is hub staff's: a coordinator acts in their sessions only."""
    scope = scope_of(actor)
    if scope.everything:
        return True
    return scope.is_coordinator and session_id in scope.session_ids and action in {
        Action.IMPORT, Action.REPORT, Action.ISSUE, Action.VIEW, Action.CHANGE, Action.ADD}


def require(actor, action: str, obj: Model | type[Model] | None = None) -> None:
    """What every write service asks first: raises PermissionDenied unless `can(actor, action, obj)`.

    For a row that exists, whether it is the actor's; for a model (a class), whether the actor may do
    that to its rows at all (hub staff only for reference data). A new row of a session is checked with
    require_session, which looks at the session it names.
    """
    if not can(actor, action, obj):
        raise PermissionDenied


def require_session(actor, action: str, session) -> None:
    """For a write that names a session (a new row in it, an import into it, a row moved to it):
    raises PermissionDenied unless may_act_on_session. `session` is a course session, its id, or None
    (no session: hub staff and the system only)."""
    session_id = session if session is None or isinstance(session, int) else session.pk
    if not may_act_on_session(actor, action, session_id):
        raise PermissionDenied
