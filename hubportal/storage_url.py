"""STORAGE_URL: where generated files go when web and workers run on different machines.

    s3://[ACCESS_KEY:SECRET_KEY@]BUCKET[/PREFIX][?endpoint_url=URL][&region=REGION][&addressing_style=path]

- BUCKET: the bucket's name, as S3 spells it (3 to 63 lowercase letters, digits, dots and hyphens).
- PREFIX: optional folder inside the bucket for every file the portal writes ("hubportal/...").
- ACCESS_KEY, SECRET_KEY: optional in the URL, percent-encoded (a "/" in the secret is "%2F"); without
  them, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment; without those, boto3's own
  chain (an instance or task role).
- endpoint_url: the server of an S3-compatible store (MinIO: http://minio:9000); leave out for AWS.
- region: the bucket's region; left out, boto3's default (AWS_DEFAULT_REGION, else us-east-1, which
  MinIO accepts).
- addressing_style: path or virtual, for providers that accept only one of them.

Example: s3://hubportal:s3cr%2Fet@hub-files?endpoint_url=http://minio:9000&region=us-east-1
"""

import os
import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

S3_BACKEND = "storages.backends.s3.S3Storage"
PARAMETERS = ("endpoint_url", "region", "addressing_style")
ADDRESSING_STYLES = ("auto", "path", "virtual")
# S3's rule for new buckets; MinIO enforces the same one.
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
# A download larger than this (a session's ZIP of certificates) waits in a temporary file rather than
# in the memory of a web process; smaller ones (a certificate, a report) stay in memory.
DOWNLOAD_MEMORY_BYTES = 8 * 1024 * 1024


def _fault(what: str) -> ImproperlyConfigured:
    # Never the URL itself in the message: it may hold the secret key.
    return ImproperlyConfigured(f"STORAGE_URL {what}")


def storage_from_url(url: str, *, environ: Mapping[str, str] | None = None) -> dict:
    """The STORAGES entry for a STORAGE_URL: django-storages' S3Storage on the bucket it names.

    Raises ImproperlyConfigured naming what is wrong (scheme, bucket, keys, a parameter), without
    repeating the URL, which may hold a secret.
    """
    environ = os.environ if environ is None else environ
    try:
        parts = urlsplit(url.strip())
        query = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError as error:
        raise _fault(f"cannot be read as a URL ({error})") from None
    if parts.scheme != "s3":
        raise _fault(f"must start with s3:// (it starts with {parts.scheme + '://' if parts.scheme else 'no scheme'})")
    if parts.fragment:
        raise _fault('has a "#" in it: percent-encode it ("%23") in the keys')
    userinfo, at, host = parts.netloc.rpartition("@")
    if ":" in host:
        raise _fault("has a port after the bucket name: the server's address goes in ?endpoint_url=, and a "
                     '"/" or ":" in the keys must be percent-encoded')
    if not host:
        raise _fault("names no bucket: s3://BUCKET")
    if not BUCKET_NAME.fullmatch(host) or ".." in host:
        raise _fault(f"names the bucket {host!r}, which is not a valid bucket name (3 to 63 lowercase letters, "
                     "digits, dots and hyphens)")

    access_key, _colon, secret_key = userinfo.partition(":")
    access_key, secret_key = unquote(access_key), unquote(secret_key)
    if at and not (access_key and secret_key):
        raise _fault("has keys in it, but not both: s3://ACCESS_KEY:SECRET_KEY@BUCKET")
    if not at:
        access_key = environ.get("AWS_ACCESS_KEY_ID", "")
        secret_key = environ.get("AWS_SECRET_ACCESS_KEY", "")
        if bool(access_key) != bool(secret_key):
            raise ImproperlyConfigured("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together: one of them is "
                                       "set, the other is not")

    location = unquote(parts.path).strip("/")
    if location and any(segment in ("", ".", "..") for segment in location.split("/")):
        raise _fault(f"has the prefix {location!r}: its folders must have names (no empty, . or ..)")

    parameters = {}
    for name, value in query:
        if name not in PARAMETERS:
            raise _fault(f"has the parameter {name!r}, which it does not know (it knows {', '.join(PARAMETERS)})")
        if name in parameters:
            raise _fault(f"has the parameter {name!r} twice")
        if not value:
            raise _fault(f"has the parameter {name!r} without a value")
        parameters[name] = value
    endpoint_url = parameters.get("endpoint_url")
    if endpoint_url:
        endpoint = urlsplit(endpoint_url)
        if endpoint.scheme not in ("http", "https") or not endpoint.netloc:
            raise _fault("has an endpoint_url that is not an http:// or https:// address")
    addressing_style = parameters.get("addressing_style")
    if addressing_style and addressing_style not in ADDRESSING_STYLES:
        raise _fault(f"has addressing_style={addressing_style!r}; it is one of {', '.join(ADDRESSING_STYLES)}")

    options = {
        "bucket_name": host,
        "location": location,
        "endpoint_url": endpoint_url,
        "region_name": parameters.get("region"),
        "addressing_style": addressing_style,
        # Like the disk: saving under a name already taken gives a new name (storage.save returns it),
        # never overwrites; the certificate renderer relies on it.
        "file_overwrite": False,
        # The bucket's own policy decides (private): no object is made public by its upload.
        "default_acl": None,
        # Files are downloaded through the portal's views, which check who may see them; should a URL
        # ever be made of one, it is signed and expires.
        "querystring_auth": True,
        "max_memory_size": DOWNLOAD_MEMORY_BYTES,
    }
    if access_key:
        options.update(access_key=access_key, secret_key=secret_key)
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}
