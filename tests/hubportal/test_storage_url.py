"""STORAGE_URL: what each part of it becomes in STORAGES, and what a wrong one is told."""

import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.views.debug import SafeExceptionReporterFilter

from hubportal.storage_url import storage_from_url

from .conftest import PROJECT_DIR
from .test_deploy import production_env  # noqa: F401  (a fixture)


def test_a_full_url_gives_a_private_s3_storage_that_never_overwrites():
    storage = storage_from_url("s3://hub-key:s3cr%2Fet%2Bx@hub-files/portal/files"
                               "?endpoint_url=http://minio:9000&region=eu-west-3&addressing_style=path", environ={})

    assert storage == {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": "hub-files", "location": "portal/files", "endpoint_url": "http://minio:9000",
        "region_name": "eu-west-3", "addressing_style": "path", "access_key": "hub-key", "secret_key": "s3cr/et+x",
        "file_overwrite": False, "default_acl": None, "querystring_auth": True,
        "max_memory_size": 8 * 1024 * 1024}}


def test_without_keys_in_the_url_they_come_from_the_environment_or_from_boto3s_own_chain():
    environ = {"AWS_ACCESS_KEY_ID": "env-key", "AWS_SECRET_ACCESS_KEY": "env-secret"}

    from_env = storage_from_url("s3://hub-files", environ=environ)["OPTIONS"]
    from_url = storage_from_url("s3://url-key:url-secret@hub-files", environ=environ)["OPTIONS"]
    from_chain = storage_from_url("s3://hub-files", environ={})["OPTIONS"]

    assert (from_env["access_key"], from_env["secret_key"]) == ("env-key", "env-secret")
    assert (from_url["access_key"], from_url["secret_key"]) == ("url-key", "url-secret")
    assert "access_key" not in from_chain and "secret_key" not in from_chain  # an instance role, say
    assert (from_chain["location"], from_chain["endpoint_url"], from_chain["region_name"]) == ("", None, None)


@pytest.mark.parametrize("url,fault", [
    ("https://hub-files", "must start with s3:// (it starts with https://)"),
    ("hub-files", "must start with s3:// (it starts with no scheme)"),
    ("s3://", "names no bucket"),
    ("s3://Hub_Files", "'Hub_Files', which is not a valid bucket name"),
    ("s3://hub-files:9000", "has a port after the bucket name"),
    ("s3://key:se/cret@hub-files", "must be percent-encoded"),  # the "/" ends the host part
    ("s3://key:sec#ret@hub-files", 'has a "#" in it'),
    ("s3://key@hub-files", "has keys in it, but not both"),
    ("s3://:secret@hub-files", "has keys in it, but not both"),
    ("s3://hub-files/a//b", "has the prefix 'a//b'"),
    ("s3://hub-files/a/../b", "has the prefix 'a/../b'"),
    ("s3://hub-files?endpoint=http://minio:9000", "has the parameter 'endpoint', which it does not know"),
    ("s3://hub-files?region=eu-west-3&region=us-east-1", "has the parameter 'region' twice"),
    ("s3://hub-files?region=", "has the parameter 'region' without a value"),
    ("s3://hub-files?endpoint_url=minio:9000", "has an endpoint_url that is not an http:// or https:// address"),
    ("s3://hub-files?addressing_style=sideways", "has addressing_style='sideways'"),
])
def test_a_wrong_url_is_refused_saying_what_is_wrong_without_repeating_the_secret(url, fault):
    with pytest.raises(ImproperlyConfigured) as error:
        storage_from_url(url, environ={})

    assert str(error.value).startswith("STORAGE_URL ") and fault in str(error.value)
    assert "secret" not in str(error.value).replace("SECRET_KEY", "")


def test_half_a_pair_of_keys_in_the_environment_is_refused():
    with pytest.raises(ImproperlyConfigured, match="AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together"):
        storage_from_url("s3://hub-files", environ={"AWS_ACCESS_KEY_ID": "env-key"})


def test_the_debug_page_hides_the_keys():
    storages = {"default": storage_from_url("s3://hub-key:the-secret@hub-files", environ={})}

    shown = SafeExceptionReporterFilter().cleanse_setting("STORAGES", storages)

    assert "the-secret" not in repr(shown) and "hub-key" not in repr(shown)
    assert shown["default"]["OPTIONS"]["bucket_name"] == "hub-files"


def settings_of(env: dict) -> str:
    script = ("from django.conf import settings; s = settings.STORAGES['default']; "
              "print(s['BACKEND'], s.get('OPTIONS', {}).get('bucket_name'))")
    result = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {script}"], cwd=PROJECT_DIR,
                            env=env, capture_output=True, text=True, timeout=60)
    return result.stdout.strip() or result.stderr.strip().splitlines()[-1]


def test_the_production_settings_switch_to_the_bucket_only_when_storage_url_is_set(production_env):  # noqa: F811
    with_url = settings_of({**production_env, "STORAGE_URL": "s3://k:s@hub-files?endpoint_url=http://minio:9000"})
    without = settings_of({**production_env, "STORAGE_URL": ""})
    wrong = settings_of({**production_env, "STORAGE_URL": "s3://hub-files:9000"})

    assert with_url == "storages.backends.s3.S3Storage hub-files"
    assert without == "django.core.files.storage.FileSystemStorage None"
    assert wrong.startswith("django.core.exceptions.ImproperlyConfigured: STORAGE_URL has a port")

