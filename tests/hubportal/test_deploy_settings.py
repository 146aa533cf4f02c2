"""Production settings pass Django's deployment checklist (`check --deploy`) with nothing but the values
an operator must give them, and refuse to start without a real secret key."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

from .conftest import PROJECT_DIR

# `check` opens the database (its checks of the database): the test database, created for marked tests.
pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_env(test_database_url) -> dict[str, str]:
    """What an operator sets in production: secrets, host names and the shared services, nothing else."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DJANGO_", "DATABASE_", "CELERY_", "CACHE_", "SENTRY_", "SECURE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="hubportal.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="hub.example.org",
        PORTAL_BASE_URL="https://hub.example.org",
        DATABASE_URL=test_database_url,
        CACHE_URL=os.environ.get("TEST_REDIS_CACHE_URL", "redis://127.0.0.1:6379/5"),
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
    )
    return env


def manage(env: dict, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *arguments], cwd=PROJECT_DIR, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_deployment_checklist_finds_nothing_to_warn_about(operator_env):
    result = manage(operator_env, "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr

    assert result.returncode == 0, output
    assert "WARNING" not in output
    assert "W0" not in output
    assert "System check identified no issues" in output


def test_production_defaults_to_https_only(operator_env):
    script = ("from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, "
              "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.LOG_FORMAT)")

    result = manage(operator_env, "shell", "--no-imports", "-c", script)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "31536000", "True", "json"]


def test_production_settings_refuse_to_start_without_a_secret_key(operator_env):
    env = {key: value for key, value in operator_env.items() if key != "DJANGO_SECRET_KEY"}

    result = manage(env, "check")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr.splitlines()[-1]


@pytest.mark.parametrize("key", ["build-only-not-secret", "django-insecure-" + "x1y2z3" * 10, "ab" * 40],
                         ids=["short", "django-insecure", "few-characters"])
def test_production_settings_refuse_a_weak_secret_key(operator_env, key):
    result = manage({**operator_env, "DJANGO_SECRET_KEY": key}, "check")

    assert result.returncode != 0
    last_line = result.stderr.splitlines()[-1]
    assert "ImproperlyConfigured" in last_line and "DJANGO_SECRET_KEY" in last_line
    assert key not in result.stderr  # the refusal never prints the key
