"""Tests: the machine's real PostgreSQL and Redis, a fast hasher, in-memory email."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hubportal")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/13")

from .base import *  # noqa: E402,F403

ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Most tests sign staff in with force_login; the tests of second factors switch it on (override_settings).
HUB_STAFF_MFA = "optional"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Each test's files in its own MEDIA_ROOT, whatever STORAGE_URL a .env or the shell holds: a test must
# never write into a real bucket. The tests of S3 point STORAGES at a stand-in (override_settings).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Static files come from the finders in tests; an empty STATIC_ROOT keeps WhiteNoise from warning.
STATIC_ROOT = VAR_DIR / "test-static"  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
