"""Issue 16: with STORAGE_URL the generated and uploaded files live in an S3-compatible bucket, which
web and workers on different machines share. Against moto's S3 served over HTTP, as MinIO would be."""

import io
import re
import time
import uuid
import zipfile
from dataclasses import dataclass

import boto3
import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from moto.server import ThreadedMotoServer

from certificates.models import Certificate, JobKind
from certificates.services import certificates_issue
from cohorts.models import EnrolmentStatus, ExcuseRequest
from hubportal.celery import app as celery_app
from hubportal.importexport import ExpiringUploadStorage
from hubportal.jobs.models import JobStatus
from hubportal.jobs.services import job_create, job_run
from hubportal.storage_url import storage_from_url
from reports.services import country_report_request
from trainees.models import Trainee
from trainees.privacy import trainee_anonymise

from ..certificates.factories import ended_session, enrolment_attending
from ..cohorts.factories import CourseSessionFactory, EnrolmentFactory, TimetableSlotFactory
from ..conftest import PASSWORD
from ..importfiles import csv_bytes
from ..trainees.factories import CountryFactory, TraineeFactory
from .conftest import running_worker
from .test_deploy import production_env  # noqa: F401  (a fixture)
from .test_import_admin import ROWS, confirm_data, upload

PREFIX = "hubportal"  # the URL's folder inside the bucket: the portal's names are relative to it
KEYS = {"aws_access_key_id": "hub-test-key", "aws_secret_access_key": "hub-test-secret"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass(frozen=True)
class Bucket:
    name: str
    url: str  # the STORAGE_URL that points at it
    client: object

    def objects(self) -> dict[str, bytes]:
        """Every object in the bucket, by its name in the portal (without the prefix)."""
        listed = self.client.list_objects_v2(Bucket=self.name).get("Contents", [])
        return {item["Key"].removeprefix(f"{PREFIX}/"): self.client.get_object(Bucket=self.name, Key=item["Key"])[
            "Body"].read() for item in listed}


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3 over HTTP on a free port: a stand-in that another process (a worker) reaches too."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def new_bucket(endpoint: str) -> Bucket:
    name = f"hub-test-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **KEYS)
    client.create_bucket(Bucket=name)
    url = (f"s3://{KEYS['aws_access_key_id']}:{KEYS['aws_secret_access_key']}@{name}/{PREFIX}"
           f"?endpoint_url={endpoint}&region=us-east-1")
    return Bucket(name, url, client)


@pytest.fixture
def bucket(s3_endpoint, settings) -> Bucket:
    """An empty bucket of this test's own, and the portal's files pointed at it as STORAGE_URL would."""
    bucket = new_bucket(s3_endpoint)
    settings.STORAGES = {**settings.STORAGES, "default": storage_from_url(bucket.url, environ={})}
    return bucket


def assert_nothing_on_disk(settings):
    written = list(settings.MEDIA_ROOT.rglob("*")) if settings.MEDIA_ROOT.exists() else []
    assert written == []


def downloaded(response) -> bytes:
    assert response.status_code == 200, response
    assert response["Content-Disposition"].startswith("attachment")
    return b"".join(response.streaming_content)


def test_a_test_switches_the_models_files_to_the_bucket_and_back(s3_endpoint, settings):
    """Django resets the storage FileFields hold when STORAGES changes (override_settings, `settings`)."""
    bucket = new_bucket(s3_endpoint)
    field = Certificate._meta.get_field("pdf")

    with override_settings(STORAGES={**settings.STORAGES, "default": storage_from_url(bucket.url, environ={})}):
        assert field.storage.bucket_name == default_storage.bucket_name == bucket.name

    assert field.storage.path("certificates/x.pdf") == str(settings.MEDIA_ROOT / "certificates" / "x.pdf")


def test_a_name_already_taken_gives_a_new_one_as_on_disk(bucket, settings):
    first = default_storage.save("jobs/report.csv", ContentFile(b"one"))
    second = default_storage.save("jobs/report.csv", ContentFile(b"two"))

    assert first == "jobs/report.csv" and second != first and second.startswith("jobs/report_")
    assert bucket.objects() == {first: b"one", second: b"two"}
    assert_nothing_on_disk(settings)


@pytest.mark.django_db
def test_certificates_rendered_into_the_bucket_are_downloaded_through_the_portal(
        bucket, hub_staff, trainee_user, client, django_capture_on_commit_callbacks, settings):
    session, slots = ended_session(code="BDM-2022-07")
    enrolment_attending(session, slots, 10, user=trainee_user, given_name="Min-jun", family_name="Kim")
    enrolment_attending(session, slots, 10, given_name="Ama", family_name="Mensah")
    with django_capture_on_commit_callbacks(execute=False):
        job = certificates_issue(actor=hub_staff, session=session)
    # A run killed between file and row left a file: the next run writes over it, not beside it.
    first = Certificate.objects.order_by("serial").first()
    bucket.client.put_object(Bucket=bucket.name, Key=f"{PREFIX}/certificates/{first.serial}.pdf", Body=b"cut short")

    job_run(job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    stored = bucket.objects()
    certificates = list(Certificate.objects.order_by("serial"))
    assert sorted(stored) == [f"certificates/{c.serial}.pdf" for c in certificates]  # one file a certificate
    mine = Certificate.objects.get(enrolment__trainee__user=trainee_user)
    client.force_login(trainee_user)
    pdf = downloaded(client.get(reverse("certificate_download", args=[mine.verification_code])))
    assert pdf.startswith(b"%PDF-") and pdf == stored[mine.pdf.name]

    # The session's ZIP: the worker reads the PDFs from the bucket and writes the ZIP into it.
    with django_capture_on_commit_callbacks(execute=False):
        zipped = job_create(actor=hub_staff, kind=JobKind.CERTIFICATE_ZIP, session=session)
    job_run(zipped.pk)
    zipped.refresh_from_db()
    client.force_login(hub_staff)
    data = downloaded(client.get(reverse("job_result", args=[zipped.pk])))
    assert data == bucket.objects()[zipped.result.name]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {name: archive.read(name) for name in archive.namelist()} == {
            f"{c.serial}.pdf": stored[c.pdf.name] for c in certificates}
    assert_nothing_on_disk(settings)


@pytest.mark.django_db
def test_a_report_written_into_the_bucket_is_downloaded_by_staff(bucket, hub_staff, staff_client, settings):
    job = country_report_request(actor=hub_staff, fmt="csv")

    job_run(job.pk)

    job.refresh_from_db()
    assert job.result.name.startswith("jobs/countries") and job.result.name in bucket.objects()
    report = downloaded(staff_client.get(reverse("job_result", args=[job.pk])))
    assert report == bucket.objects()[job.result.name]
    assert report.decode("utf-8-sig").splitlines()[0].startswith("Country")
    assert_nothing_on_disk(settings)


@pytest.mark.django_db
def test_an_excuse_document_uploaded_by_a_trainee_is_kept_in_the_bucket_and_downloaded(
        bucket, client, role_groups, settings):
    session = CourseSessionFactory(code="BDM-2022-07", completion_threshold=80)
    slots = [TimetableSlotFactory(session=session) for _ in range(3)]
    user = get_user_model().objects.create_user(email="awa@hub.test", password=PASSWORD)
    trainee = TraineeFactory(user=user, email="awa@hub.test", country=CountryFactory(code="SN"))
    EnrolmentFactory(trainee=trainee, session=session, status=EnrolmentStatus.CONFIRMED)
    client.force_login(user)

    response = client.post(reverse("portal_excuse_request", args=["slot", slots[1].pk]),
                           {"reason": "Ill", "attachment": SimpleUploadedFile("note.pdf", PDF, "application/pdf")})

    assert response.status_code == 302
    excuse = ExcuseRequest.objects.get()
    assert bucket.objects() == {excuse.attachment.name: PDF}
    assert downloaded(client.get(reverse("excuse_document", args=[excuse.pk]))) == PDF
    assert_nothing_on_disk(settings)


@pytest.mark.django_db
def test_an_import_upload_waits_in_the_bucket_until_confirmed(bucket, client, hub_staff, settings):
    CountryFactory()
    client.force_login(hub_staff)

    preview = upload(client, "/admin/trainees/trainee/import/", csv_bytes(ROWS))

    assert preview.status_code == 200 and "2 to create" in preview.content.decode()
    waiting = [name for name in bucket.objects() if name.startswith("import-uploads/")]
    assert len(waiting) == 1
    response = client.post("/admin/trainees/trainee/process_import/", confirm_data(preview), follow=True)
    assert "Import finished: created 2, updated 0, unchanged 0, errors 0." in [
        str(m) for m in response.context["messages"]]
    assert Trainee.objects.count() == 2
    assert bucket.objects() == {}  # the upload is gone once used
    assert_nothing_on_disk(settings)


@pytest.mark.django_db
def test_an_abandoned_import_upload_is_purged_from_the_bucket_after_its_time(bucket, client, hub_staff, settings):
    CountryFactory()
    client.force_login(hub_staff)
    upload(client, "/admin/trainees/trainee/import/", csv_bytes(ROWS))  # previewed, never confirmed
    (name,) = bucket.objects()
    modified = ExpiringUploadStorage()._storage.get_modified_time(name)
    assert abs(time.time() - modified.timestamp()) < 60 and modified.tzinfo is not None

    assert ExpiringUploadStorage().purge_expired() == 0  # younger than IMPORT_UPLOAD_MAX_AGE_SECONDS
    assert list(bucket.objects()) == [name]
    time.sleep(1.1)  # S3 keeps whole seconds
    assert ExpiringUploadStorage().purge_expired(max_age=1) == 1
    assert bucket.objects() == {}
    assert ExpiringUploadStorage().purge_expired(max_age=0) == 0  # an empty folder is no error
    assert_nothing_on_disk(settings)


@pytest.mark.django_db
def test_anonymising_a_trainee_deletes_their_certificate_from_the_bucket(
        bucket, hub_staff, django_capture_on_commit_callbacks, settings):
    session, slots = ended_session(code="BDM-2022-07")
    minjun = enrolment_attending(session, slots, 10, given_name="Min-jun").trainee
    ama = enrolment_attending(session, slots, 10, given_name="Ama").trainee
    with django_capture_on_commit_callbacks(execute=False):
        job = certificates_issue(actor=hub_staff, session=session)
    job_run(job.pk)
    kept = Certificate.objects.get(enrolment__trainee=ama).pdf.name
    assert len(bucket.objects()) == 2

    with django_capture_on_commit_callbacks(execute=True):
        trainee_anonymise(actor=hub_staff, trainee=minjun)

    assert list(bucket.objects()) == [kept]
    assert_nothing_on_disk(settings)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_on_another_machine_renders_into_the_bucket_and_the_web_serves_it(
        s3_endpoint, production_env, hub_staff, trainee_user, client, tmp_path, settings):  # noqa: F811
    """The worker is set up as on a machine of its own: the production settings, STORAGE_URL in its
    environment and a MEDIA_ROOT of its own, which stays empty. The web side (this process) reads
    the same bucket through the same STORAGE_URL."""
    bucket = new_bucket(s3_endpoint)
    settings.STORAGES = {**settings.STORAGES, "default": storage_from_url(bucket.url, environ={})}
    worker_env = {key: value for key, value in production_env.items() if key != "DJANGO_MEDIA_ROOT"}
    worker_env["STORAGE_URL"] = bucket.url
    session, slots = ended_session(code="BDM-2022-07")
    enrolment_attending(session, slots, 10, user=trainee_user, given_name="Min-jun", family_name="Kim")
    enrolment_attending(session, slots, 10, given_name="Ama", family_name="Mensah")
    celery_app.control.purge()

    with running_worker(production_env["DATABASE_URL"], tmp_path, extra_env=worker_env) as (worker, _process):
        job = certificates_issue(actor=hub_staff, session=session)  # enqueued once committed
        deadline = time.monotonic() + 120
        while job.status not in (JobStatus.DONE, JobStatus.FAILED) and time.monotonic() < deadline:
            time.sleep(0.3)
            job.refresh_from_db()

    log = worker.log_path.read_text()
    assert job.status == JobStatus.DONE, job.error or log[-3000:]
    assert re.search(r"Task jobs\.run_job\[[\w-]+\] succeeded", log), log[-3000:]  # that worker did the work
    stored = bucket.objects()
    assert sorted(stored) == sorted(f"certificates/{c.serial}.pdf" for c in Certificate.objects.all())
    assert not worker.media_root.exists() or list(worker.media_root.rglob("*")) == []
    mine = Certificate.objects.get(enrolment__trainee__user=trainee_user)
    assert mine.rendered_at is not None
    client.force_login(trainee_user)
    pdf = downloaded(client.get(reverse("certificate_download", args=[mine.verification_code])))
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF") and pdf == stored[mine.pdf.name]
    assert_nothing_on_disk(settings)
