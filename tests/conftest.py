"""Fixtures shared by every test package."""

# The processes of a deployment (a real Celery worker, the test database's URL) are defined beside
# their own tests; imported here so that any package (certificates, ...) can ask for them.
from tests.hubportal.conftest import celery_worker, test_database_url  # noqa: F401

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from hubportal.users.roles import Role, roles_sync

PASSWORD = "test-password-1"


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request with Accept-Language: ko leaves Korean
    active in the thread (LocaleMiddleware activates, nothing deactivates), and the next test would
    read Korean messages."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Files written by a test land in a folder of its own, gone afterwards."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits and other cached state start afresh in every test."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def assert_flat_queries(django_assert_num_queries):
    """check(action, grow): a page's or an import's queries must not grow with its rows."""

    def check(action, grow, *, warm=False):
        if warm:
            action()  # fill the per-process caches (content types, permissions) first
        with CaptureQueriesContext(connection) as few:
            first = action()
        grow()
        with django_assert_num_queries(len(few)):
            second = action()
        return first, second

    return check


@pytest.fixture
def role_groups(db):
    return roles_sync()


def _user(email, *, groups=(), **extra):
    user = get_user_model().objects.create_user(email=email, password=PASSWORD, **extra)
    user.groups.add(*groups)
    return user


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser(email="root@hub.test", password=PASSWORD)


@pytest.fixture
def hub_staff(role_groups):
    return _user("staff@hub.test", groups=[role_groups[Role.HUB_STAFF]], is_staff=True)


@pytest.fixture
def coordinator(role_groups):
    return _user("coordinator@hub.test", groups=[role_groups[Role.COORDINATORS]], is_staff=True)


@pytest.fixture
def trainee_user(role_groups):
    return _user("trainee@hub.test", groups=[role_groups[Role.TRAINEES]])


@pytest.fixture
def staff_client(client, hub_staff):
    client.force_login(hub_staff)
    return client


@pytest.fixture
def reference_countries(db):
    """Every ISO country, as `migrate` loads them: a transactional test's teardown empties the
    table, and the migration does not run again. Idempotent."""
    from trainees.models import Country, IncomeClassification
    from trainees.reference import reference_countries_load

    reference_countries_load(Country, IncomeClassification)
    return Country.objects.all()
