"""The audit trail in the admin: hub staff read it, filtered by who acted, which trainee, which session
and when; nobody changes it, and coordinators and trainees never see it. Each entry knows the trainee
and session it concerns, also the entries written before it did (the migration fills them)."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from certificates.models import Certificate
from certificates.services import certificate_revoke, certificates_issue
from cohorts.models import AttendanceRecord
from cohorts.services import attendance_mark, enrolment_update, facility_visit_set_participants, session_update
from hubportal.audit.models import AuditEntry
from hubportal.audit.services import audit_record
from hubportal.jobs.services import job_create
from trainees.services import trainee_update

from ..certificates.factories import ended_session, enrolment_attending
from ..cohorts.factories import FacilityVisitFactory

LOG = "/admin/audit/auditentry/"


@pytest.fixture
def trail(hub_staff, superuser, django_capture_on_commit_callbacks):
    """Two sessions' worth of audited writes, by hub staff and by the superuser."""
    july, july_slots = ended_session(code="BDM-2022-07")
    october, october_slots = ended_session(code="GXP-2022-10")
    kim = enrolment_attending(july, july_slots, 10, actor=hub_staff, given_name="Min-jun", family_name="Kim",
                              email="minjun@gcbio.test")
    ama = enrolment_attending(october, october_slots, 10, actor=superuser, given_name="Ama", family_name="Mensah",
                              email="ama@fda.test")
    trainee_update(actor=hub_staff, trainee=kim.trainee, phone="+82 10 1234 5678")
    enrolment_update(actor=hub_staff, enrolment=kim, nominating_body_name="GC Biopharma")
    trainee_update(actor=superuser, trainee=ama.trainee, phone="+233 20 000 0000")
    with django_capture_on_commit_callbacks(execute=False):
        certificates_issue(actor=hub_staff, session=july)
    return {"july": july, "october": october, "kim": kim, "ama": ama}


def listed(page: str) -> list[str]:
    """The record names of the entries a page lists."""
    return [cell.split("</td>")[0] for cell in page.split('<td class="field-target_repr">')[1:]]


# --- Each entry knows its trainee and session ----------------------------------------------------


@pytest.mark.django_db
def test_an_entry_names_the_trainee_and_session_of_its_record(trail, hub_staff, django_capture_on_commit_callbacks):
    kim, july = trail["kim"], trail["july"]
    certificate = Certificate.objects.get(enrolment=kim)
    certificate_revoke(actor=hub_staff, certificate=certificate, reason="typo")
    visit = FacilityVisitFactory(session=july)
    facility_visit_set_participants(actor=hub_staff, visit=visit, enrolments=[kim])
    attendance_mark(actor=hub_staff, visit=visit, statuses={kim.pk: "present"})
    record = AttendanceRecord.objects.get(visit=visit)
    session_update(actor=hub_staff, session=july, venue="Songdo")
    with django_capture_on_commit_callbacks(execute=False):
        job = job_create(actor=hub_staff, kind="certificate_zip", session=july)

    def subjects(action, **target):
        entry = AuditEntry.objects.filter(action=action, **target).latest("pk")
        return entry.trainee_id, entry.session_id

    assert subjects("trainee.update", trainee_id=kim.trainee_id) == (kim.trainee_id, None)
    assert subjects("certificate.revoke") == (kim.trainee_id, july.pk)
    assert subjects("visit.participants") == (None, july.pk)
    assert subjects("attendance.mark", target_id=str(visit.pk)) == (None, july.pk)
    assert subjects("session.update") == (None, july.pk)
    assert subjects("job.certificate_zip", target_id=str(job.pk)) == (None, july.pk)
    entry = audit_record(actor=hub_staff, action="attendance.delete", target=record)
    assert (entry.trainee_id, entry.session_id) == (kim.trainee_id, july.pk)
    assert audit_record(actor=None, action="trainees.import", target=None).trainee_id is None


# --- Reading it ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_hub_staff_read_the_audit_log_and_its_entries(trail, staff_client):
    response = staff_client.get(LOG)
    assert response.status_code == 200
    assert "Min-jun KIM" in listed(response.content.decode())
    entry = AuditEntry.objects.filter(action="trainee.update").first()
    page = staff_client.get(reverse("admin:audit_auditentry_change", args=[entry.pk])).content.decode()
    assert "trainee.update" in page and 'name="_save"' not in page


@pytest.mark.django_db
def test_nobody_changes_or_deletes_an_entry(trail, staff_client, superuser, client):
    entry = AuditEntry.objects.first()
    client.force_login(superuser)
    for some_client in (staff_client, client):
        assert some_client.get(reverse("admin:audit_auditentry_add")).status_code == 403
        assert some_client.post(reverse("admin:audit_auditentry_change", args=[entry.pk]),
                                {"action": "forged"}).status_code == 403
        assert some_client.get(reverse("admin:audit_auditentry_delete", args=[entry.pk])).status_code == 403
        page = some_client.get(LOG).content.decode()
        assert "delete_selected" not in page
    entry.refresh_from_db()
    assert entry.action != "forged"


@pytest.mark.django_db
def test_coordinators_and_trainees_never_see_it(trail, client, coordinator, trainee_user):
    client.force_login(coordinator)
    assert client.get(LOG).status_code == 403
    assert client.get(reverse("admin:audit_auditentry_change", args=[AuditEntry.objects.first().pk])).status_code == 403
    client.force_login(trainee_user)
    response = client.get(LOG)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_the_log_is_filtered_by_trainee_by_email_or_id(trail, staff_client):
    kim = trail["kim"].trainee
    by_email = staff_client.get(LOG, {"trainee": "MinJun@GCBio.test"}).content.decode()
    assert set(listed(by_email)) == {"Min-jun KIM", "Min-jun KIM – BDM-2022-07"}
    assert "Min-jun KIM &lt;minjun@gcbio.test&gt;" in by_email  # the filter says whom it shows
    by_id = staff_client.get(LOG, {"trainee": str(kim.pk)}).content.decode()
    assert listed(by_id) == listed(by_email)
    nobody = staff_client.get(LOG, {"trainee": "nobody@hub.test"}).content.decode()
    assert listed(nobody) == [] and "nobody: “nobody@hub.test”" in nobody


@pytest.mark.django_db
def test_the_log_is_filtered_by_session_actor_and_date(trail, staff_client, superuser):
    july, october = trail["july"], trail["october"]
    page = staff_client.get(LOG).content.decode()
    assert f"?session={july.pk}" in page and ">BDM-2022-07</a>" in page and ">GXP-2022-10</a>" in page

    in_july = listed(staff_client.get(LOG, {"session": july.pk}).content.decode())
    assert "BDM-2022-07" in in_july and "Ama MENSAH – GXP-2022-10" not in in_july
    assert set(AuditEntry.objects.filter(session_id=july.pk).values_list("target_repr", flat=True)) == set(in_july)

    by_superuser = staff_client.get(LOG, {"actor__id__exact": superuser.pk}).content.decode()
    assert "Ama MENSAH" in listed(by_superuser) and "Min-jun KIM" not in listed(by_superuser)

    AuditEntry.objects.filter(trainee_id=trail["ama"].trainee_id).update(
        occurred_at=timezone.now() - dt.timedelta(days=400))
    # The date filter's "Today", as its link asks for it.
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    recent = listed(staff_client.get(LOG, {"occurred_at__gte": str(midnight),
                                           "occurred_at__lt": str(midnight + dt.timedelta(days=1))}).content.decode())
    assert "Min-jun KIM" in recent and "Ama MENSAH" not in recent
    # A combination keeps both filters: the search box's form carries the other one.
    both = staff_client.get(LOG, {"session": july.pk, "trainee": "minjun@gcbio.test"}).content.decode()
    assert f'<input type="hidden" name="session" value="{july.pk}">' in both
    assert set(listed(both)) == {"Min-jun KIM – BDM-2022-07"}


@pytest.mark.django_db
def test_the_trainee_and_session_pages_link_to_their_trail(trail, staff_client):
    kim, july = trail["kim"].trainee, trail["july"]
    trainee_page = staff_client.get(reverse("admin:trainees_trainee_change", args=[kim.pk])).content.decode()
    assert f'href="{LOG}?trainee={kim.pk}"' in trainee_page
    session_page = staff_client.get(reverse("admin:cohorts_coursesession_change", args=[july.pk])).content.decode()
    assert f'href="{LOG}?session={july.pk}"' in session_page


@pytest.mark.django_db
def test_a_coordinators_pages_have_no_link_to_the_trail(trail, client, coordinator):
    from hubportal.users.models import SessionAssignment

    SessionAssignment.objects.create(user=coordinator, session=trail["july"])
    client.force_login(coordinator)
    page = client.get(reverse("admin:trainees_trainee_change", args=[trail["kim"].trainee_id])).content.decode()
    assert LOG not in page


# --- The migration fills the entries written before ----------------------------------------------


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_entries_written_before_are_given_their_trainee_and_session(reference_countries, hub_staff):
    session, slots = ended_session(code="BDM-2022-07")
    enrolment = enrolment_attending(session, slots, 1, actor=hub_staff)
    record = AttendanceRecord.objects.get(enrolment=enrolment, slot=slots[0])
    for target in (enrolment.trainee, enrolment, record, session, slots[0]):
        audit_record(actor=hub_staff, action="before", target=target)
    AuditEntry.objects.update(trainee_id=None, session_id=None)
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    _migrate([("audit", "0003_import_entries_without_target")])
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM audit_auditentry")
            assert cursor.fetchone()[0] > 0
    finally:
        _migrate(latest)
    found = {(entry.target_type.model, entry.trainee_id, entry.session_id)
             for entry in AuditEntry.objects.filter(action="before")}
    assert found == {("trainee", enrolment.trainee_id, None), ("enrolment", enrolment.trainee_id, session.pk),
                     ("attendancerecord", enrolment.trainee_id, session.pk), ("coursesession", None, session.pk),
                     ("timetableslot", None, session.pk)}
