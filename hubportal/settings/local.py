"""The embedded default of `make run`: no variable needed, SQLite and a serverless Celery broker."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "local-development-only-not-secret")
os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
# The demo's staff logins sign in with their password alone; HUB_STAFF_MFA=required tries the real thing.
os.environ.setdefault("HUB_STAFF_MFA", "optional")

from .base import *  # noqa: E402,F403
from .base import VAR_DIR  # noqa: E402

VAR_DIR.mkdir(exist_ok=True)

# runserver serves static files from the finders; WhiteNoise wants STATIC_ROOT to exist all the same.
from .base import STATIC_ROOT  # noqa: E402

STATIC_ROOT.mkdir(exist_ok=True)

# Security keys and passkeys on http://localhost:8000 (browsers allow WebAuthn there, not on 127.0.0.1).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
