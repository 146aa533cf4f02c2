"""Production: every secret and host comes from the environment, with no default."""

import os

from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured

# One JSON object a line, for the log collector (hubportal/logs.py); DJANGO_LOG_FORMAT=plain to read them.
os.environ.setdefault("DJANGO_LOG_FORMAT", "json")

from .base import *  # noqa: E402,F403
from .base import env  # noqa: E402

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
# Sessions, password-reset links and invitation tokens are signed with it: a short or placeholder key
# is refused here rather than left to a warning of `check --deploy` that nobody runs. Django's measures.
if (len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH or len(set(SECRET_KEY)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
        or SECRET_KEY.startswith(SECRET_KEY_INSECURE_PREFIX)):
    raise ImproperlyConfigured(
        f"DJANGO_SECRET_KEY must be at least {SECRET_KEY_MIN_LENGTH} random characters (python -c \"import "
        "secrets; print(secrets.token_urlsafe(50))\")")
# Rotating the key: the new one in DJANGO_SECRET_KEY, the old in DJANGO_SECRET_KEY_FALLBACKS (comma-
# separated) until what it signed has lapsed (sessions: two weeks; invitations: INVITATION_VALID_DAYS).
# Certificates' verification codes are random, not signed: a new key leaves every one valid.
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
# Printed in every certificate's QR code: no default that would print a wrong one.
PORTAL_BASE_URL = env("PORTAL_BASE_URL")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
# A kept connection is checked before a request (or a task) uses it again: after PostgreSQL restarts,
# each web process's first request would otherwise fail on the connection the restart cut (a 500 per
# gunicorn worker: tests/reliability/faults.py).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Sign-in lock-outs and the verification page's limit count in the cache: with a cache of each
# process's own, three gunicorn workers would allow three times the attempts. No default.
CACHES = {"default": env.cache("CACHE_URL")}
if CACHES["default"]["BACKEND"].endswith((".LocMemCache", ".DummyCache")):
    raise ImproperlyConfigured("CACHE_URL names a cache of each process's own; the web processes must share "
                               "one (redis://...)")

# --- HTTPS -------------------------------------------------------------------------------------
# The portal is served over TLS, ended by a proxy in front that says so in X-Forwarded-Proto (it must
# set or strip that header: a client's own would pass for TLS). A stack served over plain HTTP (compose
# on a laptop) switches these off: DJANGO_SECURE_COOKIES, DJANGO_SECURE_SSL_REDIRECT false, DJANGO_HSTS_SECONDS 0.
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# The health probes of compose and orchestrators come over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^(health|healthz|readyz)(/|$)"]
# A year, the least the browsers' preload lists accept. Subdomains too: the portal has a host name of
# its own (hub.example.org), so this binds only names under it, which must not serve plain HTTP either.
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
# "preload" lets anyone put the domain in the browsers' built-in list, a commitment for the whole
# registered domain that takes months to undo: its owner's decision (DJANGO_HSTS_PRELOAD=true), so the
# check that recommends it (security.W021) is silenced while it is off.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
# The address of a page the portal links to stays with the portal: a certificate's verification code or
# an invitation key in the path is never sent to another site.
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
