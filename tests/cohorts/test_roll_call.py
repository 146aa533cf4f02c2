"""Issue 15, roll call: one tap per trainee saved at once through the marks endpoint, the later mark
winning by when it was taken, a mark sent twice stored once, an old offline mark never overwriting a
newer one; coordinators of other sessions and trainees get 404."""

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from cohorts.models import AttendanceRecord, AttendanceSource, AttendanceStatus
from cohorts.selectors import enrolment_attendance_rate
from cohorts.services import TakenMark, attendance_mark, attendance_take
from hubportal.audit.models import AuditEntry
from hubportal.users.roles import Role

from .attendance_fixtures import session_with_slot
from .factories import FacilityVisitFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2022, 7, 18, 0, 5, tzinfo=dt.timezone.utc)


@pytest.fixture
def roll(coordinator):
    session, slot, enrolments = session_with_slot(trainees=5, coordinator=coordinator)
    return {"session": session, "slot": slot, "enrolments": enrolments}


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def post_mark(client, slot, enrolment, status, **extra):
    return client.post(f"/attendance/slots/{slot.pk}/marks/", {"enrolment": enrolment.pk, "status": status, **extra})


def post_marks(client, slot, marks):
    return client.post(f"/attendance/slots/{slot.pk}/marks/", json.dumps({"marks": marks}),
                       content_type="application/json")


def test_the_roll_call_lists_the_session_trainees_by_the_name_they_prefer(coordinator_client, roll):
    trainee = roll["enrolments"][0].trainee
    trainee.preferred_name = "Kwame"
    trainee.save()
    attendance_mark(actor=None, slot=roll["slot"], statuses={roll["enrolments"][1].pk: AttendanceStatus.LATE})
    response = coordinator_client.get(f"/attendance/slots/{roll['slot'].pk}/roll-call/")
    assert response.status_code == 200
    assert (response.context["expected"], response.context["unmarked"]) == (5, 4)
    assert b"Not yet marked: 4" in response.content and b"Expected: 5" in response.content
    assert b"Mark everyone not yet marked present" in response.content
    assert b"Search by name" in response.content
    assert b"Family0000" not in response.content  # the rows come from the marks endpoint, for the script

    body = coordinator_client.get(f"/attendance/slots/{roll['slot'].pk}/marks/?everyone=1").json()
    rows = [dict(zip(body["columns"], row)) for row in body["rows"]]
    assert len(rows) == 5
    assert any(row["called"] == "Kwame" and row["family_name"] == "Family0000" and not row["status"]
               and body["countries"][row["country"]] for row in rows)
    assert [row["status"] for row in rows if row["enrolment"] == roll["enrolments"][1].pk] == ["late"]


def test_a_tap_is_saved_at_once_and_answers_the_row_with_its_provenance(coordinator_client, coordinator, roll):
    enrolment = roll["enrolments"][0]
    response = post_mark(coordinator_client, roll["slot"], enrolment, "present", client_id="c-1")
    assert response.status_code == 200
    assert response.json()["enrolment"] == enrolment.pk and response.json()["status"] == "present"
    record = AttendanceRecord.objects.get(enrolment=enrolment, slot=roll["slot"])
    assert (record.status, record.source, record.client_id, record.marked_by) == (
        "present", AttendanceSource.ROLL_CALL, "c-1", coordinator)
    assert record.taken_at and record.received_at
    entry = AuditEntry.objects.get(action="attendance.take")
    assert entry.actor == coordinator and entry.data["statuses"][str(enrolment.pk)][:2] == [None, "present"]
    assert enrolment_attendance_rate(enrolment) == 100.0  # rates follow the marks as they come in


def test_the_later_mark_wins_by_when_it_was_taken_whoever_sends_last(coordinator_client, hub_staff, client, roll):
    enrolment, slot = roll["enrolments"][0], roll["slot"]
    post_mark(coordinator_client, slot, enrolment, "absent", taken_at=(T0 + dt.timedelta(minutes=2)).isoformat(),
              client_id="b")
    answer = post_mark(coordinator_client, slot, enrolment, "present", taken_at=T0.isoformat(), client_id="a")
    assert answer.json()["status"] == "absent"  # taken earlier, arriving later: it loses, and says so
    newer = post_mark(coordinator_client, slot, enrolment, "late", taken_at=(T0 + dt.timedelta(minutes=3)).isoformat(),
                      client_id="c")
    assert newer.json()["status"] == "late"
    assert AttendanceRecord.objects.get(enrolment=enrolment, slot=slot).status == "late"
    # The other screen's refresh shows it.
    rows = coordinator_client.get(f"/attendance/slots/{slot.pk}/marks/").json()["rows"]
    assert rows == [{"enrolment": enrolment.pk, "status": "late", "taken_at": rows[0]["taken_at"]}]


def test_a_mark_sent_twice_is_stored_once(coordinator_client, roll):
    enrolment, slot = roll["enrolments"][1], roll["slot"]
    mark = {"enrolment": enrolment.pk, "status": "excused", "taken_at": T0.isoformat(), "client_id": "same"}
    post_marks(coordinator_client, slot, [mark])
    post_marks(coordinator_client, slot, [mark, mark])
    assert AttendanceRecord.objects.filter(enrolment=enrolment, slot=slot).count() == 1
    assert AuditEntry.objects.filter(action="attendance.take").count() == 1


def test_an_old_offline_mark_does_not_overwrite_a_newer_one(coordinator, roll):
    enrolment, slot = roll["enrolments"][2], roll["slot"]
    attendance_take(actor=coordinator, slot=slot, marks=[TakenMark(enrolment.pk, "present", T0 + dt.timedelta(hours=1))])
    stored = attendance_take(actor=coordinator, slot=slot,
                             marks=[TakenMark(enrolment.pk, "absent", T0, client_id="offline-1")])
    assert stored[enrolment.pk].status == "present"
    assert AttendanceRecord.objects.get(enrolment=enrolment, slot=slot).client_id == ""


def test_mark_all_fills_only_the_gaps_then_the_exceptions(coordinator_client, roll):
    slot, enrolments = roll["slot"], roll["enrolments"]
    post_mark(coordinator_client, slot, enrolments[0], "absent")
    post_marks(coordinator_client, slot, [{"enrolment": e.pk, "status": "present", "only_if_unmarked": True,
                                           "client_id": f"all-{e.pk}"} for e in enrolments])
    post_mark(coordinator_client, slot, enrolments[1], "late")
    statuses = dict(AttendanceRecord.objects.filter(slot=slot).values_list("enrolment_id", "status"))
    assert statuses == {enrolments[0].pk: "absent", enrolments[1].pk: "late",
                        **{e.pk: "present" for e in enrolments[2:]}}


def test_a_future_time_taken_counts_as_received(coordinator, roll):
    enrolment, slot = roll["enrolments"][0], roll["slot"]
    far = timezone.now() + dt.timedelta(days=300)
    attendance_take(actor=coordinator, slot=slot, marks=[TakenMark(enrolment.pk, "absent", far)])
    stored = attendance_take(actor=coordinator, slot=slot, marks=[TakenMark(enrolment.pk, "present", timezone.now())])
    assert stored[enrolment.pk].status == "present"


def test_attendance_mark_keeps_working_and_records_its_source(roll):
    enrolment, slot = roll["enrolments"][0], roll["slot"]
    attendance_mark(actor=None, slot=slot, statuses={enrolment.pk: AttendanceStatus.EXCUSED},
                    source=AttendanceSource.EXCUSE)
    record = AttendanceRecord.objects.get(enrolment=enrolment, slot=slot)
    assert (record.source, record.taken_at, record.received_at) == ("excuse", record.marked_at, record.marked_at)


def test_a_mark_of_another_session_is_refused_with_nothing_written(coordinator_client, coordinator, roll):
    _other_session, _other_slot, others = session_with_slot(trainees=1, code="GXP-2022-10")
    response = post_mark(coordinator_client, roll["slot"], others[0], "present")
    assert response.status_code == 400 and response.json()["errors"]
    bogus = post_mark(coordinator_client, roll["slot"], roll["enrolments"][0], "asleep")
    assert bogus.status_code == 400
    assert not AttendanceRecord.objects.exists()


def test_another_sessions_coordinator_and_trainees_get_404(client, role_groups, roll, trainee_user):
    other = get_user_model().objects.create_user(email="other-coordinator@hub.test", password="x", is_staff=True)
    other.groups.add(role_groups[Role.COORDINATORS])
    session_with_slot(trainees=1, coordinator=other, code="GXP-2022-10")
    slot = roll["slot"]
    for user in (other, trainee_user):
        client.force_login(user)
        assert client.get(f"/attendance/slots/{slot.pk}/roll-call/").status_code == 404
        assert client.get(f"/attendance/slots/{slot.pk}/marks/").status_code == 404
        assert post_mark(client, slot, roll["enrolments"][0], "present").status_code == 404
        assert client.get(f"/attendance/slots/{slot.pk}/check-in/").status_code == 404
    assert not AttendanceRecord.objects.exists()


def test_a_visit_has_its_roll_call_of_its_participants(coordinator_client, roll):
    visit = FacilityVisitFactory(session=roll["session"])
    visit.participants.add(*roll["enrolments"][:2])
    page = coordinator_client.get(f"/attendance/visits/{visit.pk}/roll-call/")
    assert page.status_code == 200 and page.context["expected"] == 2
    assert len(coordinator_client.get(f"/attendance/visits/{visit.pk}/marks/?everyone=1").json()["rows"]) == 2
    answer = coordinator_client.post(f"/attendance/visits/{visit.pk}/marks/",
                                     {"enrolment": roll["enrolments"][0].pk, "status": "present"})
    assert answer.json()["status"] == "present"
    refused = coordinator_client.post(f"/attendance/visits/{visit.pk}/marks/",
                                      {"enrolment": roll["enrolments"][3].pk, "status": "present"})
    assert refused.status_code == 400


@pytest.mark.parametrize("url", ["/attendance/slots/{slot}/roll-call/", "/attendance/slots/{slot}/marks/",
                                 "/attendance/slots/{slot}/marks/?everyone=1"])
def test_the_roll_call_does_not_grow_in_queries_with_its_cohort(coordinator_client, roll, assert_flat_queries, url):
    from cohorts.models import EnrolmentStatus

    from .factories import EnrolmentFactory

    slot = roll["slot"]

    def page():
        response = coordinator_client.get(url.format(slot=slot.pk))
        assert response.status_code == 200
        return response

    def grow():
        for _ in range(20):
            enrolment = EnrolmentFactory(session=roll["session"], status=EnrolmentStatus.CONFIRMED)
            attendance_mark(actor=None, slot=slot, statuses={enrolment.pk: AttendanceStatus.PRESENT})

    assert_flat_queries(page, grow, warm=True)


def test_marking_many_does_not_grow_in_queries(coordinator_client, roll, assert_flat_queries):
    from cohorts.models import EnrolmentStatus

    from .factories import EnrolmentFactory

    slot = roll["slot"]
    round_ = iter(range(100))

    def mark_all():
        n = next(round_)
        ids = list(slot.session.enrolments.values_list("pk", flat=True))
        response = post_marks(coordinator_client, slot, [
            {"enrolment": pk, "status": "late" if n % 2 else "present", "client_id": f"{n}-{pk}",
             "taken_at": (T0 + dt.timedelta(minutes=n)).isoformat()} for pk in ids])
        assert response.status_code == 200
        return response

    def grow():  # twenty more trainees, marked already, as the first ones are after the warm-up
        for _ in range(20):
            enrolment = EnrolmentFactory(session=roll["session"], status=EnrolmentStatus.CONFIRMED)
            attendance_mark(actor=None, slot=slot, statuses={enrolment.pk: AttendanceStatus.ABSENT})

    assert_flat_queries(mark_all, grow, warm=True)


def test_the_admins_timetable_and_visits_lead_to_the_roll_call_and_the_qr_screen(coordinator_client, roll):
    from ..cohorts.factories import FacilityVisitFactory

    slot = roll["slot"]
    visit = FacilityVisitFactory(session=slot.session)

    slots = coordinator_client.get("/admin/cohorts/timetableslot/").content.decode()
    visits = coordinator_client.get("/admin/cohorts/facilityvisit/").content.decode()

    assert f'href="/attendance/slots/{slot.pk}/roll-call/"' in slots
    assert f'href="/attendance/slots/{slot.pk}/check-in/"' in slots
    assert f'href="/attendance/visits/{visit.pk}/roll-call/"' in visits
