"""Issue 12's access matrix: every URL the URLconf resolves, requested (GET only) as each of seven roles
on the demo hub, compared with the table below, which is the access policy written out.

The policy (hubportal/access.py, CONVENTIONS.md "Access: one policy, used everywhere"):
- hub staff and superusers see everything; what they may write is their role's permissions
  (hubportal/users/roles.py) and what each admin allows at all (records nobody edits);
- a coordinator sees only what belongs to their sessions (the sessions, their enrolments, timetable
  slots, facility visits, attendance, the trainees enrolled in them, certificates, jobs), and may do
  there what access._COORDINATOR_ACTIONS says; never users, groups, audit entries, countries,
  organisations, curriculum, income classifications or the outbox;
- a trainee (signed in, not staff) sees their own records on the portal's pages, never the admin;
- anonymous sees the public pages only (certificate verification, health and the probes, the login pages).
An object a role may not see answers 404 (its existence is not revealed); an admin page of a model the
role may not open answers 403 to staff-flagged users and sends everyone else to the admin's login.

A URL pattern without a row fails the test (so does a row whose pattern is gone). Cells where the code
disagrees with the policy are listed in KNOWN_LEAKS / KNOWN_STRICTER: their expectation stays as the
policy says, and a strict xfail test per cell keeps each visible until it is fixed.

Run with -s to see `access matrix: N cells checked, 0 leaks`.
"""

import io
import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as dtime
from types import SimpleNamespace
from unittest import mock

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, include, path, reverse
from django.urls.resolvers import RegexPattern
from django.utils import timezone

from ..conftest import PASSWORD
from .webauthn_device import registration_for

ROLES = ("anon", "trainee_a", "trainee_b", "coord_x", "coord_y", "staff", "super")

# Outcome classes, one token per role in each row (columns in the order of ROLES).
OK = "OK"  # 200
LOGIN = "L"  # 302 to a login page (/accounts/login/ or /admin/login/)
REDIRECT = "R"  # 302 anywhere else (a signed-in user sent on from a login page, ...)
FORBIDDEN = "F"  # 403
NOT_FOUND = "N"  # 404
NOT_ALLOWED = "M"  # 405: GET on a POST-only URL
DENIALS = {LOGIN, FORBIDDEN, NOT_FOUND, NOT_ALLOWED}

X, Y = "GXP-2022-10", "BDM-2022-07"

# --- The table ---------------------------------------------------------------------------------
#
# One entry per URL pattern: its name ("admin:cohorts_enrolment_change"), or its route for an unnamed
# one; under it one row per kind of object the URL is asked about:
#   x    an object of session X (GXP-2022-10) only       y    an object of session Y (BDM-2022-07) only
#   xy   a trainee enrolled in both sessions             ref  reference data, or a record of no session
#   ""   a URL without an object
# Trainee A is enrolled in Y only, trainee B in X only; certificate x is B's, y is A's. Jobs x and y are
# of their session, asked for by that session's coordinator; job x-staff of session X, asked for by hub
# staff (issuing its certificates, say); job ref (no session) by hub staff.
#
# Columns:                  anon trA trB coX coY staff super

# A coordinator's delete and history pages of a model they may not open answer 404, not 403: both
# rules apply (the object is not theirs to see, the model is closed to them), and ScopedAdminMixin's
# delete_view / history_view look the object up first. Either answer reveals nothing.
_REF_FULL = {  # a reference model hub staff edit (countries, organisations, curriculum)
    "changelist": {"": "L L L F F OK OK"},
    "add": {"": "L L L F F OK OK"},
    "change": {"ref": "L L L F F OK OK"},
    "delete": {"ref": "L L L N N OK OK"},
    "history": {"ref": "L L L N N OK OK"},
}
_REF_READ_ONLY = {  # a record nobody edits in the admin (ReadOnlyAdminMixin), hub staff may view
    "changelist": {"": "L L L F F OK OK"},
    "add": {"": "L L L F F F F"},
    "change": {"ref": "L L L F F OK OK"},
    "delete": {"ref": "L L L N N F F"},
    "history": {"ref": "L L L N N OK OK"},
}
_ACCOUNTS = {  # Django's / allauth's plain admins of accounts: hub staff view, superusers edit
    "changelist": {"": "L L L F F OK OK"},
    "add": {"": "L L L F F F OK"},
    "change": {"ref": "L L L F F OK OK"},
    "delete": {"ref": "L L L F F F OK"},
    "history": {"ref": "L L L F F OK OK"},
}

ADMIN_MODELS = {
    # --- accounts and the hub's own records: superusers; hub staff view; coordinators never ------
    "auth.group": _ACCOUNTS,
    "account.emailaddress": _ACCOUNTS,
    "users.user": _ACCOUNTS,
    # A login's second factors, listed without their secrets: superusers remove a lost one; nobody
    # adds or edits one here (each person sets up their own on the portal's pages).
    "mfa.authenticator": {
        "changelist": {"": "L L L F F F OK"},
        "add": {"": "L L L F F F F"},
        "change": {"ref": "L L L F F F OK"},
        "delete": {"ref": "L L L F F F OK"},
        "history": {"ref": "L L L F F F OK"},
    },
    "audit.auditentry": _REF_READ_ONLY,
    "outbox.outboundemail": _REF_READ_ONLY,
    # --- reference data: hub staff; coordinators never --------------------------------------------
    "trainees.country": _REF_FULL,
    "trainees.incomeclassification": _REF_READ_ONLY,
    "trainees.organisation": _REF_FULL,
    "curriculum.course": _REF_FULL,
    "curriculum.module": _REF_FULL,
    "curriculum.facultymember": _REF_FULL,
    # --- a session's records: coordinators of that session ----------------------------------------
    "trainees.trainee": {
        "changelist": {"": "L L L OK OK OK OK"},
        "add": {"": "L L L F F OK OK"},  # coordinators bring trainees in by the import only
        # "missing": an id that does not exist answers as one of another session does.
        "change": {"x": "L L L OK N OK OK", "y": "L L L N OK OK OK", "xy": "L L L OK OK OK OK",
                   "missing": "L L L N N N N"},
        "delete": {"x": "L L L F N OK OK", "y": "L L L N F OK OK", "xy": "L L L F F OK OK",
                   "missing": "L L L N N N N"},
        "history": {"x": "L L L OK N OK OK", "y": "L L L N OK OK OK", "xy": "L L L OK OK OK OK",
                    "missing": "L L L N N N N"},
        "import": {"": "L L L OK OK OK OK"},
        "export": {"": "L L L OK OK OK OK"},
        "process_import": {"": "L L L M M M M"},
        "import_job": {"x": "L L L OK N OK OK", "y": "L L L N OK OK OK"},
        # Everything held about the trainee, as a file: hub staff; a coordinator, who sees the trainee, may
        # not take it (404: the page is not theirs); trainees get theirs on the portal, not the admin.
        "personal_data": {"x": "L L L N N OK OK", "y": "L L L N N OK OK", "xy": "L L L N N OK OK",
                          "missing": "L L L N N N N"},
    },
    "cohorts.coursesession": {
        "changelist": {"": "L L L OK OK OK OK"},
        "add": {"": "L L L F F OK OK"},
        "change": {"x": "L L L OK N OK OK", "y": "L L L N OK OK OK"},
        "delete": {"x": "L L L F N OK OK", "y": "L L L N F OK OK"},
        "history": {"x": "L L L OK N OK OK", "y": "L L L N OK OK OK"},
    },
    "cohorts.enrolment": {
        "changelist": {"": "L L L OK OK OK OK"},
        "add": {"": "L L L OK OK OK OK"},
        "change": {"x": "L L L OK N OK OK", "y": "L L L N OK OK OK"},
        "delete": {"x": "L L L F N F F", "y": "L L L N F F F"},  # withdrawn, never deleted
        "history": {"x": "L L L OK N OK OK", "y": "L L L N OK OK OK"},
        "import": {"": "L L L OK OK OK OK"},
        "export": {"": "L L L OK OK OK OK"},
        "process_import": {"": "L L L M M M M"},
        "import_job": {"x": "L L L OK N OK OK", "y": "L L L N OK OK OK"},
    },
    "cohorts.timetableslot": {
        "changelist": {"": "L L L OK OK OK OK"},
        "add": {"": "L L L OK OK OK OK"},
        "change": {"x": "L L L OK N OK OK", "y": "L L L N OK OK OK"},
        "delete": {"x": "L L L F N OK OK", "y": "L L L N F OK OK"},
        "history": {"x": "L L L OK N OK OK", "y": "L L L N OK OK OK"},
    },
    "cohorts.facilityvisit": {
        "changelist": {"": "L L L OK OK OK OK"},
        "add": {"": "L L L OK OK OK OK"},
        "change": {"x": "L L L OK N OK OK", "y": "L L L N OK OK OK"},
        "delete": {"x": "L L L F N OK OK", "y": "L L L N F OK OK"},
        "history": {"x": "L L L OK N OK OK", "y": "L L L N OK OK OK"},
    },
    "cohorts.announcement": {
        "changelist": {"": "L L L OK OK OK OK"},
        "add": {"": "L L L OK OK OK OK"},
        "change": {"x": "L L L OK N OK OK", "y": "L L L N OK OK OK"},
        "delete": {"x": "L L L F N OK OK", "y": "L L L N F OK OK"},
        "history": {"x": "L L L OK N OK OK", "y": "L L L N OK OK OK"},
    },
    "cohorts.attendancerecord": {
        "changelist": {"": "L L L OK OK OK OK"},
        "add": {"": "L L L F F F F"},  # marked in bulk (import or service), never one by one
        "change": {"x": "L L L OK N OK OK", "y": "L L L N OK OK OK"},
        "delete": {"x": "L L L F N OK OK", "y": "L L L N F OK OK"},
        "history": {"x": "L L L OK N OK OK", "y": "L L L N OK OK OK"},
        "import": {"": "L L L OK OK OK OK"},
        "export": {"": "L L L OK OK OK OK"},
        "process_import": {"": "L L L M M M M"},
        "import_job": {"x": "L L L OK N OK OK", "y": "L L L N OK OK OK"},
    },
    # Trainees' requests that an absence be excused (issue 15): decided by hub staff and the session's
    # coordinator; asked for on the portal, never added or deleted here.
    "cohorts.excuserequest": {
        "changelist": {"": "L L L OK OK OK OK"},
        "add": {"": "L L L F F F F"},
        "change": {"x": "L L L OK N OK OK", "y": "L L L N OK OK OK"},
        "delete": {"x": "L L L F N F F", "y": "L L L N F F F"},
        "history": {"x": "L L L OK N OK OK", "y": "L L L N OK OK OK"},
    },
    "certificates.certificate": {
        "changelist": {"": "L L L OK OK OK OK"},
        "add": {"": "L L L F F F F"},  # issued from a session, revoked, never deleted
        "change": {"x": "L L L OK N OK OK", "y": "L L L N OK OK OK"},
        "delete": {"x": "L L L F N F F", "y": "L L L N F F F"},
        "history": {"x": "L L L OK N OK OK", "y": "L L L N OK OK OK"},
    },
    "jobs.job": {
        "changelist": {"": "L L L OK OK OK OK"},
        "add": {"": "L L L F F F F"},  # made by actions and imports
        "change": {"x": "L L L OK N OK OK", "y": "L L L N OK OK OK", "ref": "L L L N N OK OK",
                   "x-staff": "L L L OK N OK OK"},
        "delete": {"x": "L L L F N OK OK", "y": "L L L N F OK OK", "ref": "L L L N N OK OK",
                   "x-staff": "L L L F N OK OK"},
        "history": {"x": "L L L OK N OK OK", "y": "L L L N OK OK OK", "ref": "L L L N N OK OK",
                    "x-staff": "L L L OK N OK OK"},
        "country_report": {"": "L L L F F F F"},  # POST only; a GET is refused (403)
    },
}

OTHER_ROWS = {
    # --- the portal ---------------------------------------------------------------------------
    # Anonymous gets the public landing page: the hub's name and a sign-in link, no record of anyone.
    # Trainees get their programme; hub staff and coordinators are sent to the dashboard.
    "home": {"": "OK OK OK R R R R"},
    # --- the dashboard (issue 15): hub staff, and coordinators for their sessions; 404 for trainees ----
    # Without a filter a coordinator sees their own sessions; a session not theirs (or none) answers 404.
    **{name: {"": "L N N OK OK OK OK", "x": "L N N OK N OK OK", "y": "L N N N OK OK OK",
              "missing": "L N N N N N N"}
       for name in ("dashboard", "dashboard_map", "dashboard_csv")},
    # --- the trainee site: a trainee's own pages; staff and coordinators have no trainee record ------
    "portal_timetable": {"x": "L N OK N N N N", "y": "L OK N N N N N", "missing": "L N N N N N N"},
    "portal_calendar": {"": "L OK OK N N N N"},
    # The private subscription: its token is the key, whoever asks (a phone's calendar signs in to nothing).
    "portal_calendar_feed": {"a": "OK OK OK OK OK OK OK", "bogus": "N N N N N N N"},
    "portal_calendar_renew": {"": "L M M M M M M"},  # POST only
    "portal_attendance": {"": "L OK OK N N N N"},
    # Issue 15: asking for an absence (a slot of one's own session) to be excused; its document, for the
    # trainee who sent it, the session's coordinator and hub staff; signing up for a visit (POST only).
    "portal_excuse_request": {"x": "L N OK N N N N", "y": "L OK N N N N N", "missing": "L N N N N N N"},
    "excuse_document": {"x": "L N OK OK N OK OK", "y": "L OK N N OK OK OK", "missing": "L N N N N N N"},
    "portal_visit_sign_up": {"x": "L M M M M M M"},
    "portal_visit_cancel": {"x": "L M M M M M M"},
    "portal_certificates": {"": "L OK OK N N N N"},
    "portal_profile": {"": "L OK OK N N N N"},
    "portal_profile_data": {"": "L OK OK N N N N"},
    "set_language": {"": "M M M M M M M"},  # POST only
    # An invitation link that is not one we made: 410 Gone, "this link no longer works", whoever opens it.
    "portal_invitation": {"bogus": "410 410 410 410 410 410 410"},
    # --- attendance taken in the room (issue 15): a slot's or visit's roll call and marks, a slot's QR
    # screen and its code, for hub staff and the session's coordinator; the trainee's check-in pages for
    # anyone signed in (a code that is not one answers its plain message) ----------------------------
    "attendance_slot_roll_call": {"x": "L N N OK N OK OK", "y": "L N N N OK OK OK"},
    "attendance_slot_marks": {"x": "L N N OK N OK OK", "y": "L N N N OK OK OK"},  # GET: the marks so far
    "attendance_slot_check_in": {"x": "L N N OK N OK OK", "y": "L N N N OK OK OK"},
    "attendance_slot_check_in_code": {"x": "L N N OK N OK OK", "y": "L N N N OK OK OK"},
    "attendance_slot_check_in_open": {"x": "L M M M M M M"},  # POST only; tests/cohorts/test_check_in.py
    "attendance_visit_roll_call": {"x": "L N N OK N OK OK", "y": "L N N N OK OK OK"},
    "attendance_visit_marks": {"x": "L N N OK N OK OK", "y": "L N N N OK OK OK"},
    "check_in": {"": "L OK OK OK OK OK OK"},
    "check_in_token": {"bogus": "L OK OK OK OK OK OK"},
    "health": {"": "OK OK OK OK OK OK OK"},
    # The probes (issue 16): public, and no one's data in them (tests/hubportal/test_health.py).
    "healthz": {"": "OK OK OK OK OK OK OK"},
    "readyz": {"": "OK OK OK OK OK OK OK"},
    # Staff only; the worker's round trip is replaced by a stub (tests/hubportal/test_worker.py runs it).
    "worker_health": {"": "L L L OK OK OK OK"},
    "certificate_verify": {"x": "OK OK OK OK OK OK OK", "y": "OK OK OK OK OK OK OK",
                           "missing": "N N N N N N N"},
    "certificate_download": {"x": "L N OK OK N OK OK", "y": "L OK N N OK OK OK",
                             "missing": "L N N N N N N"},
    "job_status": {"x": "L L L OK N OK OK", "y": "L L L N OK OK OK", "ref": "L L L N N OK OK",
                   "x-staff": "L L L OK N OK OK", "missing": "L L L N N N N"},
    "job_result": {"x": "L L L OK N OK OK", "y": "L L L N OK OK OK", "ref": "L L L N N OK OK",
                   "x-staff": "L L L OK N OK OK", "missing": "L L L N N N N"},
    # --- allauth: the login pages are public; a signed-in user is sent on ------------------------
    "account_login": {"": "OK R R R R R R"},
    "account_logout": {"": "R OK OK OK OK OK OK"},  # GET asks to confirm; anonymous is sent home
    "account_inactive": {"": "OK OK OK OK OK OK OK"},
    "account_signup": {"": "OK R R R R R R"},  # says sign-up is closed
    "account_reauthenticate": {"": "L OK OK OK OK OK OK"},
    # A code is sent to a verified email address: trainee A has one; the others are sent to the
    # password form, and without a code under way, the confirmation page sends back to the request.
    "account_request_reauthentication_code": {"": "L OK R R R R R"},
    "account_confirm_reauthentication_code": {"": "L R R R R R R"},
    "account_email": {"": "L OK OK OK OK OK OK"},
    "account_email_verification_sent": {"": "OK OK OK OK OK OK OK"},
    "account_change_password": {"": "L OK OK OK OK OK OK"},
    "account_set_password": {"": "L R R R R R R"},  # they have a password: sent to change it
    "account_reset_password": {"": "OK OK OK OK OK OK OK"},
    "account_confirm_login_code": {"": "L R R R R R R"},  # no login by code under way
    "account_confirm_email": {"bogus": "OK OK OK OK OK OK OK"},  # "this link is invalid"
    "account_reset_password_from_key_done": {"": "OK OK OK OK OK OK OK"},
    "account_reset_password_from_key": {"bogus": "OK OK OK OK OK OK OK"},  # "bad token"
    "account_reset_password_done": {"": "OK OK OK OK OK OK OK"},
    # --- allauth.mfa: each signed-in user's own second factors -----------------------------------
    # Hub staff have a security key (ref), nobody has an authenticator app or recovery codes. Pages that
    # change a second factor first ask for the password again (R: force_login signed nobody in by it);
    # a factor the user does not have answers 404.
    "mfa_index": {"": "L OK OK OK OK OK OK"},
    "mfa_authenticate": {"": "L R R R R R R"},  # no sign-in waiting for its second factor
    "mfa_reauthenticate": {"": "L R R R R R R"},  # by code: nobody has an app; staff are sent to their key
    "mfa_activate_totp": {"": "L R R R R R R"},
    "mfa_deactivate_totp": {"": "L N N N N N N"},
    "mfa_view_recovery_codes": {"": "L N N N N N N"},
    "mfa_generate_recovery_codes": {"": "L R R R R R R"},
    "mfa_download_recovery_codes": {"": "L N N N N N N"},
    "mfa_list_webauthn": {"": "L OK OK OK OK OK OK"},
    "mfa_add_webauthn": {"": "L R R R R R R"},
    "mfa_reauthenticate_webauthn": {"": "L R R R R OK R"},  # confirm with the key: staff have one
    "mfa_remove_webauthn": {"ref": "L R R R R R R", "missing": "L R R R R R R"},
    "mfa_edit_webauthn": {"ref": "L R R R R R R", "missing": "L R R R R R R"},
    "mfa_login_webauthn": {"": "L R R R R R R"},  # passkey sign-in: a GET (not the page's script) is sent to the form
    # --- the admin site ------------------------------------------------------------------------
    "admin:index": {"": "L L L OK OK OK OK"},
    # The portal's sign-in form (hubportal.users.views.AdminLoginView); a signed-in trainee may not enter.
    "admin:login": {"": "OK F F R R R R"},  # staff are sent on to the index
    "admin:logout": {"": "R R R M M M M"},  # POST only; non-staff are sent to the index first
    "admin:password_change": {"": "L L L OK OK OK OK"},
    "admin:password_change_done": {"": "L L L OK OK OK OK"},
    "admin:jsi18n": {"": "L L L OK OK OK OK"},
    "admin:autocomplete": {
        "trainee": "L L L OK OK OK OK",  # an enrolment's trainee
        "session": "L L L OK OK OK OK",  # an enrolment's session
        "country": "L L L F F OK OK",  # an organisation's country
        "user": "L L L F F OK OK",  # a trainee's login
        "none": "L L L F F F F",  # no field named
    },
    # No model has a page on the site: every object answers 404.
    "admin:view_on_site": {"x": "L L L N N N N", "y": "L L L N N N N"},
    # An app's index answers 404 when the user may open none of its models.
    "admin:app_list": {
        "auth": "L L L N N OK OK",
        "account": "L L L N N OK OK",
        "users": "L L L N N OK OK",
        "audit": "L L L N N OK OK",
        "jobs": "L L L OK OK OK OK",
        "outbox": "L L L N N OK OK",
        "mfa": "L L L N N N OK",
        "trainees": "L L L OK OK OK OK",
        "curriculum": "L L L N N OK OK",
        "cohorts": "L L L OK OK OK OK",
        "certificates": "L L L OK OK OK OK",
    },
    "admin:auth_user_password_change": {"ref": "L L L F F F OK"},
    "admin/(?P<url>.*)$": {"": "L L L N N N N"},  # the admin's catch-all: a page that does not exist
}

# Cells where the code disagrees with the table (the policy): (pattern, kind, role) -> (what the code
# answers, why). The matrix test accepts exactly that answer there; a strict xfail test per cell keeps
# each one visible, and fails (XPASS) once the code is fixed: then delete its entry.
KNOWN_LEAKS: dict = {}
_NO_PERMISSION = ("hub staff see everything, but their role holds no permission on groups or allauth's email "
                  "addresses (hubportal/users/roles.py)")
KNOWN_STRICTER = {
    **{(f"admin:{info}_{view}", "" if view == "changelist" else "ref", "staff"): (FORBIDDEN, _NO_PERMISSION)
       for info in ("auth_group", "account_emailaddress")
       for view in ("changelist", "change", "history")},
    **{("admin:app_list", app, "staff"): (NOT_FOUND, _NO_PERMISSION) for app in ("auth", "account")},
}
KNOWN = {**KNOWN_LEAKS, **KNOWN_STRICTER}


def expectations() -> dict[str, dict[str, str]]:
    """The table as pattern -> kind -> row, the admin models' rows under their URL names."""
    table = dict(OTHER_ROWS)
    for label, views in ADMIN_MODELS.items():
        app, model = label.split(".")
        for view, rows in views.items():
            table[f"admin:{app}_{model}_{view}"] = rows
        # Django's admin redirects <object id>/ to its change page without looking the object up.
        first_kind = next(iter(views["change"]))
        table[f"admin/{app}/{model}/<path:object_id>/"] = {first_kind: "L L L R R R R"}
    return table


TABLE = expectations()


# --- The URLconf ----------------------------------------------------------------------------------


def url_patterns(resolver=None, prefix="", namespace=""):
    """Every pattern the URLconf resolves: (its name with namespace, or its route if unnamed; route)."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from url_patterns(pattern, route, inner)
        elif isinstance(pattern, URLPattern):
            if pattern.name:
                yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), route
            else:
                yield route, route


# --- The hub ------------------------------------------------------------------------------------


@dataclass
class Hub:
    users: dict  # role -> user
    objects: dict  # "app.model" -> kind -> pk
    import_jobs: dict  # "app_model" -> kind -> job pk
    jobs: dict  # kind -> job pk
    codes: dict  # kind -> verification code
    files: dict  # media path -> bytes, written into each test's MEDIA_ROOT
    clients: dict  # role -> Client


def _build_hub() -> Hub:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from certificates.models import Certificate, JobKind
    from certificates.services import certificates_issue
    from cohorts.demo import demo_hub_seed
    from cohorts.models import (Announcement, AttendanceRecord, CourseSession, Enrolment, EnrolmentStatus,
                                ExcuseRequest, FacilityVisit, TimetableSlot)
    from curriculum.models import FacultyMember, Module
    from hubportal.audit.models import AuditEntry
    from hubportal.importexport import IMPORT_JOB
    from hubportal.jobs.models import Job, JobStatus
    from hubportal.jobs.services import job_create
    from hubportal.outbox.models import OutboundEmail
    from hubportal.users.roles import Role
    from trainees.models import Country, IncomeClassification, Organisation, Trainee, TraineeCategory
    from trainees.reference import reference_countries_load
    from trainees.services import trainee_calendar_renew, trainee_create, trainee_update

    User = get_user_model()
    # What the reference_countries fixture does, once for the module (a flushed table loses them).
    reference_countries_load(Country, IncomeClassification)
    demo_hub_seed()
    session_x, session_y = CourseSession.objects.get(code=X), CourseSession.objects.get(code=Y)

    coordinators = {}
    for role, session in (("coord_x", session_x), ("coord_y", session_y)):
        email = f"{role.replace('_', '-')}@hub.test"
        call_command("grant_coordinator", "--email", email, "--session", session.code, stdout=io.StringIO())
        coordinators[role] = user = User.objects.get(email=email)
        user.set_password(PASSWORD)  # as if they had followed the emailed link
        user.save()

    # Trainee A: the demo's trainee login, of the July course (Y) only.
    # The demo's trainee login (the invited one has no password yet).
    trainee_a = Trainee.objects.select_related("user").exclude(user__password__startswith="!").get(
        user__isnull=False)
    assert set(trainee_a.enrolments.values_list("session__code", flat=True)) == {Y}
    # Trainee B: enrolled in the October course (X) only, with a login of their own.
    user_b = User.objects.create_user(email="trainee-b@hub.test", password=PASSWORD, name="Trainee B")
    user_b.groups.add(Group.objects.get(name=Role.TRAINEES))
    trainee_b = trainee_create(actor=None, given_name="Bea", family_name="Second", email="trainee-b@hub.test",
                               country=Country.objects.get(code="GH"), category=TraineeCategory.LMIC_PRODUCTION)
    trainee_update(actor=None, trainee=trainee_b, user=user_b)
    now = timezone.now()
    enrolment_b = Enrolment.objects.create(trainee=trainee_b, session=session_x, status=EnrolmentStatus.COMPLETED,
                                           status_changed_at=now)
    enrolment_a = trainee_a.enrolments.get(session=session_y)
    Enrolment.objects.filter(pk=enrolment_a.pk).update(status=EnrolmentStatus.COMPLETED)
    both = Trainee.objects.filter(enrolments__session=session_x).filter(enrolments__session=session_y).first()

    # Their certificates, with a PDF each.
    certificates = {}
    for kind, session, enrolment in (("x", session_x, enrolment_b), ("y", session_y, enrolment_a)):
        certificates_issue(actor=None, session=session, enrolments=[enrolment], enqueue=False)
        certificate = Certificate.objects.get(enrolment=enrolment)
        Certificate.objects.filter(pk=certificate.pk).update(pdf=f"certificates/{certificate.serial}.pdf",
                                                             rendered_at=now)
        certificates[kind] = certificate
    files = {f"certificates/{c.serial}.pdf": b"%PDF-1.4 test\n" for c in certificates.values()}

    # A facility visit of X (the demo's October course has none).
    host = Organisation.objects.first()
    start = timezone.make_aware(datetime.combine(session_x.start_date, dtime(14)))
    visit_x = FacilityVisit.objects.create(session=session_x, host=host, site="Songdo plant", starts_at=start,
                                           ends_at=start + timedelta(hours=3), capacity=10)
    announcement_x = Announcement.objects.create(session=session_x, title="Bring your lab coat", body="Day 2.")
    # An excuse request with its document, of each trainee (B in X, A in Y).
    excuses = {}
    for kind, session, enrolment in (("x", session_x, enrolment_b), ("y", session_y, enrolment_a)):
        excuses[kind] = ExcuseRequest.objects.create(
            enrolment=enrolment, slot=TimetableSlot.objects.filter(session=session).order_by("pk").first(),
            reason="Fever", attachment=f"excuses/{kind}.pdf", attachment_type="application/pdf").pk
        files[f"excuses/{kind}.pdf"] = b"%PDF-1.4 test\n"

    # Jobs: a ZIP of each session's certificates, asked for by its coordinator, and one of X by hub staff;
    # a re-rendering of certificates (no session) by hub staff.
    staff = User.objects.get(email="staff@hub.example")
    jobs = {
        kind: job_create(actor=actor, kind=JobKind.CERTIFICATE_ZIP, session=session, enqueue=False)
        for kind, actor, session in (("x", coordinators["coord_x"], session_x),
                                     ("y", coordinators["coord_y"], session_y),
                                     ("x-staff", staff, session_x))
    }
    jobs["ref"] = job_create(actor=staff, kind=JobKind.CERTIFICATES, enqueue=False, certificates=[], notify=False)
    for kind, job in jobs.items():
        Job.objects.filter(pk=job.pk).update(status=JobStatus.DONE, finished_at=now, result=f"jobs/{kind}.zip")
        files[f"jobs/{kind}.zip"] = b"PK\x05\x06" + bytes(18)
    # Background imports (their pages), one per importing admin and session, by its coordinator.
    import_jobs = {}
    for info in ("trainees_trainee", "cohorts_enrolment", "cohorts_attendancerecord"):
        import_jobs[info] = {
            kind: job_create(actor=coordinators[role], kind=IMPORT_JOB, session=session, enqueue=False,
                             stage="check", resource="", upload="none", file_name=f"{info}.csv",
                             admin=info.replace("_", ".", 1)).pk
            for kind, role, session in (("x", "coord_x", session_x), ("y", "coord_y", session_y))
        }

    # Hub staff's security key, as allauth.mfa keeps one that a browser registered.
    key = Authenticator.objects.create(user=staff, type=Authenticator.Type.WEBAUTHN, data={
        "name": "Staff key", "credential": json.loads(registration_for(str(staff.pk)))})
    email_a = EmailAddress.objects.create(user=trainee_a.user, email=trainee_a.user.email, primary=True,
                                          verified=True)

    def of(model, session):
        return model.objects.filter(session=session).order_by("pk").values_list("pk", flat=True).first()

    objects = {
        "auth.group": {"ref": Group.objects.get(name=Role.HUB_STAFF).pk},
        "account.emailaddress": {"ref": email_a.pk},
        "users.user": {"ref": trainee_a.user.pk},
        "mfa.authenticator": {"ref": key.pk},
        "audit.auditentry": {"ref": AuditEntry.objects.order_by("pk").first().pk},
        "outbox.outboundemail": {"ref": OutboundEmail.objects.order_by("pk").first().pk},
        "trainees.country": {"ref": Country.objects.get(code="KR").pk},
        "trainees.incomeclassification": {"ref": IncomeClassification.objects.order_by("pk").first().pk},
        "trainees.organisation": {"ref": host.pk},
        "curriculum.course": {"ref": session_x.course_id},
        "curriculum.module": {"ref": Module.objects.filter(course=session_x.course_id).first().pk},
        "curriculum.facultymember": {"ref": FacultyMember.objects.order_by("pk").first().pk},
        "trainees.trainee": {"x": trainee_b.pk, "y": trainee_a.pk, "xy": both.pk, "missing": 999_999_999},
        "cohorts.coursesession": {"x": session_x.pk, "y": session_y.pk},
        "cohorts.enrolment": {"x": enrolment_b.pk, "y": enrolment_a.pk},
        "cohorts.timetableslot": {"x": of(TimetableSlot, session_x), "y": of(TimetableSlot, session_y)},
        "cohorts.facilityvisit": {"x": visit_x.pk, "y": of(FacilityVisit, session_y)},
        "cohorts.announcement": {"x": announcement_x.pk, "y": of(Announcement, session_y)},
        "cohorts.excuserequest": excuses,
        "cohorts.attendancerecord": {
            kind: AttendanceRecord.objects.filter(enrolment__session=session).order_by("pk").first().pk
            for kind, session in (("x", session_x), ("y", session_y))},
        "certificates.certificate": {kind: c.pk for kind, c in certificates.items()},
        "jobs.job": {kind: job.pk for kind, job in jobs.items()},
    }
    for label, kinds in objects.items():
        assert all(pk is not None for pk in kinds.values()), label

    users = {
        "trainee_a": trainee_a.user,
        "trainee_b": user_b,
        **coordinators,
        "staff": staff,
        "super": User.objects.get(email="admin@hub.example"),
    }
    clients = {"anon": Client(raise_request_exception=False)}
    for role, user in users.items():
        clients[role] = Client(raise_request_exception=False)
        clients[role].force_login(user)
    return Hub(users=users, objects=objects, import_jobs=import_jobs, jobs={k: j.pk for k, j in jobs.items()},
               codes={**{kind: c.verification_code for kind, c in certificates.items()},
                      "calendar-a": trainee_calendar_renew(actor=None, trainee=trainee_a)},
               files=files, clients=clients)


@pytest.fixture(scope="module")
def hub(django_db_setup, django_db_blocker):
    """The demo hub with two coordinators and two trainees, built once for the module, rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_hub()
        transaction.set_rollback(True)


@pytest.fixture
def site(hub, db, settings):
    """The hub for one test: its files in the test's MEDIA_ROOT, no rate limit on verification pages,
    and the worker's round trip answered by a stub."""
    settings.VERIFY_RATE_PER_MINUTE = 1_000_000
    for name, content in hub.files.items():
        target = settings.MEDIA_ROOT / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    with mock.patch("hubportal.views.health_check.delay") as delay:
        delay.return_value.get.return_value = {"pid": 0}
        yield hub


# --- Requests -----------------------------------------------------------------------------------

AUTOCOMPLETE = {
    "trainee": "app_label=cohorts&model_name=enrolment&field_name=trainee",
    "session": "app_label=cohorts&model_name=enrolment&field_name=session",
    "country": "app_label=trainees&model_name=organisation&field_name=country",
    "user": "app_label=trainees&model_name=trainee&field_name=user",
    "none": "",
}


def url_for(hub: Hub, pattern: str, kind: str) -> str:
    """The URL of a table row: the pattern, with the ids of that kind of object."""
    if pattern == "admin/(?P<url>.*)$":
        return "/admin/no-such-page/"
    if pattern.startswith("admin/") and pattern.endswith("/<path:object_id>/"):
        app, model = pattern.split("/")[1:3]
        return "/" + pattern.replace("<path:object_id>", quote(str(hub.objects[f"{app}.{model}"][kind])))
    if pattern == "admin:autocomplete":
        return reverse(pattern) + "?" + AUTOCOMPLETE[kind]
    if pattern == "admin:app_list":
        return reverse(pattern, kwargs={"app_label": kind})
    if pattern == "admin:view_on_site":
        from certificates.models import Certificate

        content_type = ContentType.objects.get_for_model(Certificate)
        return reverse(pattern, args=[content_type.pk, hub.objects["certificates.certificate"][kind]])
    if pattern == "admin:auth_user_password_change":
        return reverse(pattern, args=[hub.objects["users.user"][kind]])
    if pattern == "portal_timetable":
        return reverse(pattern, args=[{"x": X, "y": Y}.get(kind, "NO-SUCH-SESSION")])
    if pattern == "portal_excuse_request":
        return reverse(pattern, args=["slot", hub.objects["cohorts.timetableslot"].get(kind, 999_999_999)])
    if pattern == "excuse_document":
        return reverse(pattern, args=[hub.objects["cohorts.excuserequest"].get(kind, 999_999_999)])
    if pattern in ("portal_visit_sign_up", "portal_visit_cancel"):
        return reverse(pattern, args=[hub.objects["cohorts.facilityvisit"][kind]])
    if pattern == "portal_calendar_feed":
        return reverse(pattern, args=[hub.codes.get(f"calendar-{kind}", "no-such-token")])
    if pattern in ("dashboard", "dashboard_map", "dashboard_csv"):
        query = {"x": f"?session={X}", "y": f"?session={Y}", "missing": "?session=NO-SUCH-SESSION"}.get(kind, "")
        return reverse(pattern, args=["countries"] if pattern == "dashboard_csv" else []) + query
    if pattern.startswith(("attendance_slot_", "attendance_visit_")):
        label = "cohorts.timetableslot" if pattern.startswith("attendance_slot_") else "cohorts.facilityvisit"
        return reverse(pattern, args=[hub.objects[label][kind]])
    if pattern == "check_in_token":
        return reverse(pattern, args=["no-such-token"])
    if pattern == "portal_invitation":
        return reverse(pattern, args=["no-such-invitation"])
    if pattern in ("certificate_verify", "certificate_download"):
        return reverse(pattern, args=[hub.codes.get(kind, "NO-SUCH-CODE")])
    if pattern in ("job_status", "job_result"):
        return reverse(pattern, args=[hub.jobs.get(kind, 999_999_999)])
    if pattern == "account_confirm_email":
        return reverse(pattern, kwargs={"key": "no-such-key"})
    if pattern in ("mfa_remove_webauthn", "mfa_edit_webauthn"):
        return reverse(pattern, kwargs={"pk": hub.objects["mfa.authenticator"].get(kind, 999_999_999)})
    if pattern == "account_reset_password_from_key":
        return reverse(pattern, kwargs={"uidb36": "zz", "key": "no-such-key"})
    if pattern.endswith("_import_job"):
        info = pattern.removeprefix("admin:").removesuffix("_import_job")
        return reverse(pattern, args=[hub.import_jobs[info][kind]])
    if pattern.startswith("admin:") and kind:
        label = _admin_label(pattern)
        return reverse(pattern, args=[quote(str(hub.objects[label][kind]))])
    return reverse(pattern)


def _admin_label(pattern: str) -> str:
    name = pattern.removeprefix("admin:")
    for model in admin.site._registry:
        info = f"{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(info):
            return model._meta.label_lower
    raise LookupError(pattern)


LOGIN_PATHS = ("/accounts/login/", "/admin/login/")


def outcome(response) -> str:
    code = response.status_code
    if code == 302:
        return LOGIN if response["Location"].split("?")[0].endswith(LOGIN_PATHS) else REDIRECT
    return {200: OK, 403: FORBIDDEN, 404: NOT_FOUND, 405: NOT_ALLOWED}.get(code, str(code))


@dataclass(frozen=True)
class Cell:
    pattern: str
    kind: str
    role: str
    url: str
    expected: str
    got: str

    @property
    def key(self):
        return self.pattern, self.kind, self.role

    @property
    def leak(self) -> bool:
        """The role was let through (a page, or sent on) where the policy refuses."""
        return self.expected in DENIALS and self.got not in DENIALS

    def __str__(self):
        where = f"{self.pattern}, {self.kind or '-'}"
        return f"{self.url} [{where}] as {self.role}: expected {self.expected}, got {self.got}"


def request(hub: Hub, pattern: str, kind: str, role: str, expected: str) -> Cell:
    url = url_for(hub, pattern, kind)
    return Cell(pattern, kind, role, url, expected, outcome(hub.clients[role].get(url)))


def row(pattern: str, kind: str) -> dict[str, str]:
    tokens = TABLE[pattern][kind].split()
    assert len(tokens) == len(ROLES), f"{pattern} [{kind}]: {len(tokens)} columns, not {len(ROLES)}"
    return dict(zip(ROLES, tokens))


# --- Tests --------------------------------------------------------------------------------------


def coverage_problems(patterns: dict[str, str]) -> list[str]:
    """What keeps the table from covering the URLconf: patterns without a row, rows of no pattern."""
    return [*(f"URL pattern {name!r} ({route}) has no row in the access matrix"
              for name, route in patterns.items() if name not in TABLE),
            *(f"row {name!r} of the access matrix names no URL pattern" for name in TABLE if name not in patterns)]


def test_every_url_pattern_has_a_row():
    assert not coverage_problems(dict(url_patterns())), "\n".join(coverage_problems(dict(url_patterns())))
    assert all(key[0] in TABLE and key[1] in TABLE[key[0]] for key in KNOWN), "a known disagreement names no row"


def test_a_url_pattern_without_a_row_is_named():
    urlconf = SimpleNamespace(urlpatterns=[
        path("", include("hubportal.urls")),
        path("reports/<int:pk>/", lambda request, pk: None, name="report_download"),
        path("reports/", lambda request: None),
    ])
    assert coverage_problems(dict(url_patterns(URLResolver(RegexPattern(r"^/"), urlconf)))) == [
        "URL pattern 'report_download' (reports/<int:pk>/) has no row in the access matrix",
        "URL pattern 'reports/' (reports/) has no row in the access matrix",
    ]


def test_access_matrix(site):
    started = time.monotonic()
    problems = coverage_problems(dict(url_patterns()))
    assert not problems, "\n".join(problems)
    cells = [request(site, pattern, kind, role, expected)
             for pattern, kinds in TABLE.items()
             for kind in kinds
             for role, expected in row(pattern, kind).items()]
    mismatches = [cell for cell in cells if cell.got != cell.expected and cell.key not in KNOWN]
    leaks = sum(cell.leak for cell in mismatches)
    known = [cell for cell in cells if cell.key in KNOWN and cell.got != cell.expected]
    print(f"\naccess matrix: {len(cells)} cells checked, {leaks} leaks in {time.monotonic() - started:.1f} s; "
          f"known, each a strict xfail: {sum(cell.key in KNOWN_LEAKS for cell in known)} leaks, "
          f"{sum(cell.key in KNOWN_STRICTER for cell in known)} cells stricter than the policy")
    changed = [f"{cell} (recorded as {KNOWN[cell.key][0]})" for cell in known if cell.got != KNOWN[cell.key][0]]
    assert not mismatches, f"{len(mismatches)} cells differ from the table:\n" + "\n".join(map(str, mismatches))
    assert leaks == 0
    assert not changed, "known disagreements answering otherwise now:\n" + "\n".join(changed)


def _known(entries: dict, kind_of_disagreement: str):
    return [pytest.param(*key, id="|".join(part or "-" for part in key), marks=pytest.mark.xfail(
        strict=True, raises=AssertionError, reason=f"{kind_of_disagreement}: answers {got}: {why}"))
        for key, (got, why) in entries.items()]


# A known leak, when there is one, goes in KNOWN_LEAKS and gets the same strict xfail test.
@pytest.mark.parametrize("pattern, kind, role", [*_known(KNOWN_LEAKS, "leak"),
                                                 *_known(KNOWN_STRICTER, "stricter than the policy")])
def test_known_disagreement(site, pattern, kind, role):
    cell = request(site, pattern, kind, role, row(pattern, kind)[role])
    assert cell.got == cell.expected, str(cell)
