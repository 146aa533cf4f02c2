"""In a real browser (Debian's Chromium), on a desktop and at a phone's width: a trainee follows their
invitation, sets a password, lands on their programme, opens the timetable, switches to French,
downloads the calendar and a certificate, and corrects their phone number. Every page passes axe-core
with no serious or critical violation and never scrolls sideways. Screenshots: var/screenshots/."""

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect, sync_playwright

from certificates.models import Certificate, CertificateStatus
from cohorts.models import AttendanceStatus, EnrolmentStatus
from cohorts.services import attendance_mark
from hubportal.outbox.models import OutboundEmail
from trainees.invitations import trainees_invite
from trainees.models import Trainee

from ..cohorts.factories import CourseSessionFactory, EnrolmentFactory, FacilityVisitFactory, TimetableSlotFactory
from ..trainees.factories import CountryFactory, TraineeFactory

pytestmark = pytest.mark.django_db(transaction=True)

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"
KST = dt.timezone(dt.timedelta(hours=9))
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
              "device_scale_factor": 2},
}


def invited_trainee(name: str, email: str) -> str:
    """A Ghanaian trainee of the July course, with a timetable, a visit, marks and a certificate,
    invited to the portal; the path of their invitation link."""
    session = CourseSessionFactory(code=f"BDM-2022-{name[:2].upper()}", start_date=dt.date(2022, 7, 18),
                                   end_date=dt.date(2022, 7, 19))
    trainee = TraineeFactory(given_name=name, email=email, country=CountryFactory(code="GH"), phone="+233 20 000 0000")
    enrolment = EnrolmentFactory(trainee=trainee, session=session, status=EnrolmentStatus.COMPLETED)
    for day in range(2):
        for hour in (9, 11, 14):
            slot = TimetableSlotFactory(session=session, date=session.start_date + dt.timedelta(days=day),
                                        start_time=dt.time(hour), end_time=dt.time(hour + 1, 30), room="Hoam 101")
            attendance_mark(actor=None, slot=slot, statuses={enrolment.pk: AttendanceStatus.PRESENT})
    visit = FacilityVisitFactory(session=session, meeting_point="Coach bays",
                                 starts_at=dt.datetime(2022, 7, 19, 16, tzinfo=KST),
                                 ends_at=dt.datetime(2022, 7, 19, 18, tzinfo=KST))
    visit.participants.add(enrolment)
    certificate = Certificate.objects.create(
        enrolment=enrolment, course=session.course, year=2022, number=1, serial=f"{session.code}-0001",
        holder_name=trainee.full_name, course_title=session.course.title, start_date=session.start_date,
        end_date=session.end_date, learning_hours=12, issued_at=timezone.now(), status=CertificateStatus.VALID)
    certificate.pdf.save(f"{certificate.serial}.pdf", ContentFile(b"%PDF-1.4\n%a certificate\n"))
    trainees_invite(actor=None, trainees=[trainee])
    body = OutboundEmail.objects.get(to=[email]).body
    return body.split("http://127.0.0.1:8000", 1)[1].split()[0]


def no_serious_violations(page, axe: Axe, name: str) -> None:
    results = axe.run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, f"{name}: " + "; ".join(f"{v['id']} ({v['impact']}): {v['help']} at "
                                             f"{[n['target'] for n in v['nodes']][:3]}" for v in serious)


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_a_trainee_from_invitation_to_certificate(live_server, device, tmp_path):
    path = invited_trainee("Kofi" if device == "desktop" else "Esi", f"{device}@gh.test")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    axe = Axe()
    seen = {}

    def visit(page, name):
        page.screenshot(path=SCREENSHOTS / f"{device}-{name}.png", full_page=True)
        no_serious_violations(page, axe, f"{device} {name}")
        seen[name] = fits_the_width(page)

    # No ORM call inside this block: Playwright's sync API runs in a greenlet of its own.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(accept_downloads=True, locale="en-GB", **VIEWPORTS[device])
        page = context.new_page()

        page.goto(live_server.url + path)
        visit(page, "invitation")
        page.fill("#id_password1", "Accra-to-Seoul-2022")
        page.fill("#id_password2", "Accra-to-Seoul-2022")
        page.get_by_role("button", name="Set my password and sign in").click()
        expect(page.locator("h1")).to_contain_text("Welcome,")
        visit(page, "home")

        page.get_by_role("link", name="Timetable").first.click()
        expect(page.locator("h2").first).to_contain_text("2022")
        expect(page.locator("body")).to_contain_text("Meet at: Coach bays")
        visit(page, "timetable")

        page.select_option("#language-choice", "fr")
        page.get_by_role("button", name="Apply").click()
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        visit(page, "timetable-fr")
        with page.expect_download() as calendar:
            page.locator("a[href='/calendar.ics']").click()
        ics = tmp_path / "hubportal.ics"
        calendar.value.save_as(ics)

        page.goto(live_server.url + "/certificates/")
        visit(page, "certificates-fr")
        with page.expect_download() as pdf:
            page.locator("a[href*='/download/']").click()
        certificate = tmp_path / "certificate.pdf"
        pdf.value.save_as(certificate)

        page.goto(live_server.url + "/attendance/")
        visit(page, "attendance-fr")

        page.goto(live_server.url + "/profile/")
        page.fill("#id_phone", "+233 24 555 0101")
        page.locator("form.stacked button[type=submit]").click()
        expect(page.locator(".messages")).to_be_visible()
        visit(page, "profile-fr")
        browser.close()

    events = list(Calendar.from_ical(ics.read_bytes()).walk("VEVENT"))
    assert len(events) == 7  # six slots and the visit
    assert certificate.read_bytes().startswith(b"%PDF")
    assert Trainee.objects.get(email=f"{device}@gh.test").phone == "+233 24 555 0101"
    assert Trainee.objects.get(email=f"{device}@gh.test").language == "fr"
    assert all(seen.values()), {name: fits for name, fits in seen.items() if not fits}
