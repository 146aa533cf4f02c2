"""Issue 15, self check-in by QR: a code signed by the portal for a slot and a 30-second window,
accepted one window either side and refused after; one tap marks present, or late after the
session's grace minutes; each refusal has its own plain message and writes nothing; 150 trainees
checking in at once lose no mark and make no duplicate."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from cohorts import checkin
from cohorts.models import AttendanceRecord, AttendanceSource, AttendanceStatus
from cohorts.services import attendance_mark
from hubportal.audit.models import AuditEntry

from ..conftest import PASSWORD
from .attendance_fixtures import at_slot, session_with_slot
from .checkin_burst import burst

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(trainee_user, coordinator):
    session, slot, enrolments = session_with_slot(trainees=3, users=[trainee_user], coordinator=coordinator)
    return {"session": session, "slot": slot, "enrolment": enrolments[0], "user": trainee_user}


@pytest.fixture
def clock(monkeypatch):
    """Set the portal's clock: clock(moment)."""
    def set_(moment):
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment
    return set_


def test_a_token_holds_now_and_one_window_either_side_and_expires_after(setting):
    slot, now = setting["slot"], at_slot(setting["slot"], 5)
    token = checkin.token_for(slot.pk, now)
    step = dt.timedelta(seconds=checkin.WINDOW_SECONDS)
    assert checkin.read_token(token, now) == (slot.pk, "ok")
    assert checkin.read_token(token, now - step) == (slot.pk, "ok")
    assert checkin.read_token(token, now + step) == (slot.pk, "ok")
    assert checkin.read_token(token, now + 2 * step) == (slot.pk, "expired")
    assert checkin.read_token(token, now + dt.timedelta(minutes=2))[1] == "expired"
    assert checkin.read_token(f"{slot.pk + 1}-{token.split('-')[1]}", now) == (None, "invalid")
    assert checkin.read_token("nonsense", now) == (None, "invalid")


def test_the_staff_screen_shows_the_qr_code_its_address_and_six_characters(client, coordinator, setting, clock):
    now = clock(at_slot(setting["slot"], -5))
    client.force_login(coordinator)
    page = client.get(f"/attendance/slots/{setting['slot'].pk}/check-in/")
    assert page.status_code == 200
    code = page.context["code"]
    assert re.fullmatch(r"[2-9A-Z]{6}", code["code"]) and code["url"].endswith(
        f"/check-in/{checkin.token_for(setting['slot'].pk, now)}/")
    assert b"<svg" in page.content and code["code"].encode() in page.content
    renewed = client.get(f"/attendance/slots/{setting['slot'].pk}/check-in/code/").json()
    assert renewed["code"] == code["code"] and 0 < renewed["seconds_left"] <= 30


def test_one_tap_marks_present_within_the_grace_time(client, setting, clock):
    slot = setting["slot"]
    clock(at_slot(slot, 9))
    client.force_login(setting["user"])
    url = f"/check-in/{checkin.token_for(slot.pk)}/"
    assert b"I am here" in client.get(url).content
    assert not AttendanceRecord.objects.exists()  # opening it writes nothing
    done = client.post(url)
    assert b"marked present" in done.content
    record = AttendanceRecord.objects.get()
    assert (record.enrolment, record.status, record.source, record.marked_by) == (
        setting["enrolment"], AttendanceStatus.PRESENT, AttendanceSource.QR, setting["user"])
    assert AuditEntry.objects.filter(action="attendance.check_in").count() == 1


def test_late_after_the_sessions_grace_minutes(client, setting, clock):
    setting["session"].grace_minutes = 5
    setting["session"].save()
    clock(at_slot(setting["slot"], 6))
    client.force_login(setting["user"])
    assert b"marked late" in client.post(f"/check-in/{checkin.token_for(setting['slot'].pk)}/").content
    assert AttendanceRecord.objects.get().status == AttendanceStatus.LATE


@pytest.mark.parametrize("case", ["not_enrolled", "already_marked", "outside_time", "expired", "invalid"])
def test_each_refusal_has_its_own_message_and_writes_nothing(client, setting, clock, role_groups, case):
    slot = setting["slot"]
    user = setting["user"]
    moment = at_slot(slot, 3)
    token = checkin.token_for(slot.pk, moment)
    messages = {
        "not_enrolled": "You are not enrolled in this session",
        "already_marked": "Your attendance at this slot is recorded already",
        "outside_time": "Check-in for this slot is open from 08:30 to 10:30 only",
        "expired": "This code has expired",
        "invalid": "This is not a check-in code of this portal",
    }
    if case == "not_enrolled":
        user = get_user_model().objects.create_user(email="stranger@hub.test", password=PASSWORD)
    elif case == "already_marked":
        attendance_mark(actor=None, slot=slot, statuses={setting["enrolment"].pk: AttendanceStatus.ABSENT})
    elif case == "outside_time":
        moment = at_slot(slot, 120)
        token = checkin.token_for(slot.pk, moment)
    elif case == "expired":
        token = checkin.token_for(slot.pk, moment - dt.timedelta(minutes=2))
    elif case == "invalid":
        token = f"{slot.pk}-ABCDEF"
    clock(moment)
    before = list(AttendanceRecord.objects.values_list("pk", "status", "taken_at"))
    audits = AuditEntry.objects.count()
    client.force_login(user)
    for response in (client.get(f"/check-in/{token}/"), client.post(f"/check-in/{token}/")):
        assert response.status_code == 200
        assert messages[case] in response.content.decode()
        assert b"I am here" not in response.content
    assert list(AttendanceRecord.objects.values_list("pk", "status", "taken_at")) == before
    assert AuditEntry.objects.count() == audits


def test_the_six_characters_typed_at_check_in_lead_to_the_same_confirmation(client, setting, clock):
    slot = setting["slot"]
    now = clock(at_slot(slot, 0))
    code = checkin.token_for(slot.pk, now).split("-")[1]
    client.force_login(setting["user"])
    assert client.get("/check-in/").status_code == 200
    answer = client.post("/check-in/", {"code": f" {code[:3].lower()} {code[3:]} "})
    assert answer.status_code == 302 and answer["Location"] == f"/check-in/{slot.pk}-{code}/"
    client.post(answer["Location"])
    assert AttendanceRecord.objects.get().status == AttendanceStatus.PRESENT
    wrong = client.post("/check-in/", {"code": "ZZZZZZ"})
    assert b"This is not a check-in code of this portal" in wrong.content


def test_a_double_tap_stores_one_mark(client, setting, clock):
    clock(at_slot(setting["slot"], 1))
    client.force_login(setting["user"])
    url = f"/check-in/{checkin.token_for(setting['slot'].pk)}/"
    client.post(url)
    again = client.post(url)
    assert b"recorded already" in again.content
    assert AttendanceRecord.objects.count() == 1


def test_staff_open_check_in_by_hand_for_a_slot_that_is_not_on_now(client, coordinator, setting, clock):
    """A slot moved on the day, or the demo's slots of 2022: the screen says check-in is closed and
    offers to open it; for 30 minutes from then trainees check in, late after the grace minutes."""
    slot, user = setting["slot"], setting["user"]
    setting["session"].grace_minutes = 10
    setting["session"].save()
    opened = clock(at_slot(slot, 24 * 60))  # the next day, same time
    client.force_login(coordinator)
    screen = client.get(f"/attendance/slots/{slot.pk}/check-in/").content.decode()
    assert "a code scanned now is refused" in screen and "Open check-in now for 30 minutes" in screen
    assert client.post(f"/attendance/slots/{slot.pk}/check-in/open/")["Location"] == \
        f"/attendance/slots/{slot.pk}/check-in/"
    screen = client.get(f"/attendance/slots/{slot.pk}/check-in/").content.decode()
    closes = timezone.localtime(opened + dt.timedelta(minutes=30)).strftime("%H:%M")
    assert f"stays open until {closes}" in screen and "Open check-in now" not in screen
    assert AuditEntry.objects.filter(action="attendance.check_in_open").count() == 1

    client.force_login(user)
    clock(opened + dt.timedelta(minutes=2))
    code = checkin.token_for(slot.pk).split("-")[1]
    typed = client.post("/check-in/", {"code": code})  # today's slots, and those opened by hand
    assert typed.status_code == 302
    assert b"marked present" in client.post(typed["Location"]).content

    other = setting["session"].enrolments.exclude(pk=setting["enrolment"].pk).first()
    other.trainee.user = get_user_model().objects.create_user(email="second@hub.test", password=PASSWORD)
    other.trainee.save()
    client.force_login(other.trainee.user)
    clock(opened + dt.timedelta(minutes=12))
    assert b"marked late" in client.post(f"/check-in/{checkin.token_for(slot.pk)}/").content
    clock(opened + dt.timedelta(minutes=31))
    AttendanceRecord.objects.filter(enrolment=other).delete()
    assert "open from" in client.post(f"/check-in/{checkin.token_for(slot.pk)}/").content.decode()
    assert dict(AttendanceRecord.objects.values_list("enrolment", "status")) == {
        setting["enrolment"].pk: AttendanceStatus.PRESENT}


def test_only_the_sessions_roll_call_takers_open_check_in(client, setting, role_groups):
    from hubportal.users.roles import Role

    from ..conftest import _user

    slot = setting["slot"]
    stranger = _user("other-coordinator@hub.test", groups=[role_groups[Role.COORDINATORS]], is_staff=True)
    for user in (stranger, setting["user"]):
        client.force_login(user)
        assert client.post(f"/attendance/slots/{slot.pk}/check-in/open/").status_code == 404
    slot.refresh_from_db()
    assert slot.check_in_opened_at is None
    assert client.get(f"/attendance/slots/{slot.pk}/check-in/open/").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_150_trainees_loses_no_mark_and_makes_no_duplicate(live_server, role_groups):
    """150 trainees, signed in, open and confirm the current check-in address from 50 threads at once
    (each tapping twice), against the live test server."""
    from django.test import Client

    users = [get_user_model().objects.create_user(email=f"burst-{i}@hub.test", password=PASSWORD)
             for i in range(150)]
    now = timezone.localtime()
    session, slot, _ = session_with_slot(trainees=150, users=users, code="BURST-01")
    session.start_date = session.end_date = slot.date = now.date()
    slot.start_time = (now - dt.timedelta(minutes=1)).time().replace(microsecond=0)
    slot.end_time = dt.time(23, 59, 59)
    session.save()
    slot.save()
    cookies = []
    for user in users:
        signed_in = Client()
        signed_in.force_login(user)
        cookies.append(signed_in.cookies["sessionid"].value)
    result = burst(live_server.url, f"/check-in/{checkin.token_for(slot.pk)}/", cookies, workers=50, taps=2)
    assert not result["errors"], result["errors"][:3]
    records = AttendanceRecord.objects.filter(slot=slot)
    assert records.count() == 150
    assert records.values("enrolment").distinct().count() == 150
