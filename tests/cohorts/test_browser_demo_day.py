"""Issue 15's trial on the demo hub that `make run` serves (seed_demo, the demo logins and their
password, signed in through the sign-in form): the demo coordinator takes the roll call of a July 2022
slot on a phone-sized screen, then shows the QR code of the slot the seed left the demo trainee
unmarked at, opens check-in by hand (the slot was in 2022), and the demo trainee checks in by the
address read off the QR image."""

import io
from io import StringIO

import pytest
import zxingcpp
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import expect, sync_playwright

from cohorts.demo import DEMO_COORDINATOR, DEMO_PASSWORD
from cohorts.models import AttendanceRecord, AttendanceSource, AttendanceStatus, TimetableSlot
from trainees.models import Trainee

from .test_browser_roll_call import CHROMIUM, FLAGS, PHONE

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_TRAINEE = "jae-won.kang@kr.trainees.example"


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_the_demo_coordinator_takes_roll_call_and_the_demo_trainee_checks_in_by_qr(live_server, reference_countries):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    july = TimetableSlot.objects.filter(session__code="BDM-2022-07").order_by("date", "start_time")
    first, last = july.first(), july.last()
    assert f"/attendance/slots/{last.pk}/check-in/" in out.getvalue()
    trainee = Trainee.objects.get(email=DEMO_TRAINEE)
    enrolment = trainee.enrolments.get(session__code="BDM-2022-07")
    assert not AttendanceRecord.objects.filter(enrolment=enrolment, slot=last).exists()
    first_marks = dict(AttendanceRecord.objects.filter(slot=first).values_list("enrolment_id", "status"))
    base = live_server.url.replace("127.0.0.1", "localhost")

    # No ORM call inside this block: Playwright's sync API runs in a greenlet of its own.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        staff = browser.new_context(locale="en-GB", **PHONE).new_page()
        sign_in(staff, base, DEMO_COORDINATOR)
        staff.goto(f"{base}/attendance/slots/{first.pk}/roll-call/")
        expect(staff.locator("#unmarked-count")).to_have_text("Not yet marked: 0")
        staff.fill("#roll-call-search", trainee.family_name)
        row = staff.get_by_role("group", name=f"{trainee.preferred_name or trainee.given_name} {trainee.family_name}")
        row.get_by_role("button", name="Excused").tap()
        expect(row.get_by_role("button", name="Excused")).to_have_attribute("aria-pressed", "true")
        expect(staff.locator("#roll-call-connection")).to_have_text("All marks saved.")
        assert staff.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        staff.goto(f"{base}/attendance/slots/{last.pk}/check-in/")
        expect(staff.locator("#check-in-window")).to_contain_text("a code scanned now is refused")
        staff.get_by_role("button", name="Open check-in now for 30 minutes").tap()
        expect(staff.locator("#check-in-window")).to_contain_text("opened by hand")
        decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(staff.locator("#check-in-qr").screenshot())))
        assert decoded, "no QR code found on the staff screen"
        address = decoded[0].text

        phone = browser.new_context(locale="en-GB", **PHONE).new_page()
        sign_in(phone, base, DEMO_TRAINEE)
        phone.goto(address)
        phone.get_by_role("button", name="I am here").tap()
        expect(phone.locator(".notice.done")).to_contain_text("marked present")
        browser.close()

    checked_in = AttendanceRecord.objects.get(enrolment=enrolment, slot=last)
    assert (checked_in.status, checked_in.source) == (AttendanceStatus.PRESENT, AttendanceSource.QR)
    after = dict(AttendanceRecord.objects.filter(slot=first).values_list("enrolment_id", "status"))
    assert after == {**first_marks, enrolment.pk: AttendanceStatus.EXCUSED}
