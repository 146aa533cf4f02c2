# HubPortal: the web process (gunicorn) and, with another command, the Celery worker.
FROM python:3.11-slim-bookworm

# The settings find templates/, static/ and fixtures/ beside the hubportal package: PYTHONPATH makes
# every command (gunicorn, celery, manage.py) import the source tree, not the copy in site-packages.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=hubportal.settings.production

# WeasyPrint's native libraries and the fonts of the certificates (Latin and Korean); pg_dump for the
# backups (bookworm's postgresql-client is 15, the major release of docker-compose.yml's database: pg_dump
# refuses a newer server).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-core fonts-noto-cjk fonts-nanum \
        postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# The releases requirements/base.lock pins, each checked against its hash, before the source: a change
# of code alone reuses this layer. `pip check` fails the build when pyproject.toml asks for a release
# the lock lacks (a dependency added without `make lock`).
COPY requirements/base.lock /app/requirements/base.lock
RUN pip install --require-hashes --no-deps -r requirements/base.lock
COPY . /app
RUN pip install --no-deps . && pip check

# Production settings demand every secret (a key of 50 characters or more); none of these values is used
# beyond this build step.
RUN DJANGO_SECRET_KEY=build-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    DJANGO_ALLOWED_HOSTS=localhost \
    PORTAL_BASE_URL=http://localhost \
    DATABASE_URL=sqlite:////tmp/build-only.sqlite3 \
    CACHE_URL=redis://build-only:6379/0 \
    python manage.py collectstatic --noinput

# The mount points of docker-compose.yml's volumes (media, beat's schedule): a new named volume takes
# the owner of the folder it is mounted on.
RUN useradd --system --create-home --uid 1000 hubportal \
    && mkdir -p /app/var/media /app/var/celerybeat \
    && chown -R hubportal:hubportal /app/var
USER hubportal

EXPOSE 8000
CMD ["gunicorn", "hubportal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
