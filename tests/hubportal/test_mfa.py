"""Second factors (issue 13): with HUB_STAFF_MFA = "required" hub staff, coordinators and superusers set
one up before any other page; then signing in asks for it, on the portal's sign-in and the admin's."""

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import override_settings

from hubportal.users.middleware import LAST_SEEN

from ..conftest import PASSWORD
from .webauthn_device import SoftwareKey

pytestmark = pytest.mark.django_db

required = override_settings(HUB_STAFF_MFA="required")


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now for this secret."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_in(client, email, password=PASSWORD, *, path="/accounts/login/", next_url="/admin/"):
    return client.post(path, {"login": email, "password": password, "next": next_url})


def confirm_password(client, path, password=PASSWORD):
    """Open a page that changes a second factor: allauth asks for the password again first."""
    page = client.get(path)
    if page.status_code == 302 and page["Location"].startswith("/accounts/reauthenticate/"):
        assert client.post(page["Location"], {"password": password}).status_code == 302
        page = client.get(path)
    assert page.status_code == 200, page
    return page


def activate_totp(client, password=PASSWORD) -> str:
    """Set up an authenticator app on the signed-in account, as a person does; its secret."""
    confirm_password(client, "/accounts/2fa/totp/activate/", password)
    secret = client.session["mfa.totp.secret"]
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302, response.context["form"].errors
    return secret


@required
def test_the_demo_staff_login_is_sent_to_set_up_a_second_factor_before_the_admin(client, reference_countries):
    from cohorts.demo import DEMO_PASSWORD, demo_hub_seed

    demo_hub_seed()

    response = sign_in(client, "staff@hub.example", DEMO_PASSWORD)
    assert response["Location"] == "/admin/"
    for page in ("/admin/", "/admin/cohorts/coursesession/", "/", "/accounts/email/"):
        response = client.get(page)
        assert (response.status_code, response["Location"]) == (302, "/accounts/2fa/"), page

    setup = client.get("/accounts/2fa/").content.decode()
    assert "set up a second factor" in setup
    assert '<header class="site-header">' in setup  # in the portal's frame
    assert "/accounts/2fa/totp/activate/" in setup and "/accounts/2fa/webauthn/add/" in setup

    activate_totp(client, DEMO_PASSWORD)
    assert client.get("/admin/").status_code == 200


@required
def test_coordinators_and_superusers_are_held_too_but_not_trainees(client, coordinator, superuser, trainee_user):
    for user in (coordinator, superuser):
        client.force_login(user)
        assert client.get("/admin/")["Location"] == "/accounts/2fa/"
    client.force_login(trainee_user)
    assert client.get("/").status_code == 200


@required
def test_without_a_second_factor_staff_may_still_sign_out_and_reach_the_set_up_pages(client, hub_staff):
    client.force_login(hub_staff)

    assert client.get("/accounts/2fa/webauthn/add/")["Location"].startswith("/accounts/reauthenticate/")
    assert client.get("/accounts/reauthenticate/").status_code == 200
    assert client.get("/health/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_with_mfa_optional_staff_go_in_without_one(client, hub_staff):
    client.force_login(hub_staff)
    assert client.get("/admin/").status_code == 200


@required
@pytest.mark.parametrize("login_path", ["/accounts/login/", "/admin/login/"])
def test_after_setting_up_an_app_signing_in_asks_for_its_code(client, hub_staff, login_path):
    sign_in(client, hub_staff.email)
    secret = activate_totp(client)
    assert client.get("/accounts/2fa/recovery-codes/").status_code == 200  # shown once set up
    client.post("/accounts/logout/")

    response = sign_in(client, hub_staff.email, path=login_path)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/admin/")["Location"].startswith("/admin/login/")  # not signed in yet

    page = client.get("/accounts/2fa/authenticate/").content.decode()
    assert '<header class="site-header">' in page
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200 and "Incorrect code" in wrong.content.decode()

    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@required
def test_a_recovery_code_signs_in_once_in_place_of_the_app(client, hub_staff):
    sign_in(client, hub_staff.email)
    activate_totp(client)
    codes = Authenticator.objects.get(user=hub_staff, type=Authenticator.Type.RECOVERY_CODES).wrap().get_unused_codes()
    client.post("/accounts/logout/")

    sign_in(client, hub_staff.email)
    assert client.post("/accounts/2fa/authenticate/", {"code": codes[0]})["Location"] == "/admin/"
    client.post("/accounts/logout/")
    sign_in(client, hub_staff.email)
    assert client.post("/accounts/2fa/authenticate/", {"code": codes[0]}).status_code == 200  # used up


@required
@override_settings(MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN=True)  # the test client's origin is http://testserver
def test_a_security_key_is_a_second_factor_and_a_passkey_signs_in_alone(client, hub_staff):
    sign_in(client, hub_staff.email)
    page = confirm_password(client, "/accounts/2fa/webauthn/add/")
    key = SoftwareKey()
    response = client.post("/accounts/2fa/webauthn/add/", {
        "name": "YubiKey", "passwordless": "on",
        "credential": key.register(page.context["js_data"]["creation_options"], resident=True)})
    assert response.status_code == 302, response.context["form"].errors
    assert client.get("/admin/").status_code == 200
    client.post("/accounts/logout/")

    # The sign-in page's passkey button: the page's script asks for a challenge, the key signs it.
    login_page = client.get("/accounts/login/").content.decode()
    assert 'id="passkey_login"' in login_page
    options = client.get("/accounts/2fa/webauthn/login/", headers={"accept": "application/json"},
                         HTTP_X_REQUESTED_WITH="XMLHttpRequest").json()["request_options"]
    response = client.post("/accounts/2fa/webauthn/login/", {"credential": key.assertion(options)})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_the_sign_in_pages_load_nothing_from_elsewhere(client, hub_staff):
    pages = [client.get("/accounts/login/").content.decode()]
    sign_in(client, hub_staff.email)
    pages += [confirm_password(client, path).content.decode()
              for path in ("/accounts/2fa/", "/accounts/2fa/totp/activate/", "/accounts/2fa/webauthn/add/")]
    for page in pages:
        sources = re.findall(r'(?:src|href)="([^"]+)"', page)
        assert sources and not [s for s in sources if s.startswith(("http:", "https:", "//"))], sources
    assert "/static/mfa/js/webauthn.js" in pages[0] and "/static/mfa/js/webauthn.js" in pages[3]
    assert 'src="data:image/svg+xml;base64,' in pages[2]  # the app's QR code, drawn here


def test_a_lost_authenticator_is_removed_by_a_superuser_with_an_audit_entry(client, superuser, hub_staff):
    from hubportal.audit.models import AuditEntry

    authenticator = Authenticator.objects.create(user=hub_staff, type=Authenticator.Type.TOTP,
                                                 data={"secret": "JBSWY3DPEHPK3PXP"})
    client.force_login(superuser)
    listing = client.get("/admin/mfa/authenticator/").content.decode()
    assert hub_staff.email in listing and "JBSWY3DPEHPK3PXP" not in listing
    detail = client.get(f"/admin/mfa/authenticator/{authenticator.pk}/change/").content.decode()
    assert "JBSWY3DPEHPK3PXP" not in detail

    client.post(f"/admin/mfa/authenticator/{authenticator.pk}/delete/", {"post": "yes"})

    assert not Authenticator.objects.filter(pk=authenticator.pk).exists()
    entry = AuditEntry.objects.get(action="mfa.remove")
    assert (entry.actor, entry.target_id, entry.data) == (superuser, str(hub_staff.pk), {"type": "totp"})


# --- Idle sessions ------------------------------------------------------------------------------


def _idle(client, seconds):
    session = client.session
    session[LAST_SEEN] = time.time() - seconds
    session.save()


@override_settings(HUB_STAFF_SESSION_IDLE_SECONDS=600)
def test_an_idle_staff_session_ends_and_says_why(client, hub_staff):
    client.force_login(hub_staff)
    _idle(client, 500)
    assert client.get("/admin/").status_code == 200  # still within its idle time, and moved on
    assert time.time() - client.session[LAST_SEEN] < 5

    _idle(client, 601)
    response = client.get("/admin/cohorts/coursesession/")

    assert response["Location"] == "/accounts/login/?next=/admin/cohorts/coursesession/"
    page = client.get(response["Location"]).content.decode()
    assert "signed out after 10 minutes without activity" in page
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


@override_settings(HUB_STAFF_SESSION_IDLE_SECONDS=600)
def test_the_staff_session_itself_expires_with_the_idle_time(client, hub_staff):
    client.force_login(hub_staff)
    assert client.session.get_expiry_age() == 600


@override_settings(HUB_STAFF_SESSION_IDLE_SECONDS=600)
def test_a_trainee_session_has_no_idle_limit(client, trainee_user):
    client.force_login(trainee_user)
    _idle(client, 3600)
    assert client.get("/").context["user"] == trainee_user
