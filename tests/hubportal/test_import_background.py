"""Large admin uploads: checked and imported by a worker, followed on a page, never half a file."""

import pytest
from django.core.files.storage import default_storage

from hubportal.audit.models import AuditEntry
from hubportal.importexport import ExpiringUploadStorage
from hubportal.jobs.models import Job, JobStatus
from hubportal.jobs.services import job_run
from trainees.models import Trainee

from ..importfiles import csv_bytes
from ..trainees.factories import CountryFactory
from .test_import_admin import upload

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/trainees/trainee/import/"
HEADER = ["Given name", "Family name", "Email", "Country", "Organisation"]
ROWS = [HEADER,
        ["Ama", "Mensah", "ama@fda.test", "GH", "Food and Drugs Authority"],
        ["Chidi", "Okafor", "chidi@nafdac.test", "NG", "NAFDAC"]]


@pytest.fixture(autouse=True)
def large_means_anything(settings, db):
    settings.IMPORT_BACKGROUND_BYTES = 10  # every test file counts as large
    CountryFactory()
    CountryFactory(code="NG", name="Nigeria")


def uploads():
    try:
        return default_storage.listdir(ExpiringUploadStorage.FOLDER)[1]
    except FileNotFoundError:
        return []


def upload_in_background(client, content, capture):
    with capture(execute=False) as queued:
        response = upload(client, IMPORT_URL, content)
    assert response.status_code == 302
    job = Job.objects.get()
    assert response["Location"] == f"/admin/trainees/trainee/import/jobs/{job.pk}/"
    assert len(queued) == 1  # handed to a worker once committed
    return job, response["Location"]


def test_a_large_file_is_checked_by_a_worker_then_confirmed_and_imported_whole(
        client, hub_staff, django_capture_on_commit_callbacks):
    client.force_login(hub_staff)
    job, page_url = upload_in_background(client, csv_bytes(ROWS), django_capture_on_commit_callbacks)
    assert not Trainee.objects.exists()
    waiting = client.get(page_url).content.decode()
    assert "a background worker checks it" in waiting and 'http-equiv="refresh"' in waiting

    job_run(job.pk)
    checked = client.get(page_url).content.decode()
    assert "Checked: ready to import" in checked and "2 to create" in checked
    assert 'http-equiv="refresh"' not in checked
    assert not Trainee.objects.exists()  # a check writes nothing
    assert len(uploads()) == 1  # kept for the confirmation

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(page_url)
    imported = Job.objects.exclude(pk=job.pk).get()
    assert response["Location"] == f"/admin/trainees/trainee/import/jobs/{imported.pk}/"
    job_run(imported.pk)
    done = client.get(response["Location"]).content.decode()
    assert "Import finished: created 2, updated 0, unchanged 0, errors 0." in done
    assert set(Trainee.objects.values_list("email", flat=True)) == {"ama@fda.test", "chidi@nafdac.test"}
    assert uploads() == []  # the personal data in the upload is gone once imported
    assert AuditEntry.objects.filter(action="trainees.import", actor=hub_staff).count() == 1
    # The check cannot be confirmed a second time.
    again = client.post(page_url, follow=True)
    assert "cannot be imported from here" in again.content.decode()
    assert Job.objects.count() == 2


def test_a_large_file_with_problems_lists_them_and_keeps_nothing(client, hub_staff,
                                                                  django_capture_on_commit_callbacks):
    client.force_login(hub_staff)
    bad = ROWS + [["Bad", "Row", "nope", "Narnia", ""]]
    job, page_url = upload_in_background(client, csv_bytes(bad), django_capture_on_commit_callbacks)
    job_run(job.pk)
    page = client.get(page_url).content.decode()
    assert "The file has 2 problems; nothing was written" in page
    assert "Row 4, Email: “nope” is not a valid email address." in page
    assert "Confirm import" not in page
    assert uploads() == [] and not Trainee.objects.exists()
    client.post(page_url)
    assert Job.objects.count() == 1  # nothing to confirm


def test_a_large_file_with_only_a_header_is_an_error(client, hub_staff, django_capture_on_commit_callbacks):
    client.force_login(hub_staff)
    job, page_url = upload_in_background(client, csv_bytes([HEADER + ["Phone"] * 3]),
                                         django_capture_on_commit_callbacks)
    job_run(job.pk)
    page = client.get(page_url).content.decode()
    assert "no data rows" in page and "Confirm import" not in page


def test_someone_elses_import_page_answers_404(client, hub_staff, coordinator, django_capture_on_commit_callbacks):
    client.force_login(hub_staff)
    job, page_url = upload_in_background(client, csv_bytes(ROWS), django_capture_on_commit_callbacks)
    job_run(job.pk)
    client.force_login(coordinator)
    assert client.get(page_url).status_code == 404
    assert client.post(page_url).status_code == 404
    assert Job.objects.count() == 1


def test_a_small_file_is_still_previewed_in_the_request(client, hub_staff, settings):
    settings.IMPORT_BACKGROUND_BYTES = 1024 * 1024
    client.force_login(hub_staff)
    response = upload(client, IMPORT_URL, csv_bytes(ROWS))
    assert response.status_code == 200 and "2 to create" in response.content.decode()
    assert not Job.objects.exists()


def test_a_small_file_with_only_a_header_is_refused_on_the_form(client, hub_staff, settings):
    settings.IMPORT_BACKGROUND_BYTES = 1024 * 1024
    client.force_login(hub_staff)
    response = upload(client, IMPORT_URL, csv_bytes([HEADER]))
    assert "The file has no data rows, only its header: nothing to import." in response.content.decode()
    assert uploads() == [] and not Job.objects.exists()
