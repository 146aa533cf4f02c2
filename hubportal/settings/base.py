"""Settings shared by every environment. Each value that differs between machines comes from `env`."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from hubportal.storage_url import storage_from_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"  # local state of the embedded defaults (SQLite, broker folders, media)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core --------------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
ROOT_URLCONF = "hubportal.urls"
WSGI_APPLICATION = "hubportal.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Applications ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",  # allauth.mfa's list of security keys says "last used 3 days ago"
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_countries",
    "allauth",
    "allauth.account",
    "allauth.mfa",  # before hubportal.users, whose admin replaces allauth's authenticator admin
    "import_export",
    "csp",  # its system checks catch settings of django-csp 3 that 4 would silently ignore
    # Ours, each after the apps it imports (imports flow portal, reports -> certificates -> cohorts ->
    # curriculum / trainees -> hubportal), so that an app's admin extends admins registered already.
    "hubportal",  # its management commands: backup, restore
    "hubportal.users",
    "hubportal.audit",
    "hubportal.jobs",
    "hubportal.outbox",
    "trainees",
    "curriculum",
    "cohorts",
    "certificates",
    "reports",
    "portal",
    "dashboard",  # reads from every app: at the top
]

MIDDLEWARE = [
    # Before the rest: whatever they answer (a redirect to HTTPS, a 400) is logged with the request's id.
    "hubportal.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the path, query, form or cookies: a NUL in them gets a 400, not a 500.
    "hubportal.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The pages' policy (CONTENT_SECURITY_POLICY below); static files, answered above, need none.
    "hubportal.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A trainee's profile language on a device that has not chosen one.
    "portal.middleware.ProfileLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After the user is known: an idle privileged session ends first, then a live one without its
    # second factor is sent to set one up.
    "hubportal.users.middleware.StaffSessionIdleMiddleware",
    "hubportal.users.middleware.SecondFactorRequiredMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: SQLite by default, PostgreSQL (or anything dj-database-url speaks) by DATABASE_URL --
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'hubportal.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)

# --- Accounts: email is the login; allauth serves the trainees' login pages ---------------------
AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "hubportal.users.backends.LoginAddressBackend",  # allauth's, by the login or a verified address only
]
# Argon2 first: new passwords, and older hashes at their next sign-in, are hashed with it.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# Trainees are registered by hub staff; nobody signs up on their own.
ACCOUNT_ADAPTER = "hubportal.users.adapters.InvitationOnlyAccountAdapter"
ACCOUNT_EMAIL_VERIFICATION = "none"
# An added address becomes the login (primary) only once the link sent to it is followed (verified:
# hubportal.users.views.PortalEmailView); the form refuses an address another account or trainee holds
# (hubportal.users.forms.AddEmailForm). Not allauth's ACCOUNT_CHANGE_EMAIL: it takes the account's
# unverified login address, as every address the hub registered is, for a pending change and drops it.
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_FORMS = {"add_email": "hubportal.users.forms.AddEmailForm"}

# --- Sign-in protection -------------------------------------------------------------------------
# Failed sign-ins (the portal's page and the admin's, which is the same form) are counted per account
# and address, and per address, within a sliding window; past either limit the address waits
# (hubportal.users.lockout). The counts live in the cache: production requires one that every web
# process shares (CACHE_URL, Redis).
HUB_LOGIN_FAILURE_WINDOW_SECONDS = env.int("HUB_LOGIN_FAILURE_WINDOW_SECONDS", default=15 * 60)
HUB_LOGIN_FAILURES_PER_ACCOUNT = env.int("HUB_LOGIN_FAILURES_PER_ACCOUNT", default=10)
HUB_LOGIN_FAILURES_PER_ADDRESS = env.int("HUB_LOGIN_FAILURES_PER_ADDRESS", default=30)
ACCOUNT_RATE_LIMITS = {
    # Also the limit of wrong codes at the second-factor step, per account.
    "login_failed": f"{HUB_LOGIN_FAILURES_PER_ADDRESS}/{HUB_LOGIN_FAILURE_WINDOW_SECONDS}s/ip,"
                    f"{HUB_LOGIN_FAILURES_PER_ACCOUNT}/{HUB_LOGIN_FAILURE_WINDOW_SECONDS}s/key",
}
# The proxies in front of the web processes that append to X-Forwarded-For (0: none, the header is
# ignored); the client address is the entry the outermost of them wrote (hubportal.clientaddress).
HUB_TRUSTED_PROXY_COUNT = env.int("HUB_TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = HUB_TRUSTED_PROXY_COUNT

# --- Second factors: allauth.mfa, TOTP apps with recovery codes, WebAuthn security keys, passkeys ---
# "required": hub staff, coordinators and superusers without a second factor are sent to set one up
# before any other page (hubportal.users.middleware). "optional": they may set one up.
HUB_STAFF_MFA = env("HUB_STAFF_MFA", default="required")
if HUB_STAFF_MFA not in ("required", "optional"):
    raise ImproperlyConfigured(f'HUB_STAFF_MFA is "required" or "optional", not "{HUB_STAFF_MFA}"')
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
# allauth's security-key forms, refusing a malformed credential as a wrong one rather than with a 500.
MFA_FORMS = {name: f"hubportal.users.forms.{form}" for name, form in (
    ("authenticate_webauthn", "AuthenticateWebAuthnForm"), ("login_webauthn", "LoginWebAuthnForm"),
    ("reauthenticate_webauthn", "ReauthenticateWebAuthnForm"), ("add_webauthn", "AddWebAuthnForm"))}
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "HubPortal"
# A privileged account's session ends after this long without a request (sliding).
HUB_STAFF_SESSION_IDLE_SECONDS = env.int("HUB_STAFF_SESSION_IDLE_SECONDS", default=30 * 60)

# --- Internationalisation ----------------------------------------------------------------------
LANGUAGE_CODE = "en"
# The trainees' languages: the hub's working language, the host's, and those of Francophone Africa
# and the Maghreb, Latin America, and Brazil and Lusophone Africa.
LANGUAGES = [("en", _("English")), ("ko", _("Korean")), ("fr", _("French")), ("es", _("Spanish")),
             ("pt", _("Portuguese"))]
# Ours first; then allauth's Brazilian Portuguese as the portal's "pt" (allauth ships pt_BR and pt_PT
# only, so its pages would stay in English): locale/vendor/allauth/README.md.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "vendor" / "allauth"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

# --- Static and media files --------------------------------------------------------------------
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "media/"
# Generated and uploaded files (certificates, reports, excuse documents, import uploads) go to
# MEDIA_ROOT on this machine's disk; with STORAGE_URL (s3://...; hubportal/storage_url.py gives its
# form) to an S3-compatible bucket instead, which web and workers on other machines share. Not a
# setting of its own: it may hold the secret key, and the debug page shows settings by name.
_storage_url = env("STORAGE_URL", default="")
STORAGES = {
    "default": storage_from_url(_storage_url) if _storage_url else {
        "BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Email -------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Global Training Hub <no-reply@hubportal.local>")
# A queued message untouched this long has no task on its way to it (the broker was down when it
# was queued): the scheduler hands it to a worker again. Longer than the longest wait between two
# attempts (8 minutes) and a busy queue.
OUTBOX_STUCK_SECONDS = env.int("OUTBOX_STUCK_SECONDS", default=20 * 60)
# A trainee's invitation link (set a password, verify the address) works this long, and once.
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=14)
# Sent messages are deleted after this many days (their bodies hold names and one-time links).
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=90)

# --- Celery: Redis when CELERY_BROKER_URL says so; otherwise a broker in local folders ----------
# The filesystem transport needs no server, yet the web process and the worker are still separate
# processes that exchange messages, exactly as with Redis.
_broker_dir = VAR_DIR / "celery"
# A host, though the folders are all there is: without one kombu warns on every connection, in the
# output of every command that queues a task.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Broadcasts (pings, shutdown) live here; kombu's default is a folder in the current directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        "polling_interval": 0.2,
    }
    _default_backend = f"file://{_broker_dir / 'results'}"
    (_broker_dir / "results").mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A task whose worker was killed (SIGKILL, a lost machine) stays unacknowledged in Redis until
        # this many seconds pass; then a live worker takes it again. Just above the hard time limit:
        # a running task is never handed out twice, and a lost one comes back within minutes. (A job
        # handed out twice all the same does its work once: see hubportal.jobs.services.job_claim.)
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=11 * 60),
    }
    _default_backend = CELERY_BROKER_URL
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=_default_backend)
CELERY_RESULT_EXPIRES = 24 * 60 * 60
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# A killed worker's task goes back to the queue rather than being lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The longest task: a 150,000-row import or a batch of thousands of certificates takes a minute or
# two on two cores; ten minutes leave room for a slow machine.
CELERY_TASK_SOFT_TIME_LIMIT = 9 * 60
CELERY_TASK_TIME_LIMIT = 10 * 60
# A running job shows a sign of life at least every chunk of work (seconds apart); after this long
# without one its worker is gone: staff see it as stalled and may resume it.
JOB_STALL_SECONDS = env.int("JOB_STALL_SECONDS", default=120)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Bulk import and export (coordinators' CSV / XLSX files) ----------------------------------
# Bounds on what one upload may hold: a nomination list is a few hundred rows; these leave room
# for a whole programme's history without letting one file exhaust a worker.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=25 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=200_000)
# A document a trainee attaches to an excuse (a medical certificate: a PDF or a phone's photo).
EXCUSE_ATTACHMENT_MAX_BYTES = env.int("EXCUSE_ATTACHMENT_MAX_BYTES", default=5 * 1024 * 1024)
# An XLSX file is a zip: what it may expand to, in all and relative to its compressed size.
IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES = env.int("IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES", default=300 * 1024 * 1024)
IMPORT_XLSX_MAX_RATIO = 200
# An admin import's uploaded file waits for the confirmation this long at most, then is deleted.
IMPORT_UPLOAD_MAX_AGE_SECONDS = 30 * 60
# An admin upload larger than this is checked and imported by a worker, with a page that follows it:
# about 7,000 rows of CSV, which the web process checks in well under a second and a few MB.
IMPORT_BACKGROUND_BYTES = env.int("IMPORT_BACKGROUND_BYTES", default=1024 * 1024)
IMPORT_EXPORT_TMP_STORAGE_CLASS = "hubportal.importexport.ExpiringUploadStorage"
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_SKIP_ADMIN_LOG = True  # the services write the audit log

# --- Certificates and background jobs ----------------------------------------------------------
# The portal's public address: printed in certificates' QR codes and in emails to trainees.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
# Verification page requests one address may make a minute before it is told to wait.
VERIFY_RATE_PER_MINUTE = env.int("VERIFY_RATE_PER_MINUTE", default=30)

# --- Cache: per process by default; a shared one (redis://...) when several web processes run ---
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# --- Content security policy (django-csp; hubportal.middleware.ContentSecurityPolicyMiddleware) ---
# Every page runs only the scripts and styles of our own static files: no inline script, handler or
# style attribute, so that markup slipped into a page (a name, an imported field) cannot act. A nonce
# (request.csp_nonce, csp.constants.NONCE in a directive) is the way for an inline script that cannot be
# a file. Images may be data: URLs (the authenticator app's QR code on the second-factor pages).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],  # as X_FRAME_OPTIONS = "DENY", for the browsers that read only this
    },
}
# Added to the policy under a path prefix. The admin's pages are Django's and django-import-export's:
# a <style> block in the change lists, style attributes of the export form and of the autocomplete
# widget (Select2); and one inline handler, the export form's "select all" (allowed by its hash alone).
# The dashboard's world map is an SVG document styled by its own <style> (pygal's), when opened by
# itself rather than as the dashboard's image; it holds no script.
HUB_CSP_PATH_ADDITIONS = {
    "/admin/": {
        "style-src": ["'unsafe-inline'"],
        "script-src": ["'unsafe-hashes'", "'sha256-wid4zL8fR53ZYy1ljOepzR77Dn6vWUUxuNnnWWBP3I8='"],
    },
    "/dashboard/map.svg": {"style-src": ["'unsafe-inline'"]},
}

# --- Logging -----------------------------------------------------------------------------------
# "plain": lines for a person at a terminal (`make run`, tests). "json": one object a line with the
# request's id and the user's, or the task's id (hubportal/logs.py), for a log collector: production's
# default. Celery's processes use this configuration too (hubportal/celery.py).
LOG_FORMAT = env("DJANGO_LOG_FORMAT", default="plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f'DJANGO_LOG_FORMAT is "plain" or "json", not "{LOG_FORMAT}"')
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "hubportal.logs.JSONFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    # Libraries speak at WARNING: at INFO, pikepdf announces itself on import ("logger bridge
    # initialized"), before the output of every management command.
    "root": {"handlers": ["console"], "level": env("DJANGO_LIBRARY_LOG_LEVEL", default="WARNING")},
    "loggers": {
        # The hub's own loggers, and Celery's (a worker's "ready", each task received and succeeded).
        **{
            name: {"level": env("DJANGO_LOG_LEVEL", default="INFO")}
            for name in ("hubportal", "trainees", "cohorts", "curriculum", "certificates", "celery")
        },
        # WeasyPrint logs every step of every page at INFO ("Creating layout - Page 17"): a worker's
        # log would hold little else, even with the libraries at INFO. Its warnings still come through.
        "weasyprint.progress": {"level": "WARNING"},
        # A line for each request: in "plain" at the terminal runserver prints its own already.
        "hubportal.requests": {"level": env("DJANGO_LOG_LEVEL", default="INFO") if LOG_FORMAT == "json"
                               else "WARNING"},
    },
}

# --- Error reporting: Sentry, or a service that speaks its protocol, when SENTRY_DSN names one ---
# Not a setting of its own: the DSN holds the project's key, and the debug page shows settings by name.
if _sentry_dsn := env("SENTRY_DSN", default=""):
    from hubportal.errorreporting import sentry_init

    sentry_init(dsn=_sentry_dsn, environment=env("SENTRY_ENVIRONMENT", default="production"),
                release=env("SENTRY_RELEASE", default=None),
                # Errors only by default; a fraction (0.05) also sends each sampled request's timings.
                traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0))

# --- Privacy: how long the hub keeps a trainee's personal data --------------------------------
# Years after the end of a trainee's last session (or their registration, if they never had one):
# then a weekly check tells the hub staff, who anonymise them in the admin. Nothing is anonymised
# without staff confirming it.
TRAINEE_RETENTION_YEARS = env.int("TRAINEE_RETENTION_YEARS", default=10)

# --- Scheduled tasks ---------------------------------------------------------------------------
# Run by the worker's scheduler (celery beat: `make run` starts it with the worker; docker-compose.yml
# as a service of its own, one per deployment).
CELERY_BEAT_SCHEDULE = {
    # A worker's sign of life, which /readyz reports; one not run within the minute is dropped, not queued.
    "worker-heartbeat": {"task": "hubportal.worker_heartbeat", "schedule": 60, "options": {"expires": 60}},
    # The outbox: messages a broker outage stranded go to a worker again; sent ones are deleted in time.
    "outbox-requeue-stuck": {"task": "outbox.requeue_stuck", "schedule": 5 * 60},
    "outbox-purge-sent": {"task": "outbox.purge_sent", "schedule": crontab(hour=3, minute=30)},
    "trainees-past-retention": {
        "task": "cohorts.trainees_retention_notify",
        "schedule": crontab(day_of_week="mon", hour=7, minute=0),  # hub time (TIME_ZONE)
    },
}
