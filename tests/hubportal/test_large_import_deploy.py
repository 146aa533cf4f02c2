"""A 20 MB nomination list through the production server: the web process stays small and answers at
once, a real worker checks and imports the file, and the upload is gone afterwards.

gunicorn runs as the Dockerfile runs it (its default 30 s timeout killed the request that used to
confirm such a file in the web process); the worker as docker-compose runs it.
"""

import http.cookiejar
import re
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from hubportal.jobs.models import Job, JobStatus
from trainees.models import Trainee

from .conftest import running_worker
from .test_deploy import collected_static, gunicorn_url, production_env  # noqa: F401 - fixtures

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROWS = 150_000
COUNTRIES = ["NG", "KE", "Ghana", "VNM", '"Korea, Republic of"', "Brazil", "EG", "Ethiopia"]
PASSWORD = "large-import-password-1"


def nomination_list(path: Path) -> int:
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("Given name,Family name,Email,Country,Organisation,Job title,Phone\r\n")
        for n in range(ROWS):
            out.write(f"Given{n},Family{n},trainee{n}@nominations.test,{COUNTRIES[n % len(COUNTRIES)]},"
                      f"Institute {n % 40},Production scientist with a long job title {n},+234 800 000 {n:06d}\r\n")
    return path.stat().st_size


class Browser:
    """Cookies and CSRF as a browser keeps them, over urllib."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  _NoRedirect())

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def request(self, path: str, data: bytes | None = None, headers: dict | None = None, timeout: float = 60):
        headers = {"Referer": self.base_url + path, **(headers or {})}
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers)
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def post_form(self, path: str, fields: dict):
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.csrf(), **fields}).encode()
        return self.request(path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def post_file(self, path: str, fields: dict, file_path: Path):
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in {"csrfmiddlewaretoken": self.csrf(), **fields}.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="import_file"; '
                     f'filename="{file_path.name}"\r\nContent-Type: text/csv\r\n\r\n'.encode())
        body = b"".join(parts) + file_path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
        return self.request(path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def gunicorn_workers(port: int) -> list[int]:
    """The pids of the gunicorn workers that serve the port: the children of its arbiter."""
    processes = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            ppid = int(re.search(r"PPid:\s+(\d+)", (proc / "status").read_text()).group(1))
        except (OSError, ValueError, AttributeError):
            continue
        processes[int(proc.name)] = (cmdline, ppid)
    arbiters = {pid for pid, (cmdline, _) in processes.items() if "gunicorn" in cmdline and f"127.0.0.1:{port}" in cmdline}
    workers = [pid for pid, (_, ppid) in processes.items() if ppid in arbiters]
    assert workers, "no gunicorn worker found"
    return workers


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def test_a_150000_row_file_is_checked_and_imported_by_a_worker_while_the_web_stays_small(
        gunicorn_url, production_env, reference_countries, test_database_url, tmp_path):  # noqa: F811
    # Hashed as production hashes (the test settings' fast hasher is unknown there).
    user = get_user_model().objects.create_superuser(email="importer@hub.test", password=None)
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "large-import-salt")
    user.save(update_fields=["password"])
    # Production requires a superuser's second factor (HUB_STAFF_MFA): an authenticator app's.
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    source = tmp_path / "nominations-2027.csv"
    size = nomination_list(source)
    assert size > 18 * 1024 * 1024
    browser = Browser(gunicorn_url)
    browser.request("/admin/login/")
    status, headers, _ = browser.post_form("/admin/login/", {"login": "importer@hub.test", "password": PASSWORD,
                                                             "next": "/admin/"})
    assert status == 302, "the login was refused"
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    status, headers, _ = browser.post_form("/accounts/2fa/authenticate/", {"code": code})
    assert (status, headers["Location"]) == (302, "/admin/"), "the code was refused"
    browser.request("/admin/trainees/trainee/import/")
    worker_env = {"DJANGO_MEDIA_ROOT": production_env["DJANGO_MEDIA_ROOT"]}
    with running_worker(test_database_url, tmp_path, extra_env=worker_env):
        started = time.monotonic()
        status, headers, _ = browser.post_file("/admin/trainees/trainee/import/", {"format": "0", "resource": "0"},
                                               source)
        answered_in = time.monotonic() - started
        assert status == 302, "the upload was not taken"
        page_path = urllib.parse.urlparse(headers["Location"]).path
        assert re.fullmatch(r"/admin/trainees/trainee/import/jobs/\d+/", page_path)
        assert answered_in < 10  # the rows are the worker's business, not the request's

        def wait_for_job(stage: str) -> Job:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                job = Job.objects.filter(params__stage=stage).first()
                if job and job.status in (JobStatus.DONE, JobStatus.FAILED):
                    return job
                time.sleep(1)
            pytest.fail(f"the {stage} did not finish within 300 s")

        check = wait_for_job("check")
        assert check.status == JobStatus.DONE, check.error
        _, _, page = browser.request(page_path)
        assert "Checked: ready to import" in page and f"{ROWS} to create" in page, check.outcome
        assert not Trainee.objects.exists()
        status, headers, _ = browser.post_form(page_path, {})
        assert status == 302
        imported = wait_for_job("import")
        assert imported.status == JobStatus.DONE, imported.error
    _, _, page = browser.request(urllib.parse.urlparse(headers["Location"]).path)
    assert f"Import finished: created {ROWS}, updated 0, unchanged 0, errors 0." in page
    assert Trainee.objects.count() == ROWS
    uploads = Path(production_env["DJANGO_MEDIA_ROOT"]) / "import-uploads"
    assert not uploads.exists() or list(uploads.iterdir()) == []
    port = int(gunicorn_url.rsplit(":", 1)[1])
    assert max(peak_rss_mb(pid) for pid in gunicorn_workers(port)) < 300
