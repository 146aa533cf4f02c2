"""Issue 13, privacy: the file of everything the portal holds about a trainee, and their anonymisation
(the admin action, the command), which keeps what the statistics need and takes their name out of
the audit log too."""

import json

import pytest
from allauth.account.models import EmailAddress
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from certificates.models import Certificate
from certificates.services import certificates_issue
from cohorts.models import AttendanceRecord, EnrolmentStatusChange
from cohorts.services import attendance_mark, enrolment_update
from hubportal.audit.models import AuditEntry
from hubportal.audit.services import audit_record
from hubportal.jobs.services import job_run
from hubportal.outbox.models import OutboundEmail
from hubportal.users.models import SessionAssignment
from trainees.models import Trainee
from trainees.privacy import trainee_anonymise, trainee_export_data
from trainees.services import trainee_create, trainee_update

from ..certificates.factories import ended_session, enrolment_attending
from ..cohorts.factories import EnrolmentFactory
from .factories import CountryFactory

pytestmark = pytest.mark.django_db

# What the portal holds of Min-jun that is personal, as typed into it and as it was before a correction.
PERSONAL = ["Min-jun", "Kim", "Kimm", "김민준", "minjun@gcbio.test", "minjun.login@gcbio.test", "+82 10 1234 5678",
            "Senior QC Analyst", "Min-jun KIM", "Min-jun KIMM", "Min-jun Kim", "GC Biopharma Korea", "halal",
            "Kim Soo-ah (sister) +82 10 9999 0000"]


@pytest.fixture
def dossier(hub_staff, role_groups, django_capture_on_commit_callbacks):
    """Min-jun, with a login, an enrolment (attended, a certificate rendered and emailed, a note on
    their path), a name corrected once; and Ama, of the same session."""
    user = get_user_model().objects.create_user(email="minjun.login@gcbio.test", password="x", name="Min-jun Kim")
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    audit_record(actor=None, action="user.create", target=user, values={"email": user.email, "name": user.name})
    session, slots = ended_session(code="BDM-2022-07")
    minjun = trainee_create(actor=hub_staff, given_name="Min-jun", family_name="Kimm", native_name="김민준",
                            email="minjun@gcbio.test", phone="+82 10 1234 5678", job_title="Senior QC Analyst",
                            country=CountryFactory(code="KR"), category="korea_industry", user=user)
    trainee_update(actor=hub_staff, trainee=minjun, family_name="Kim", preferred_name="MJ", dietary_needs="halal",
                   emergency_contact="Kim Soo-ah (sister) +82 10 9999 0000")
    Trainee.objects.filter(pk=minjun.pk).update(calendar_token="secret-calendar-token")
    enrolment = EnrolmentFactory(trainee=minjun, session=session, status="attended")
    for slot in slots:
        attendance_mark(actor=hub_staff, slot=slot, statuses={enrolment.pk: "present"})
    enrolment_update(actor=hub_staff, enrolment=enrolment, nominating_body_name="GC Biopharma Korea")
    EnrolmentStatusChange.objects.create(enrolment=enrolment, from_status="attended", to_status="attended",
                                         changed_at=enrolment.status_changed_at, note="moved to QA")
    other = enrolment_attending(session, slots, 10, given_name="Ama", family_name="Mensah", email="ama@fda.test")
    with django_capture_on_commit_callbacks(execute=False):
        job = certificates_issue(actor=hub_staff, session=session)
    job_run(job.pk)  # renders both PDFs and queues the emails that announce them
    minjun.refresh_from_db()
    # Django's admin history of their records, and of the session's page that nominated them.
    for record, message in ((minjun, [{"changed": {"fields": ["Family name"]}}]),
                            (enrolment, [{"changed": {"fields": ["Nominating body"]}}]),
                            (user, [{"changed": {"fields": ["Name"]}}]),
                            (session, [{"added": {"name": "nomination", "object": str(enrolment)}},
                                       {"added": {"name": "nomination", "object": "김민준"}}])):
        LogEntry.objects.log_actions(hub_staff.pk, [record], CHANGE, change_message=json.dumps(message),
                                     single_object=True)
    return minjun, other.trainee, session


def audit_text() -> str:
    """The whole audit table as text: every record name and every detail."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT string_agg(target_repr || ' ' || data::text, ' ') FROM audit_auditentry")
        return cursor.fetchone()[0]


def admin_history_text() -> str:
    """Django's admin log as text, its messages decoded (JSON writes Hangul as escapes)."""
    return " ".join(f"{entry.object_repr} {json.dumps(json.loads(entry.change_message), ensure_ascii=False)}"
                    for entry in LogEntry.objects.all())


# --- The data file -------------------------------------------------------------------------------


def test_the_data_file_holds_the_trainee_their_enrolments_attendance_and_certificates_and_nobody_else(
        dossier, staff_client):
    minjun, ama, session = dossier
    response = staff_client.get(reverse("admin:trainees_trainee_personal_data", args=[minjun.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="trainee-{minjun.pk}-personal-data.json"'
    text = response.content.decode()
    data = json.loads(text)
    assert data["format"] == "hubportal.trainee-personal-data" and data["version"] == 1
    assert {key: data["trainee"][key] for key in ("given_name", "family_name", "native_name", "email", "phone")} == {
        "given_name": "Min-jun", "family_name": "Kim", "native_name": "김민준", "email": "minjun@gcbio.test",
        "phone": "+82 10 1234 5678"}
    assert data["trainee"]["country"]["code"] == minjun.country.code
    assert (data["trainee"]["preferred_name"], data["trainee"]["dietary_needs"]) == ("MJ", "halal")
    assert "calendar_token" not in data["trainee"] and "secret-calendar-token" not in text
    assert data["account"]["email"] == "minjun.login@gcbio.test"
    assert data["account"]["email_addresses"] == [{"email": "minjun.login@gcbio.test", "verified": True,
                                                   "primary": True}]
    [enrolment] = data["enrolments"]
    assert enrolment["session"]["code"] == "BDM-2022-07"
    assert enrolment["nominating_body_name"] == "GC Biopharma Korea"
    assert [record["status"] for record in enrolment["attendance"]] == ["present"] * 10
    assert "moved to QA" in [change["note"] for change in enrolment["status_history"]]
    [certificate] = data["certificates"]
    assert certificate["holder_name"] == "Min-jun KIM"
    assert certificate["verification_url"].endswith(f"/verify/{minjun.enrolments.get().certificate.verification_code}/")
    assert [email["to"] for email in data["emails"]] == [["minjun@gcbio.test"]]
    assert "trainee.update" in [entry["action"] for entry in data["history"]]
    for someone_else in ("Ama", "Mensah", "ama@fda.test", ama.enrolments.get().certificate.serial, "staff@hub.test"):
        assert someone_else not in text
    assert AuditEntry.objects.filter(action="trainee.export_personal_data", trainee_id=minjun.pk).count() == 1


def test_the_trainee_page_offers_the_file_to_hub_staff(dossier, staff_client):
    minjun, _ama, _session = dossier
    page = staff_client.get(reverse("admin:trainees_trainee_change", args=[minjun.pk])).content.decode()
    assert reverse("admin:trainees_trainee_personal_data", args=[minjun.pk]) in page
    assert "Export personal data (JSON)" in page
    assert f"/admin/audit/auditentry/?trainee={minjun.pk}" in page


def test_a_coordinator_may_see_the_trainee_but_not_take_their_data(dossier, client, coordinator):
    minjun, _ama, session = dossier
    SessionAssignment.objects.create(user=coordinator, session=session)
    client.force_login(coordinator)
    assert client.get(reverse("admin:trainees_trainee_change", args=[minjun.pk])).status_code == 200
    page = client.get(reverse("admin:trainees_trainee_change", args=[minjun.pk])).content.decode()
    assert "personal-data" not in page

    assert client.get(reverse("admin:trainees_trainee_personal_data", args=[minjun.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        trainee_export_data(actor=coordinator, trainee=minjun)


def test_a_trainee_takes_their_own_data_on_the_portal_never_in_the_admin(dossier, client):
    minjun, ama, _session = dossier
    assert trainee_export_data(actor=minjun.user, trainee=minjun)["trainee"]["email"] == "minjun@gcbio.test"
    with pytest.raises(PermissionDenied):
        trainee_export_data(actor=minjun.user, trainee=ama)
    client.force_login(minjun.user)
    response = client.get(reverse("admin:trainees_trainee_personal_data", args=[minjun.pk]))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# --- Anonymisation -------------------------------------------------------------------------------


def anonymise_in_admin(client, *trainees, confirm: bool):
    data = {"action": "anonymise", "_selected_action": [t.pk for t in trainees]}
    if confirm:
        data["confirm"] = "yes"
    return client.post(reverse("admin:trainees_trainee_changelist"), data)


def test_the_admin_action_asks_first_listing_who_will_be_anonymised(dossier, staff_client):
    minjun, _ama, _session = dossier
    response = anonymise_in_admin(staff_client, minjun, confirm=False)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Min-jun KIM" in page and "minjun@gcbio.test" in page and "This cannot be undone." in page
    minjun.refresh_from_db()
    assert not minjun.is_anonymised and minjun.given_name == "Min-jun"


def test_anonymising_replaces_every_personal_field_and_keeps_the_statistics(
        dossier, staff_client, django_capture_on_commit_callbacks):
    minjun, ama, session = dossier
    user_id = minjun.user_id
    certificate = minjun.enrolments.get().certificate
    pdf = certificate.pdf.path
    ama_before = Trainee.objects.filter(pk=ama.pk).values().get()

    with django_capture_on_commit_callbacks(execute=True):
        response = anonymise_in_admin(staff_client, minjun, confirm=True)
    assert response.status_code == 302

    minjun.refresh_from_db()
    assert minjun.is_anonymised
    assert (minjun.given_name, minjun.family_name, minjun.email) == (
        "Anonymised", f"#{minjun.pk}", f"anonymised-{minjun.pk}@anonymised.invalid")
    assert (minjun.native_name, minjun.phone, minjun.job_title, minjun.organisation, minjun.user) == ("", "", "", None,
                                                                                                       None)
    assert (minjun.preferred_name, minjun.dietary_needs, minjun.emergency_contact, minjun.calendar_token) == (
        "", "", "", "")
    # The statistics keep what they count.
    assert (minjun.country.code, minjun.category) == ("KR", "korea_industry")
    enrolment = minjun.enrolments.get()
    assert (enrolment.session, enrolment.status) == (session, "attended")
    assert AttendanceRecord.objects.filter(enrolment=enrolment, status="present").count() == 10
    # Free text, the login and its addresses, the emails sent to them go.
    assert enrolment.nominating_body_name == ""
    assert not EnrolmentStatusChange.objects.filter(enrolment=enrolment).exclude(note="").exists()
    assert not get_user_model().objects.filter(pk=user_id).exists()
    assert not EmailAddress.objects.filter(email__icontains="minjun").exists()
    assert not OutboundEmail.objects.filter(to__icontains="minjun").exists()
    assert OutboundEmail.objects.filter(to__icontains="ama@fda.test").exists()
    # Their certificate keeps its record, without the name, and loses its PDF.
    certificate.refresh_from_db()
    assert (certificate.holder_name, certificate.holder_native_name, certificate.pdf.name) == ("", "", "")
    assert certificate.name_withheld and certificate.is_valid
    import os
    assert not os.path.exists(pdf)
    # Nobody else is touched.
    assert Trainee.objects.filter(pk=ama.pk).values().get() == ama_before
    assert Certificate.objects.get(enrolment__trainee=ama).holder_name == "Ama MENSAH"


def test_the_audit_log_keeps_who_did_what_but_not_the_erased_values(dossier, hub_staff):
    minjun, _ama, _session = dossier
    actions_before = sorted(AuditEntry.objects.values_list("action", flat=True))
    before_history = admin_history_text()
    before = audit_text()
    assert all(text in before for text in ("Kimm", "minjun@gcbio.test", "Min-jun KIM", "김민준", "+82 10 1234 5678",
                                           "minjun.login@gcbio.test", "GC Biopharma Korea"))

    result = trainee_anonymise(actor=hub_staff, trainee=minjun)

    assert "Min-jun KIM" in before_history and "김민준" in before_history and "minjun.login" in before_history
    text = audit_text()
    history = admin_history_text()
    for personal in PERSONAL:
        assert personal.casefold() not in text.casefold(), personal
        assert personal.casefold() not in history.casefold(), personal
    assert LogEntry.objects.count() == 4
    assert f"Anonymised #{minjun.pk} – BDM-2022-07" in history
    assert sorted(AuditEntry.objects.values_list("action", flat=True)) == sorted([*actions_before, "trainee.anonymise"])
    entry = AuditEntry.objects.get(action="trainee.anonymise")
    assert (entry.actor, entry.trainee_id, entry.target_repr) == (hub_staff, minjun.pk, f"Anonymised #{minjun.pk}")
    assert entry.data == {"erased": result.erased}
    assert result.erased["trainee"] == 1 and result.erased["login"] == 1 and result.erased["certificates"] == 1
    update = AuditEntry.objects.get(action="trainee.update", trainee_id=minjun.pk)
    assert (update.actor, update.data) == (hub_staff, {"changes": {
        "family_name": "[erased]", "preferred_name": "[erased]", "dietary_needs": "[erased]",
        "emergency_contact": "[erased]"}})


def test_anonymising_twice_does_no_harm(dossier, hub_staff):
    minjun, _ama, _session = dossier
    trainee_anonymise(actor=hub_staff, trainee=minjun)
    entries = AuditEntry.objects.count()
    stored = Trainee.objects.filter(pk=minjun.pk).values().get()

    again = trainee_anonymise(actor=hub_staff, trainee=minjun)

    assert again.already and again.erased == {}
    assert AuditEntry.objects.count() == entries
    assert Trainee.objects.filter(pk=minjun.pk).values().get() == stored


def test_an_anonymised_trainee_is_never_filled_in_again_nor_certified_nor_rendered(dossier, hub_staff,
                                                                                   staff_client):
    from django.core.exceptions import ValidationError

    from certificates.selectors import session_eligibility
    from certificates.services import certificates_rerender
    from trainees.invitations import trainees_invite
    from trainees.services import trainee_profile_update

    minjun, _ama, session = dossier
    trainee_anonymise(actor=hub_staff, trainee=minjun)
    minjun.refresh_from_db()

    with pytest.raises(ValidationError, match="erased"):
        trainee_update(actor=hub_staff, trainee=minjun, given_name="Min-jun")
    with pytest.raises(ValidationError, match="erased"):
        trainee_profile_update(actor=hub_staff, trainee=minjun, phone="+82 10 1234 5678")
    form = staff_client.get(f"/admin/trainees/trainee/{minjun.pk}/change/").context["adminform"].form
    assert "given_name" not in form.fields and "email" not in form.fields  # shown, not editable
    verdict = {v.enrolment.trainee_id: v for v in session_eligibility(session, actor=None)}[minjun.pk]
    assert not verdict.eligible and "erased" in verdict.reason
    certificate = Certificate.objects.get(enrolment__trainee=minjun)
    with pytest.raises(ValidationError, match="anonymised"):
        certificates_rerender(actor=hub_staff, certificates=[certificate])
    assert trainees_invite(actor=hub_staff, trainees=[minjun]).no_email == [minjun]


def test_the_command_anonymises_by_email_and_says_so_when_done_already(dossier, capsys):
    minjun, _ama, _session = dossier
    call_command("anonymise_trainee", "MinJun@GCBio.test", "--yes")
    out = capsys.readouterr().out
    assert f"Trainee #{minjun.pk} is anonymised as Anonymised #{minjun.pk}" in out and "login: 1" in out
    minjun.refresh_from_db()
    assert minjun.is_anonymised
    assert AuditEntry.objects.get(action="trainee.anonymise").actor is None

    call_command("anonymise_trainee", minjun.email, "--yes")
    assert "was anonymised already" in capsys.readouterr().out
    assert AuditEntry.objects.filter(action="trainee.anonymise").count() == 1


def test_the_command_refuses_an_unknown_email_with_exit_status_1(dossier):
    with pytest.raises(CommandError, match="No trainee has the email address nobody@hub.test") as error:
        call_command("anonymise_trainee", "nobody@hub.test", "--yes")
    assert error.value.returncode == 1


def test_the_command_asks_to_confirm_without_yes(dossier, monkeypatch):
    minjun, _ama, _session = dossier
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Nothing changed"):
        call_command("anonymise_trainee", "minjun@gcbio.test")
    minjun.refresh_from_db()
    assert not minjun.is_anonymised


def test_only_hub_staff_anonymise(dossier, client, coordinator):
    minjun, _ama, session = dossier
    SessionAssignment.objects.create(user=coordinator, session=session)
    with pytest.raises(PermissionDenied):
        trainee_anonymise(actor=coordinator, trainee=minjun)
    client.force_login(coordinator)
    page = client.get(reverse("admin:trainees_trainee_changelist")).content.decode()
    assert 'value="anonymise"' not in page
    anonymise_in_admin(client, minjun, confirm=True)
    minjun.refresh_from_db()
    assert not minjun.is_anonymised


def test_every_field_of_a_trainee_is_either_erased_or_kept_on_purpose():
    from trainees.privacy import KEPT_FIELDS, PERSONAL_FIELDS

    fields = {field.name for field in Trainee._meta.concrete_fields}
    assert not set(PERSONAL_FIELDS) & set(KEPT_FIELDS)
    assert fields == {*PERSONAL_FIELDS, *KEPT_FIELDS}, (
        "a new field of Trainee: add it to trainees.privacy.PERSONAL_FIELDS (anonymisation erases it) or "
        "KEPT_FIELDS (it stays for the statistics)")


def test_a_staff_members_own_login_stays_when_their_trainee_record_is_anonymised(hub_staff, superuser):
    from .factories import TraineeFactory

    trainee = TraineeFactory(email="staff.as.trainee@hub.test", user=hub_staff)
    audit_record(actor=superuser, action="user.update", target=hub_staff, changes={"name": ["", "Staff"]})

    result = trainee_anonymise(actor=superuser, trainee=trainee)

    hub_staff.refresh_from_db()
    assert hub_staff.email == "staff@hub.test" and hub_staff.is_active
    assert result.erased["staff_login_unlinked"] == 1 and "login" not in result.erased
    assert AuditEntry.objects.get(action="user.update").data == {"changes": {"name": ["", "Staff"]}}
