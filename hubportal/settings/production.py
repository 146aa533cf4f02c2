"""Production: every secret and host comes from the environment, with no default."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
# Printed in every certificate's QR code: no default that would print a wrong one.
PORTAL_BASE_URL = env("PORTAL_BASE_URL")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
# Sign-in lock-outs and the verification page's limit count in the cache: with a cache of each
# process's own, three gunicorn workers would allow three times the attempts. No default.
CACHES = {"default": env.cache("CACHE_URL")}
if CACHES["default"]["BACKEND"].endswith((".LocMemCache", ".DummyCache")):
    raise ImproperlyConfigured("CACHE_URL names a cache of each process's own; the web processes must share "
                               "one (redis://...)")

SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
# Behind TLS for good, set it (say 31536000, a year): browsers then refuse plain HTTP to the portal.
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
