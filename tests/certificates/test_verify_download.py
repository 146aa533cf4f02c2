"""The public verification page and who may download a certificate."""

import pytest
from django.core.files.base import ContentFile

from certificates.models import Certificate
from certificates.services import certificate_revoke, certificates_issue

from ..conftest import _user
from .factories import ended_session, enrolment_attending

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(hub_staff, trainee_user, django_capture_on_commit_callbacks):
    session, slots = ended_session(code="BDM-2022-07")
    enrolment_attending(session, slots, 10, user=trainee_user, given_name="Min-jun", family_name="Kim",
                        native_name="김민준", email="minjun@gcbio.test", phone="+82 10 1234 5678")
    with django_capture_on_commit_callbacks(execute=False):
        certificates_issue(actor=hub_staff, session=session)
    issued = Certificate.objects.get()
    issued.pdf.save("BDM-test.pdf", ContentFile(b"%PDF-1.7 test\n%%EOF"))
    return issued


def test_a_valid_certificate_shows_name_course_and_dates_and_nothing_more(client, certificate):
    response = client.get(f"/verify/{certificate.verification_code}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "This certificate is valid." in page
    assert "Min-jun KIM" in page and "김민준" in page and certificate.course_title in page
    assert "18 – 29 July 2022" in page
    trainee = certificate.enrolment.trainee
    for private in ("minjun@gcbio.test", "+82 10 1234 5678", trainee.country.name, trainee.organisation.name,
                    trainee.job_title):
        assert private not in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in page


def test_a_revoked_certificate_says_so(client, certificate, hub_staff):
    certificate_revoke(actor=hub_staff, certificate=certificate, reason="issued by mistake")
    page = client.get(f"/verify/{certificate.verification_code}/").content.decode()
    assert "This certificate was revoked on" in page and "valid." not in page
    assert "issued by mistake" not in page  # the reason is for the hub, not the public


def test_an_unknown_code_gets_a_plain_not_found(client, certificate):
    response = client.get("/verify/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/")
    assert response.status_code == 404
    assert "Not found" in response.content.decode()


def test_the_verification_page_is_rate_limited(client, certificate, settings):
    settings.VERIFY_RATE_PER_MINUTE = 3
    codes = [client.get(f"/verify/guess{i}/").status_code for i in range(5)]
    assert codes == [404, 404, 404, 429, 429]
    limited = client.get(f"/verify/{certificate.verification_code}/")
    assert limited.status_code == 429 and limited["Retry-After"] == "60"


def test_the_holder_downloads_their_certificate(client, certificate, trainee_user):
    client.force_login(trainee_user)
    response = client.get(f"/certificates/{certificate.verification_code}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "BDM" in response["Content-Disposition"]


def test_staff_download_any_certificate(client, certificate, hub_staff):
    client.force_login(hub_staff)
    assert client.get(f"/certificates/{certificate.verification_code}/download/").status_code == 200


def test_another_trainee_gets_nothing_and_anonymous_users_must_sign_in(client, certificate, role_groups):
    response = client.get(f"/certificates/{certificate.verification_code}/download/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(_user("other@hub.test"))
    assert client.get(f"/certificates/{certificate.verification_code}/download/").status_code == 404


def test_pdf_files_are_not_served_from_a_public_media_url(client, certificate):
    assert client.get(f"/media/{certificate.pdf.name}").status_code == 404
    assert client.get(f"/{certificate.pdf.name}").status_code == 404


def test_the_holder_sees_the_download_on_their_certificates_page(client, certificate, trainee_user):
    client.force_login(trainee_user)
    page = client.get("/certificates/").content.decode()
    assert f"/certificates/{certificate.verification_code}/download/" in page
    assert f'href="/verify/{certificate.verification_code}/"' in page  # the link to open
    assert f'value="http://testserver/verify/{certificate.verification_code}/"' in page  # the link to copy
