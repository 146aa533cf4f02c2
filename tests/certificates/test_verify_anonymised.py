"""An anonymised trainee's certificate still verifies, without their name; its PDF, which prints the
name, is gone, as is a ZIP of the session's certificates made before."""

import io
import subprocess
import zipfile
from pathlib import Path

import pytest

from certificates.models import Certificate, JobKind
from certificates.services import certificate_revoke, certificates_issue
from hubportal.jobs.services import job_create, job_run
from trainees.privacy import trainee_anonymise

from .factories import ended_session, enrolment_attending

pytestmark = pytest.mark.django_db


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def rendered(hub_staff, django_capture_on_commit_callbacks):
    """Two certificates of BDM-2022-07 rendered by the real renderer, and a ZIP of them."""
    session, slots = ended_session(code="BDM-2022-07")
    enrolment_attending(session, slots, 10, given_name="Nomvula", family_name="Dlamini", email="nomvula@biovac.test")
    enrolment_attending(session, slots, 10, given_name="Ama", family_name="Mensah", email="ama@fda.test")
    with django_capture_on_commit_callbacks(execute=False):
        job_run(certificates_issue(actor=hub_staff, session=session).pk)
        zipped = job_create(actor=hub_staff, kind=JobKind.CERTIFICATE_ZIP, session=session)
    job_run(zipped.pk)
    zipped.refresh_from_db()
    return Certificate.objects.get(holder_name="Nomvula DLAMINI"), zipped


def test_an_anonymised_trainees_certificate_verifies_without_the_name(
        rendered, client, hub_staff, django_capture_on_commit_callbacks):
    certificate, zipped = rendered
    pdf = Path(certificate.pdf.path)
    assert "Nomvula DLAMINI" in pdf_text(pdf)
    with zipped.result.open("rb") as data, zipfile.ZipFile(io.BytesIO(data.read())) as archive:
        assert f"{certificate.serial}.pdf" in archive.namelist()
    zip_path = Path(zipped.result.path)

    with django_capture_on_commit_callbacks(execute=True):
        trainee_anonymise(actor=hub_staff, trainee=certificate.enrolment.trainee)

    page = client.get(f"/verify/{certificate.verification_code}/").content.decode()
    assert "This certificate is valid." in page
    assert f"A participant of {certificate.course_title}; name withheld at the holder's request." in page
    assert certificate.serial in page and "18 – 29 July 2022" in page
    assert "Nomvula" not in page and "DLAMINI" not in page and "Anonymised" not in page
    # The PDF that printed the name, and the ZIP that held it, are gone; the certificate's record stays.
    assert not pdf.exists() and not zip_path.exists()
    certificate.refresh_from_db()
    assert (certificate.pdf.name, certificate.serial, certificate.status) == ("", certificate.serial, "valid")
    zipped.refresh_from_db()
    assert zipped.result.name == ""
    # Nobody downloads a file that is not there; the other holder keeps theirs, with their name.
    client.force_login(hub_staff)
    assert client.get(f"/certificates/{certificate.verification_code}/download/").status_code == 404
    other = Certificate.objects.get(holder_name="Ama MENSAH")
    assert "Ama MENSAH" in pdf_text(Path(other.pdf.path))


def test_a_revoked_certificate_of_an_anonymised_trainee_still_says_revoked(rendered, client, hub_staff):
    certificate, _zipped = rendered
    certificate_revoke(actor=hub_staff, certificate=certificate, reason="Nomvula DLAMINI asked us to")
    trainee_anonymise(actor=hub_staff, trainee=certificate.enrolment.trainee)

    page = client.get(f"/verify/{certificate.verification_code}/").content.decode()
    assert "This certificate was revoked on" in page and "Nomvula" not in page
    certificate.refresh_from_db()
    assert certificate.revoked_reason == f"Anonymised #{certificate.enrolment.trainee_id} asked us to"
