"""The embedded default of `make run`: no variable needed, SQLite and a serverless Celery broker."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "local-development-only-not-secret")
os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

from .base import *  # noqa: E402,F403
from .base import VAR_DIR  # noqa: E402

VAR_DIR.mkdir(exist_ok=True)

# runserver serves static files from the finders; WhiteNoise wants STATIC_ROOT to exist all the same.
from .base import STATIC_ROOT  # noqa: E402

STATIC_ROOT.mkdir(exist_ok=True)
