"""In a real browser: staff issue a session's certificates and watch the job finish without reloading;
a visitor verifies one and its holder downloads it."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright

from certificates.models import Certificate
from hubportal.celery import app as celery_app

from ..conftest import PASSWORD
from .factories import ended_session, enrolment_attending
from .test_rendering import pdftotext, scanned_qr_codes

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def issue_from_the_admin(browser, base_url: str, staff, session_code: str):
    """A staff member signs in to the admin and runs "Issue certificates" on a session; their page."""
    page = browser.new_page()
    page.goto(f"{base_url}/admin/login/")
    page.fill("#id_login", staff.email)  # the portal's sign-in form serves the admin's login
    page.fill("#id_password", PASSWORD)
    page.click("#sign-in")
    page.goto(f"{base_url}/admin/cohorts/coursesession/")
    page.locator("tr", has_text=session_code).locator("input.action-select").check()
    page.select_option("select[name=action]", "issue_certificates")
    page.click("button[name=index]")
    return page


def test_the_progress_bar_follows_the_job_to_its_end(live_server, hub_staff, celery_worker):
    celery_app.control.purge()
    session, slots = ended_session(code="BDM-2022-07")
    for _ in range(30):
        enrolment_attending(session, slots, 10)

    # No ORM call inside this block: Playwright's sync API runs in a greenlet, where Django would open
    # a connection of its own that nothing closes before the test database is dropped.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = issue_from_the_admin(browser, live_server.url, hub_staff, "BDM-2022-07")

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


def test_an_issued_certificate_is_verified_by_anyone_and_downloaded_by_its_holder(
    live_server, hub_staff, trainee_user, celery_worker, settings, tmp_path
):
    """The issue's whole path in a browser: staff issue a session from the admin; a visitor checks
    the certificate at the URL its QR code holds; the holder signs in and downloads the PDF."""
    celery_app.control.purge()
    settings.MEDIA_ROOT = celery_worker.media_root  # where the worker wrote the PDFs
    session, slots = ended_session(code="BDM-2022-07")
    enrolment_attending(session, slots, 10, user=trainee_user, given_name="Min-jun", family_name="KIM",
                        native_name="김민준")
    for _ in range(4):
        enrolment_attending(session, slots, 9)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        staff = issue_from_the_admin(browser, live_server.url, hub_staff, "BDM-2022-07")
        expect(staff.locator(".job-progress-text").first).to_have_text("Done · 5 / 5", timeout=90_000)

        holder = browser.new_context().new_page()
        holder.goto(f"{live_server.url}/accounts/login/")
        holder.fill("input[name=login]", trainee_user.email)
        holder.fill("input[name=password]", PASSWORD)
        holder.click("button[type=submit]")
        holder.goto(f"{live_server.url}/certificates/")
        link = holder.get_by_role("link", name="Download the PDF")
        with holder.expect_download() as download:
            link.click()
        pdf = tmp_path / "mine.pdf"
        download.value.save_as(pdf)
        [scanned] = scanned_qr_codes(pdf, tmp_path)

        visitor = browser.new_context().new_page()
        visitor.goto(live_server.url + urlsplit(scanned).path)
        verdict = visitor.locator(".verdict").inner_text()
        awarded = visitor.locator("dt:has-text('Awarded to') + dd").inner_text()
        browser.close()

    text = pdftotext(pdf)
    assert "Min-jun KIM" in text and "김민준" in text and "Certificate of Completion" in text
    assert verdict == "This certificate is valid."
    assert awarded == "Min-jun KIM 김민준"
