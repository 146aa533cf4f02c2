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

# WeasyPrint's native libraries and the fonts of the certificates (Latin and Korean).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-core fonts-noto-cjk fonts-nanum \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . /app
RUN pip install --upgrade pip && pip install .

# Production settings demand every secret; none of these values is used beyond this build step.
RUN DJANGO_SECRET_KEY=build-only-not-secret \
    DJANGO_ALLOWED_HOSTS=localhost \
    PORTAL_BASE_URL=http://localhost \
    DATABASE_URL=sqlite:////tmp/build-only.sqlite3 \
    CACHE_URL=redis://build-only:6379/0 \
    python manage.py collectstatic --noinput

RUN useradd --system --create-home --uid 1000 hubportal \
    && mkdir -p /app/var/media \
    && chown -R hubportal:hubportal /app/var
USER hubportal

EXPOSE 8000
CMD ["gunicorn", "hubportal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
