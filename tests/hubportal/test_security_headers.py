"""Every page carries a content security policy that lets only the portal's own script and style files
act (no inline script or style on the trainees' pages), forbids framing, and keeps its address to
itself; in Debian's Chromium the trainee's pages, the staff's pages and the admin break none of it."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import sync_playwright

from ..cohorts.attendance_fixtures import session_with_slot
from ..conftest import PASSWORD
from ..portal.conftest import ama, ama_client  # noqa: F401  (fixtures)
from ..portal.test_browser_trainee import CHROMIUM, FLAGS

UNSAFE = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'")

# The listener is in place before any script of the page runs; the console catches what happens
# before the document exists (a blocked stylesheet of the head).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ${where}`);
});
"""


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: sources for name, *sources in (part.split() for part in header.split(";") if part.strip())}


def trainee_pages(session_code: str) -> list[str]:
    return ["/", f"/sessions/{session_code}/timetable/", "/attendance/", "/certificates/", "/profile/",
            "/check-in/", "/accounts/email/", "/accounts/password/change/", "/accounts/2fa/"]


@pytest.mark.django_db
def test_the_trainees_pages_allow_no_inline_script_or_style(ama_client, ama):  # noqa: F811
    for path in trainee_pages(ama["session"].code):
        response = ama_client.get(path)
        assert response.status_code == 200, path
        directives = policy(response)

        assert directives["default-src"] == ["'self'"], path
        assert directives["script-src"] == ["'self'"], path
        assert directives["style-src"] == ["'self'"], path
        assert directives["img-src"] == ["'self'", "data:"], path
        assert directives["object-src"] == ["'none'"], path
        assert directives["frame-ancestors"] == ["'none'"], path
        assert directives["form-action"] == ["'self'"], path
        assert directives["base-uri"] == ["'self'"], path
        assert response["X-Frame-Options"] == "DENY", path
        assert response["Referrer-Policy"] == "same-origin", path
        assert response["X-Content-Type-Options"] == "nosniff", path


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/password/reset/", "/check-in/"])
def test_the_pages_before_signing_in_allow_no_inline_script_or_style(client, path):
    response = client.get(path, follow=True)

    assert response.status_code == 200
    directives = policy(response)
    assert not set(UNSAFE) & set(directives["script-src"] + directives["style-src"] + directives["default-src"])
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_only_the_admin_may_use_inline_styles(staff_client):
    admin = policy(staff_client.get(reverse("admin:index")))
    dashboard = policy(staff_client.get(reverse("dashboard")))

    assert "'unsafe-inline'" in admin["style-src"]
    assert "'unsafe-inline'" not in admin["script-src"]  # only the export form's one handler, by its hash
    assert admin["frame-ancestors"] == ["'none'"]
    assert dashboard["style-src"] == ["'self'"] and dashboard["script-src"] == ["'self'"]


def _record(page, console: list[str]) -> None:
    page.add_init_script(RECORD_VIOLATIONS)
    page.on("console", lambda message: console.append(message.text)
            if "Content Security Policy" in message.text else None)


def _violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations")


def _session_cookie(user, live_server) -> dict:
    client = Client()
    client.force_login(user)
    return {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": live_server.url}


@pytest.mark.django_db(transaction=True)
def test_a_trainee_signs_in_and_browses_without_a_policy_violation(live_server, ama):  # noqa: F811
    pages = ["/", f"/sessions/{ama['session'].code}/timetable/", "/attendance/", "/certificates/", "/profile/",
             "/check-in/", "/accounts/email/"]
    seen, console = {}, []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(locale="en-GB")
        _record(page, console)
        page.goto(live_server.url + "/accounts/login/")
        page.fill("#id_login", ama["user"].email)
        page.fill("#id_password", PASSWORD)
        page.click("#sign-in")
        page.wait_for_url(live_server.url + "/")
        seen["sign-in and home"] = _violations(page)
        for path in pages:
            page.goto(live_server.url + path)
            page.wait_for_load_state("networkidle")
            # The page's own stylesheet applies: the navigation is laid out by portal.css, not inline.
            assert page.locator(".portal-nav").evaluate("nav => getComputedStyle(nav).display") != "inline", path
            seen[path] = _violations(page)
        console_before = list(console)
        # The listener does hear a violation: a style attribute, as injected markup would carry.
        page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">injected</p>')")
        page.wait_for_function("window.__cspViolations.length > 0")
        injected = _violations(page)
        browser.close()

    assert not any(seen.values()), {path: found for path, found in seen.items() if found}
    assert injected and "style-src" in injected[0]
    assert not console_before, console_before
    assert len(console) == 1 + len(console_before)


@pytest.mark.django_db(transaction=True)
def test_staff_pages_and_the_admin_work_within_their_policy(live_server, coordinator, hub_staff,
                                                            reference_countries):
    session, slot, _enrolments = session_with_slot(trainees=3, coordinator=coordinator, code="BDM-2022-CSP")
    staff_pages = [reverse("attendance_slot_roll_call", args=[slot.pk]), f"/dashboard/?session={session.code}",
                   f"/dashboard/map.svg?session={session.code}",  # opened by itself, not as the page's image
                   reverse("admin:index"), reverse("admin:cohorts_coursesession_changelist"),
                   reverse("admin:trainees_trainee_changelist"), reverse("admin:trainees_trainee_export"),
                   reverse("admin:cohorts_coursesession_change", args=[session.pk])]
    cookie = _session_cookie(hub_staff, live_server)
    seen, console = {}, []
    # No ORM call inside this block: Playwright's sync API runs in a greenlet of its own.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(locale="en-GB")
        context.add_cookies([cookie])
        page = context.new_page()
        _record(page, console)
        for path in staff_pages:
            response = page.goto(live_server.url + path)
            assert response.status == 200, path
            page.wait_for_load_state("networkidle")
            seen[path] = _violations(page)
        # The roll call's list is drawn by its script, which runs.
        page.goto(live_server.url + staff_pages[0])
        page.wait_for_selector("#roll-call-list li")
        # The export form's inline "select all" handler runs (allowed by its hash), unticking every field.
        page.goto(live_server.url + reverse("admin:trainees_trainee_export"))
        page.locator("input.select-toggle").first.click()
        ticked = page.locator(".selectable-field-export-row input[type=checkbox]:checked:visible").count()
        seen["export: select all"] = _violations(page)
        browser.close()

    assert ticked == 0

    assert not any(seen.values()), {path: found for path, found in seen.items() if found}
    assert not console, console
