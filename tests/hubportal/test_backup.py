"""`manage.py backup DIR` and `manage.py restore DIR`: a hub comes back whole in a fresh database.

The restores run as the operator runs them, in processes of their own, against databases and media
folders of their own: a new PostgreSQL database, or a second SQLite file.
"""

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg2
import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from certificates.models import JobKind
from certificates.services import certificates_issue
from hubportal.jobs.services import job_create, job_run
from trainees.models import Trainee

from ..certificates.factories import ended_session, enrolment_attending
from ..trainees.factories import TraineeFactory
from .conftest import PROJECT_DIR

pytestmark = pytest.mark.django_db(transaction=True)

TRAINEES = [  # given name, family name, name in native script, slots attended of ten
    ("Min-jun", "Kim", "김민준", 10),
    ("Ama", "Mensah", "", 10),
    ("Thi Lan", "Nguyen", "Nguyễn Thị Lan", 9),
    ("Kofi", "Boateng", "", 3),  # too few: no certificate
]


def manage(*args, database_url: str, media_root: Path) -> subprocess.CompletedProcess:
    """A command of the operator's, in a process of its own (with the settings pytest runs with)."""
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_MEDIA_ROOT": str(media_root),
           "CELERY_BROKER_URL": settings.CELERY_BROKER_URL}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=PROJECT_DIR, env=env, capture_output=True,
                          text=True, timeout=120)


def _call(*args, **options) -> str:
    """A command in this process, on the test database and this test's MEDIA_ROOT; its output."""
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files_under(root: Path) -> dict[str, str]:
    return {path.relative_to(root).as_posix(): sha256(path.read_bytes()) for path in root.rglob("*") if path.is_file()}


# --- A hub with trainees, marks, certificates and their PDFs -------------------------------------


@pytest.fixture
def hub(hub_staff):
    """Four trainees of an ended session with their marks, three certificates rendered by the real
    job, the job that zips them, and an import upload waiting for its confirmation."""
    session, slots = ended_session(code="BDM-2022-07")
    for given, family, native, present in TRAINEES:
        enrolment_attending(session, slots, present, given_name=given, family_name=family, native_name=native,
                            email=f"{given.split()[0].lower()}@backup.test")
    job_run(certificates_issue(actor=hub_staff, session=session, enqueue=False).pk)
    job_run(job_create(actor=hub_staff, kind=JobKind.CERTIFICATE_ZIP, session=session, enqueue=False).pk)
    default_storage.save("import-uploads/0123abcd", ContentFile(b"given_name,family_name\nAma,Mensah\n"))
    return session


READER = r"""
import hashlib, json
from django.test import Client
from django.urls import reverse
from certificates.models import Certificate
from cohorts.models import AttendanceRecord
from hubportal.jobs.models import Job
from trainees.models import Trainee

client = Client()
certificates = []
for c in Certificate.objects.order_by("serial"):
    page = client.get(reverse("certificate_verify", args=[c.verification_code]))
    text = page.content.decode()
    with c.pdf.open("rb") as pdf:
        digest = hashlib.sha256(pdf.read()).hexdigest()
    certificates.append({
        "serial": c.serial, "code": c.verification_code, "holder": c.holder_name, "native": c.holder_native_name,
        "pdf": c.pdf.name, "pdf_sha256": digest, "verify_status": page.status_code,
        "verified": "This certificate is valid." in text and c.holder_name in text and c.holder_native_name in text,
    })
jobs = []
for job in Job.objects.exclude(result="").order_by("pk"):
    with job.result.open("rb") as result:
        jobs.append({"kind": job.kind, "result": job.result.name,
                     "sha256": hashlib.sha256(result.read()).hexdigest()})
print(json.dumps({
    "trainees": sorted([t.email, t.given_name, t.family_name, t.native_name] for t in Trainee.objects.all()),
    "marks": sorted([m.enrolment.trainee.email, m.slot_id, m.status]
                    for m in AttendanceRecord.objects.select_related("enrolment__trainee")),
    "certificates": certificates,
    "jobs": jobs,
}))
"""


def read_hub(*, database_url: str | None = None, media_root: Path | None = None) -> dict:
    """What READER finds: in this process (the hub backed up), or in a process on a restored hub."""
    if database_url is None:
        out = StringIO()
        with redirect_stdout(out):
            exec(READER, {})  # noqa: S102 - the test's own script
        return json.loads(out.getvalue())
    result = manage("shell", "--no-imports", "-c", READER, database_url=database_url, media_root=media_root)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- A fresh PostgreSQL database ------------------------------------------------------------------


def _server_connection():
    db = settings.DATABASES["default"]
    connection = psycopg2.connect(host=db.get("HOST") or "127.0.0.1", port=db.get("PORT") or 5432,
                                  user=db.get("USER") or None, password=db.get("PASSWORD") or None,
                                  dbname="postgres")
    connection.autocommit = True
    return connection


@pytest.fixture
def fresh_database(test_database_url):
    """A new, empty PostgreSQL database on the test server (its URL), dropped afterwards."""
    name = f"hubportal_restore_{uuid.uuid4().hex[:12]}"
    server = _server_connection()
    with server.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(test_database_url)._replace(path="/" + quote(name)))
    finally:
        with server.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.close()


def count_rows(database_url: str, *tables: str) -> dict[str, int]:
    parts = urlsplit(database_url)
    connection = psycopg2.connect(host=parts.hostname, port=parts.port, user=parts.username,
                                  password=parts.password, dbname=parts.path.lstrip("/"))
    try:
        with connection.cursor() as cursor:
            counts = {}
            for table in tables:
                cursor.execute(f'SELECT count(*) FROM "{table}"')
                counts[table] = cursor.fetchone()[0]
            return counts
    finally:
        connection.close()


# --- PostgreSQL: back up, restore into a fresh database, find everything --------------------------


def test_a_backup_restored_into_a_fresh_database_has_every_trainee_mark_and_certificate(
        hub, fresh_database, tmp_path):
    media = Path(settings.MEDIA_ROOT)
    before = read_hub()
    assert len(before["trainees"]) == 4 and len(before["certificates"]) == 3 and len(before["jobs"]) == 1
    assert len(before["marks"]) == 40
    stored = files_under(media)

    backup = tmp_path / "backup"
    out = _call("backup", str(backup))
    assert "4 stored files" in out and "Left out 1 import upload awaiting confirmation" in out

    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"]["engine"] == "postgresql"
    assert ["certificates", "0001_initial"] in manifest["migrations"]
    listed = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
    kept = {name: digest for name, digest in stored.items() if not name.startswith("import-uploads/")}
    assert listed == {"database.dump": sha256((backup / "database.dump").read_bytes()),
                      **{f"files/{name}": digest for name, digest in kept.items()}}

    restored_media = tmp_path / "restored-media"
    result = manage("restore", str(backup), database_url=fresh_database, media_root=restored_media)
    assert result.returncode == 0, result.stderr
    assert "Restored the PostgreSQL database and 4 stored files" in result.stdout

    after = read_hub(database_url=fresh_database, media_root=restored_media)
    assert after == before
    assert "김민준" in {trainee[3] for trainee in after["trainees"]}
    assert [(c["verify_status"], c["verified"]) for c in after["certificates"]] == [(200, True)] * 3
    assert files_under(restored_media) == kept  # byte for byte; the import upload stays behind

    # Once restored, the database holds data: a second restore needs --force, and then replaces it.
    counts = count_rows(fresh_database, "trainees_trainee", "cohorts_attendancerecord", "certificates_certificate",
                        "audit_auditentry")
    refused = manage("restore", str(backup), database_url=fresh_database, media_root=restored_media)
    assert refused.returncode != 0
    assert "not empty" in refused.stderr and "trainees: 4" in refused.stderr and "--force" in refused.stderr
    forced = manage("restore", "--force", str(backup), database_url=fresh_database, media_root=restored_media)
    assert forced.returncode == 0, forced.stderr
    assert count_rows(fresh_database, *counts) == counts  # replaced, not added to
    assert files_under(restored_media) == kept


# --- Refusals: they write nothing -----------------------------------------------------------------


@pytest.fixture
def small_backup(hub_staff, tmp_path):
    """A backup of one trainee and one stored file, taken from the test database."""
    TraineeFactory(given_name="Min-jun", family_name="Kim", native_name="김민준")
    default_storage.save("certificates/BDM-2022-0001.pdf", ContentFile(b"%PDF-1.7 backed up\n%%EOF"))
    backup = tmp_path / "small-backup"
    _call("backup", str(backup))
    return backup


def test_restore_refuses_a_database_that_holds_data_and_writes_nothing(small_backup):
    default_storage.delete("certificates/BDM-2022-0001.pdf")
    TraineeFactory(given_name="Ama", family_name="Mensah")

    with pytest.raises(CommandError) as refused:
        _call("restore", str(small_backup))
    message = str(refused.value)
    assert "The database is not empty" in message and "trainees: 2" in message and "users: 1" in message
    assert "--force" in message
    assert not default_storage.exists("certificates/BDM-2022-0001.pdf")
    assert sorted(Trainee.objects.values_list("given_name", flat=True)) == ["Ama", "Min-jun"]


def test_restore_refuses_a_backup_with_a_changed_or_missing_file_naming_it(small_backup):
    pdf = small_backup / "files" / "certificates" / "BDM-2022-0001.pdf"
    data = bytearray(pdf.read_bytes())
    data[10] ^= 0x01
    pdf.write_bytes(bytes(data))
    default_storage.delete("certificates/BDM-2022-0001.pdf")

    # Even when told to replace the database: the backup is checked before anything is written.
    with pytest.raises(CommandError, match=r"files/certificates/BDM-2022-0001\.pdf differs from the backup's manifest"):
        _call("restore", "--force", str(small_backup))
    pdf.unlink()
    with pytest.raises(CommandError, match=r"files/certificates/BDM-2022-0001\.pdf is missing"):
        _call("restore", "--force", str(small_backup))
    assert not default_storage.exists("certificates/BDM-2022-0001.pdf")
    assert Trainee.objects.get().native_name == "김민준"


def test_backup_and_restore_say_what_is_wrong_with_the_folder(small_backup, tmp_path):
    with pytest.raises(CommandError, match="is not an empty folder"):
        _call("backup", str(small_backup))
    inside = Path(settings.MEDIA_ROOT) / "backups" / "today"
    with pytest.raises(CommandError, match="is inside the file storage"):
        _call("backup", str(inside))
    assert not inside.exists()
    with pytest.raises(CommandError, match="is not a folder"):
        _call("restore", str(tmp_path / "nowhere"))
    (small_backup / "manifest.json").unlink()
    with pytest.raises(CommandError, match="has no manifest.json: it is not a backup, or an unfinished one"):
        _call("restore", "--force", str(small_backup))


# --- SQLite: `make run`'s database -----------------------------------------------------------------

SEED = """
import io
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("seed_demo", stdout=io.StringIO())
default_storage.save("jobs/demo-report.csv", ContentFile("코드,name\\nBDM,Min-jun\\n".encode()))
"""


def sqlite_rows(path: Path) -> dict[str, list]:
    with sqlite3.connect(path) as connection:
        tables = [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {table: sorted(connection.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
                for table in tables}


def test_a_sqlite_hub_comes_back_whole_in_a_new_sqlite_file(tmp_path):
    source, target = tmp_path / "hub.sqlite3", tmp_path / "restored.sqlite3"
    source_url, target_url = f"sqlite:///{source}", f"sqlite:///{target}"
    media, restored_media = tmp_path / "media-source", tmp_path / "media-restored"
    seeded = manage("shell", "--no-imports", "-c", SEED, database_url=source_url, media_root=media)
    assert seeded.returncode == 0, seeded.stderr

    backup = tmp_path / "backup"
    made = manage("backup", str(backup), database_url=source_url, media_root=media)
    assert made.returncode == 0, made.stderr
    assert "Backed up the SQLite database" in made.stdout and "1 stored file " in made.stdout
    assert (backup / "database.json").is_file()

    # Not into PostgreSQL (this process's database): the engines differ.
    with pytest.raises(CommandError, match="The backup is of a SQLite database; this one is PostgreSQL"):
        _call("restore", str(backup))

    restored = manage("restore", str(backup), database_url=target_url, media_root=restored_media)
    assert restored.returncode == 0, restored.stderr

    before, after = sqlite_rows(source), sqlite_rows(target)
    assert before["trainees_trainee"] and before["cohorts_attendancerecord"] and before["users_user"]
    audit_before, audit_after = before.pop("audit_auditentry"), after.pop("audit_auditentry")
    restore_entry = [row for row in audit_after if row not in audit_before]
    assert len(restore_entry) == 1 and restore_entry[0][2] == "backup.restore"
    assert [row for row in audit_after if row not in restore_entry] == audit_before
    del before["django_migrations"], after["django_migrations"]  # the same migrations, applied at other times
    for table in many_to_many_tables():  # a load keeps the pairs, not the ids Django gave them
        before[table], after[table] = sorted(r[1:] for r in before[table]), sorted(r[1:] for r in after[table])
    assert after.keys() == before.keys()
    for table, rows in before.items():
        assert after[table] == rows, table
    assert files_under(restored_media) == files_under(media)


def many_to_many_tables() -> set[str]:
    return {model._meta.db_table for model in apps.get_models(include_auto_created=True) if model._meta.auto_created}
