"""The production image's commands work: collectstatic, then gunicorn serving pages and static files.

The gunicorn command is read from the Dockerfile, so this test fails when the image would.
"""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from .conftest import BIN_DIR, PROJECT_DIR, WORKER_COMMAND, log_tail, stop_process

# gunicorn reads the test database: pytest-django creates it only when a collected test is marked
# so, and this module, run alone, would otherwise point gunicorn at a database that is not there.
pytestmark = pytest.mark.django_db

READY_TIMEOUT = 30
ONE_YEAR = 365 * 24 * 60 * 60


def dockerfile_command() -> list[str]:
    dockerfile = (PROJECT_DIR / "Dockerfile").read_text()
    return json.loads(re.search(r"^CMD (\[.*\])\s*$", dockerfile, re.MULTILINE).group(1))


def compose_commands() -> dict[str, str]:
    """`command:` of each service, as docker compose reads the file (tests/hubportal/composefile.py)."""
    from .composefile import services

    environ = {"DJANGO_SECRET_KEY": "not-secret", "POSTGRES_PASSWORD": "not-secret"}
    return {name: service["command"] for name, service in services(environ).items() if "command" in service}


def with_option(command: list[str], option: str, value: str) -> list[str]:
    index = command.index(option)
    return [*command[: index + 1], value, *command[index + 2 :]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, headers: dict | None = None):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture(scope="module")
def production_env(test_database_url, tmp_path_factory) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_", "CELERY_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="hubportal.settings.production",
        # Production refuses a short key; this one is no secret all the same.
        DJANGO_SECRET_KEY="deploy-test-not-secret-" + "0123456789abcdef" * 3,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        PORTAL_BASE_URL="https://hub.example.org",
        # Served here over plain HTTP, as the compose stack on a laptop is.
        DJANGO_SECURE_COOKIES="false",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_HSTS_SECONDS="3600",
        # The tests of test_logging.py read the lines; test_json_logs.py reads production's JSON.
        DJANGO_LOG_FORMAT="plain",
        DJANGO_STATIC_ROOT=str(tmp_path_factory.mktemp("staticfiles")),
        DJANGO_MEDIA_ROOT=str(tmp_path_factory.mktemp("media")),
        DATABASE_URL=test_database_url,
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        # Production requires a cache every web process shares (the sign-in lock-out counts there).
        CACHE_URL=os.environ.get("TEST_REDIS_CACHE_URL", "redis://127.0.0.1:6379/5"),
    )
    return env


@pytest.fixture(scope="module")
def collected_static(production_env):
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=PROJECT_DIR,
        env=production_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return production_env["DJANGO_STATIC_ROOT"]


@pytest.fixture(scope="module")
def gunicorn_url(production_env, collected_static, tmp_path_factory):
    port = free_port()
    command = with_option(dockerfile_command(), "--bind", f"127.0.0.1:{port}")
    command = with_option(command, "--workers", "1")
    command[0] = str(BIN_DIR / command[0])
    log_path = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    base_url = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=production_env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited with {process.returncode}:\n{log_tail(log_path)}")
            try:
                fetch(f"{base_url}/health/")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not answer within {READY_TIMEOUT} s:\n{log_tail(log_path)}")
                time.sleep(0.2)
        yield base_url
    finally:
        stop_process(process)


def test_production_settings_refuse_to_start_without_the_portal_address(production_env):
    env = {key: value for key, value in production_env.items() if key != "PORTAL_BASE_URL"}

    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=PROJECT_DIR, env=env,
                            capture_output=True, text=True, timeout=60)

    assert result.returncode != 0
    assert "PORTAL_BASE_URL" in result.stderr.splitlines()[-1]


def test_compose_runs_the_commands_tested_here():
    commands = compose_commands()
    gunicorn = " ".join(dockerfile_command())

    assert commands["web"] == gunicorn
    assert commands["migrate"] == "python manage.py migrate --noinput"  # once, before web starts
    assert commands["worker"] == " ".join(WORKER_COMMAND)


def test_behind_a_tls_proxy_browsers_are_told_to_keep_to_https(gunicorn_url):
    _, over_tls, _ = fetch(f"{gunicorn_url}/health/", headers={"X-Forwarded-Proto": "https"})
    _, plain, _ = fetch(f"{gunicorn_url}/health/")

    assert over_tls["Strict-Transport-Security"] == "max-age=3600; includeSubDomains"
    assert plain["Strict-Transport-Security"] is None  # never sent over plain HTTP


def test_health_answers_ok(gunicorn_url):
    status, _, body = fetch(f"{gunicorn_url}/health/")

    assert status == 200
    assert json.loads(body) == {"status": "ok"}


def test_admin_login_page_renders(gunicorn_url):
    status, _, body = fetch(f"{gunicorn_url}/admin/login/")

    assert status == 200
    page = body.decode()
    assert "<title>Sign in · HubPortal</title>" in page  # the portal's sign-in serves the admin too
    assert "Global Training Hub for Biomanufacturing" in page


def test_admin_static_files_are_served_with_a_long_cache(gunicorn_url, collected_static):
    manifest = json.loads((Path(collected_static) / "staticfiles.json").read_text())
    hashed_name = manifest["paths"]["admin/css/base.css"]
    assert hashed_name != "admin/css/base.css"

    status, headers, body = fetch(f"{gunicorn_url}/static/{hashed_name}")

    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert b"body" in body
    max_age = int(re.search(r"max-age=(\d+)", headers["Cache-Control"]).group(1))
    assert max_age >= ONE_YEAR
    assert "immutable" in headers["Cache-Control"]


def test_a_nul_in_the_address_answers_bad_request_with_the_portals_page(gunicorn_url):
    status, _, body = fetch(f"{gunicorn_url}/verify/%00/")

    assert status == 400
    page = body.decode()
    assert "<title>Bad request · HubPortal</title>" in page
    assert "Global Training Hub for Biomanufacturing" in page


def test_the_stylesheet_of_the_server_error_page_is_served_by_its_plain_name(gunicorn_url):
    # 500.html links it without the manifest's hashed name, so that it renders even without a manifest.
    status, headers, body = fetch(f"{gunicorn_url}/static/css/portal.css")

    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert b".error-page" in body
