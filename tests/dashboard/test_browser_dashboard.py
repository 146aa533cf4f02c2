"""In a real browser (Debian's Chromium), on a desktop and at a phone's width: hub staff open the
dashboard of a session; it passes axe-core with no serious or critical violation, never scrolls
sideways, and draws its charts and map without fetching anything from another site."""

from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client
from playwright.sync_api import sync_playwright

from cohorts.models import EnrolmentStatus

from ..certificates.factories import ended_session, enrolment_attending
from ..cohorts.factories import FacilityVisitFactory
from ..portal.test_browser_trainee import CHROMIUM, FLAGS, SCREENSHOTS, VIEWPORTS, fits_the_width, no_serious_violations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_the_dashboard_in_a_browser(live_server, device, hub_staff, reference_countries):
    session, slots = ended_session()
    visit = FacilityVisitFactory(session=session, capacity=8)
    for index, code in enumerate(["GH", "KE", "KR", "VN", "EG", "GH"]):
        visit.participants.add(enrolment_attending(session, slots, 4 + index, status=EnrolmentStatus.ATTENDED,
                                                   country__code=code))
    client = Client()
    client.force_login(hub_staff)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    foreign = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(locale="en-GB", **VIEWPORTS[device])
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        page = context.new_page()
        page.on("request", lambda r: foreign.append(r.url)
                if urlsplit(r.url).netloc not in (urlsplit(live_server.url).netloc, "") else None)
        page.goto(f"{live_server.url}/dashboard/?session={session.code}")
        page.wait_for_load_state("networkidle")
        assert page.locator("svg.bars").count() >= 6
        assert page.locator("img.world-map").evaluate("img => img.complete && img.naturalWidth > 0")
        no_serious_violations(page, Axe(), f"dashboard ({device})")
        assert fits_the_width(page), f"the dashboard scrolls sideways at {device} width"
        page.screenshot(path=str(SCREENSHOTS / f"dashboard-{device}.png"), full_page=True)
        browser.close()
    assert not foreign, foreign
