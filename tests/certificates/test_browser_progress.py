"""In a real browser: staff issue a session's certificates and watch the job finish without reloading."""

import pytest
from playwright.sync_api import expect, sync_playwright

from certificates.models import Certificate
from hubportal.celery import app as celery_app

from ..conftest import PASSWORD
from .factories import ended_session, enrolment_attending

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def test_the_progress_bar_follows_the_job_to_its_end(live_server, hub_staff, celery_worker):
    celery_app.control.purge()
    session, slots = ended_session(code="BDM-2022-07")
    for _ in range(30):
        enrolment_attending(session, slots, 10)

    # No ORM call inside this block: Playwright's sync API runs in a greenlet, where Django would open
    # a connection of its own that nothing closes before the test database is dropped.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", hub_staff.email)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")

        page.goto(f"{live_server.url}/admin/cohorts/coursesession/")
        page.locator("tr", has_text="BDM-2022-07").locator("input.action-select").check()
        page.select_option("select[name=action]", "issue_certificates")
        page.click("button[name=index]")

        expect(page.locator(".messagelist")).to_contain_text("is queued")
        progress = page.locator(".job-progress-text").first
        loaded_at = page.evaluate("performance.timeOrigin")
        expect(progress).to_have_text("Done · 30 / 30", timeout=90_000)
        same_page = page.evaluate("performance.timeOrigin") == loaded_at
        bar_full = page.locator(".job-progress progress").first.evaluate("bar => bar.value === bar.max")
        browser.close()

    assert same_page  # the bar moved on the page as loaded: no reload
    assert bar_full
    assert Certificate.objects.filter(enrolment__session=session).exclude(pdf="").count() == 30
