"""The benchmarks' PostgreSQL database: DATABASE_URL, by default hubportal_bench on this machine."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hubportal_bench")
os.environ["DJANGO_SETTINGS_MODULE"] = "hubportal.settings.test"


def prepare_database() -> None:
    """Create the database when missing, set Django up and migrate it."""
    import django
    import psycopg2

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
