"""In Debian's Chromium at a phone's width (360 px): a coordinator takes the roll call (one tap, then
everyone not yet marked present), then shows the check-in QR code; the test reads the address from
the QR image on the staff screen (zxing-cpp) and a trainee opens it in their own browser and checks in."""

import datetime as dt
import io

import pytest
import zxingcpp
from django.test import Client
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect, sync_playwright

from cohorts.models import AttendanceRecord, AttendanceSource, AttendanceStatus

from .attendance_fixtures import session_with_slot

pytestmark = pytest.mark.django_db(transaction=True)

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def session_cookie(user) -> dict:
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": "localhost", "path": "/"}


def test_a_coordinator_takes_roll_call_and_a_trainee_checks_in_by_qr(live_server, coordinator, trainee_user):
    now = timezone.localtime()
    session, slot, enrolments = session_with_slot(trainees=6, users=[trainee_user], coordinator=coordinator,
                                                  code="BDM-2022-RC")
    # A second slot, on now, for the QR check-in; the roll call is taken at the first.
    session.start_date = min(session.start_date, now.date())
    session.end_date = max(session.end_date, now.date())
    session.save()
    from .factories import TimetableSlotFactory

    live = TimetableSlotFactory(session=session, date=now.date(), title="Aseptic processing",
                                start_time=(now - dt.timedelta(minutes=2)).time().replace(microsecond=0),
                                end_time=dt.time(23, 59, 59))
    first = enrolments[1].trainee
    staff_cookie, trainee_cookie = session_cookie(coordinator), session_cookie(trainee_user)
    base = live_server.url.replace("127.0.0.1", "localhost")

    # No ORM call inside this block: Playwright's sync API runs in a greenlet of its own.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        staff = browser.new_context(locale="en-GB", **PHONE)
        staff.add_cookies([staff_cookie])
        page = staff.new_page()
        page.goto(f"{base}/attendance/slots/{slot.pk}/roll-call/")
        expect(page.locator("#unmarked-count")).to_have_text("Not yet marked: 6")
        page.fill("#roll-call-search", first.family_name)
        row = page.get_by_role("group", name=f"{first.given_name} {first.family_name}")
        row.get_by_role("button", name="Absent").tap()
        expect(row.get_by_role("button", name="Absent")).to_have_attribute("aria-pressed", "true")
        expect(page.locator("#roll-call-connection")).to_have_text("All marks saved.")
        page.fill("#roll-call-search", "")
        page.get_by_role("button", name="Mark everyone not yet marked present").tap()
        expect(page.locator("#unmarked-count")).to_have_text("Not yet marked: 0")
        expect(page.locator("#roll-call-connection")).to_have_text("All marks saved.")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        page.goto(f"{base}/attendance/slots/{live.pk}/check-in/")
        png = page.locator("#check-in-qr").screenshot()
        shown_code = page.locator("#check-in-code").inner_text()
        decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
        assert decoded, "no QR code found on the staff screen"
        address = decoded[0].text
        assert address.endswith(f"-{shown_code}/")

        trainee = browser.new_context(locale="en-GB", **PHONE)
        trainee.add_cookies([trainee_cookie])
        phone = trainee.new_page()
        phone.goto(address)
        phone.get_by_role("button", name="I am here").tap()
        expect(phone.locator(".notice.done")).to_contain_text("marked present")
        browser.close()

    marks = dict(AttendanceRecord.objects.filter(slot=slot).values_list("enrolment_id", "status"))
    assert marks == {e.pk: (AttendanceStatus.ABSENT if e == enrolments[1] else AttendanceStatus.PRESENT)
                     for e in enrolments}
    checked_in = AttendanceRecord.objects.get(slot=live)
    assert (checked_in.enrolment, checked_in.source) == (enrolments[0], AttendanceSource.QR)
