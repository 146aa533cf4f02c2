"""What a user sees when something goes wrong: the portal's own pages, in their language, and a 400
(never a 500) for a request carrying a NUL character, which PostgreSQL cannot store or compare."""

from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.urls import path

from hubportal import urls as portal_urls

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db

KOREAN = {"HTTP_ACCEPT_LANGUAGE": "ko-KR,ko;q=0.9"}
BRAND = "Global Training Hub for Biomanufacturing"
HOME_LINK = 'href="/"'


def _boom(request):
    raise RuntimeError("a bug in a view")


# The portal's URLs and one view that fails, for the 500 page (see @pytest.mark.urls below).
urlpatterns = [path("boom/", _boom), *portal_urls.urlpatterns]


def assert_portal_page(response, status):
    page = response.content.decode()
    assert response.status_code == status, page[:500]
    assert response["Content-Type"].startswith("text/html")
    assert '<header class="site-header">' in page and "<footer>" in page
    assert "css/portal.css" in page
    assert HOME_LINK in page
    return page


# --- NUL characters --------------------------------------------------------------------------------

def test_a_verification_code_with_a_nul_answers_bad_request(client):
    page = assert_portal_page(client.get("/verify/%00/"), 400)

    assert "<title>Bad request · HubPortal</title>" in page and BRAND in page


def test_a_certificate_download_with_a_nul_answers_bad_request(client, trainee_user):
    client.force_login(trainee_user)

    assert_portal_page(client.get("/certificates/%00/download/"), 400)


def test_an_admin_search_for_a_nul_answers_bad_request(staff_client):
    assert_portal_page(staff_client.get("/admin/users/user/", {"q": "staff\x00"}), 400)


def test_an_admin_filter_with_a_nul_answers_bad_request(staff_client):
    assert staff_client.get("/admin/cohorts/enrolment/?status=%00").status_code == 400


def test_a_query_key_with_a_nul_answers_bad_request(staff_client):
    assert staff_client.get("/admin/users/user/?q%00=staff").status_code == 400


def test_a_sign_in_form_with_a_nul_answers_bad_request(client, trainee_user):
    form = urlencode({"login": "trainee@hub.test\x00", "password": PASSWORD})

    response = client.post("/accounts/login/", form, content_type="application/x-www-form-urlencoded")

    assert_portal_page(response, 400)
    assert "_auth_user_id" not in client.session


def test_a_multipart_form_with_a_nul_gets_the_form_back_with_its_error(client, trainee_user):
    # Multipart bodies are not read ahead of the view; the form's own fields refuse the NUL.
    response = client.post("/accounts/login/", {"login": "trainee@hub.test\x00", "password": PASSWORD})

    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_session_cookie_with_a_nul_answers_bad_request(client):
    # Printable on the wire: Django unquotes the octal escape into a NUL.
    response = client.get("/", HTTP_COOKIE='sessionid="\\000abcdefghijk"')

    assert_portal_page(response, 400)


def test_the_bad_request_page_speaks_the_browsers_language(client):
    page = client.get("/verify/%00/", **KOREAN).content.decode()

    assert '<html lang="ko">' in page
    assert "글로벌 바이오 인력양성 허브" in page and BRAND not in page


def test_hangul_and_accents_pass_as_before(staff_client):
    get_user_model().objects.create_user(email="minjun@hub.test", name="김민준")
    get_user_model().objects.create_user(email="jose@hub.test", name="José Gonçalves")

    korean = staff_client.get("/admin/users/user/", {"q": "김민준"}).content.decode()
    accented = staff_client.get("/admin/users/user/", {"q": "Gonçalves"}).content.decode()

    assert "김민준" in korean and "Gonçalves" not in korean
    assert "Gonçalves" in accented and "김민준" not in accented
    assert staff_client.get("/verify/한글-café/").status_code == 404  # the verification page's own


def test_a_sign_in_with_hangul_and_accents_gets_the_form_back(client):
    response = client.post("/accounts/login/", {"login": "김민준@한국.kr", "password": "mot-de-passe-é"})

    assert response.status_code == 200
    assert '<ul class="errorlist' in response.content.decode()


# --- The portal's error pages ----------------------------------------------------------------------

def test_an_unknown_address_shows_the_portals_not_found_page(client):
    page = assert_portal_page(client.get("/no-such-page/"), 404)

    assert "<title>Page not found · HubPortal</title>" in page and BRAND in page
    assert "Sign in" in page  # the header works as on every other page


def test_the_not_found_page_in_korean(client):
    page = assert_portal_page(client.get("/no-such-page/", **KOREAN), 404)

    assert '<html lang="ko">' in page
    assert "글로벌 바이오 인력양성 허브" in page and BRAND not in page
    assert "페이지를 찾을 수 없습니다" in page and "Page not found" not in page
    assert "There is no page at this address" not in page


def test_a_page_the_user_may_not_open_shows_the_portals_forbidden_page(client, coordinator):
    client.force_login(coordinator)

    page = assert_portal_page(client.get("/admin/users/user/"), 403)

    assert "coordinator@hub.test" in page  # still signed in, and told so


@pytest.mark.urls(__name__)
def test_a_failing_view_shows_the_portals_server_error_page(client):
    client.raise_request_exception = False

    page = assert_portal_page(client.get("/boom/"), 500)

    assert "<title>Server error · HubPortal</title>" in page and BRAND in page
    assert "a bug in a view" not in page and "Traceback" not in page


@pytest.mark.urls(__name__)
def test_the_server_error_page_in_korean(client):
    client.raise_request_exception = False

    page = assert_portal_page(client.get("/boom/", **KOREAN), 500)

    assert '<html lang="ko">' in page and "글로벌 바이오 인력양성 허브" in page


@pytest.mark.urls(__name__)
def test_the_server_error_page_survives_a_deployment_without_its_static_manifest(client, settings, tmp_path):
    # A release whose collectstatic did not run: every {% static %} tag fails, the 500 page must not.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
    settings.STATIC_ROOT = tmp_path
    client.raise_request_exception = False

    page = assert_portal_page(client.get("/boom/"), 500)

    assert '<link rel="stylesheet" href="/static/css/portal.css">' in page
