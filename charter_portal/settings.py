"""Charter Portal settings, read from the environment (twelve-factor).

Three modes, chosen by ``CHARTER_ENV``:

* ``local`` (default): what a newcomer's bare shell and ``make run`` get. SQLite under ``var/``
  in WAL mode, the embedded (filesystem) Celery broker, the local-memory cache, a secret key
  generated once into ``var/``, e-mail and SMS written to files under ``var/``.
* ``test``: the test suite. Like production, it needs ``DATABASE_URL`` and ``REDIS_URL`` (tests
  run on real PostgreSQL and Redis); ``make test`` exports them for the local servers.
* ``production``: switched on explicitly; a missing ``SECRET_KEY``, ``DATABASE_URL`` or
  ``REDIS_URL`` stops the process.
"""

import ipaddress
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from charter_portal.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_secret,
    env_str,
    imap_account,
    imap_url,
    local_secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CHARTER_VAR_DIR", str(BASE_DIR / "var")))

CHARTER_ENV = env_choice("CHARTER_ENV", "local", ("local", "test", "production"))
LOCAL_MODE = CHARTER_ENV == "local"
TEST_MODE = CHARTER_ENV == "test"
PRODUCTION_MODE = CHARTER_ENV == "production"


def _required(name: str, value: str | None) -> str:
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when CHARTER_ENV={CHARTER_ENV}")
    return value


# --- Core ---------------------------------------------------------------------------------

if LOCAL_MODE:
    SECRET_KEY = env_secret("SECRET_KEY") or local_secret_key(VAR_DIR)
elif TEST_MODE:
    SECRET_KEY = env_secret("SECRET_KEY") or "test-mode-secret-key-not-for-production-use"
else:
    SECRET_KEY = _required("SECRET_KEY", env_secret("SECRET_KEY"))
    # What `check --deploy` asks of a key (security.W009): long, and not one character repeated.
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "SECRET_KEY must be at least 50 characters long, of at least 5 different characters"
        )

DEBUG = env_bool("DEBUG", False)
if PRODUCTION_MODE and DEBUG:
    raise ImproperlyConfigured("DEBUG must not be true when CHARTER_ENV=production")
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if not PRODUCTION_MODE else []
)
if PRODUCTION_MODE and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when CHARTER_ENV=production")
if TEST_MODE:
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "simple_history",
    "import_export",
    "charter_portal",
    "commitments",
    "notifications",
    "requests_desk",
]

MIDDLEWARE = [
    "charter_portal.middleware.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "charter_portal.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "charter_portal.middleware.BodySizeMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "charter_portal.urls"
WSGI_APPLICATION = "charter_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "charter_portal.context_processors.site",
                "charter_portal.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL")
if not LOCAL_MODE:
    _required("DATABASE_URL", DATABASE_URL)

if DATABASE_URL:
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL cannot be parsed: {exc}") from None
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "charter.sqlite3",
            "OPTIONS": {
                # WAL lets the background worker write while the web server reads; the busy
                # timeout makes a second writer wait instead of failing with "database is locked".
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Covering indexes and NULLS NOT DISTINCT are PostgreSQL's; the local mode's SQLite does
    # without them (its data is small), so its commands need not warn about it every time.
    SILENCED_SYSTEM_CHECKS = ["models.W040", "models.W047"]

# --- Redis, cache and Celery --------------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
if not LOCAL_MODE:
    _required("REDIS_URL", REDIS_URL)

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "charter_portal.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "charter"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_EMBEDDED = not REDIS_URL
BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_EMBEDDED:
    BROKER_DIR.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR),
        "data_folder_out": str(BROKER_DIR),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    # The schedule in a file beside the broker; each tick recorded for /healthz.
    CELERY_BEAT_SCHEDULER = "notifications.schedule:RecordingPersistentScheduler"
    CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
else:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than any task's hard time limit, so a running task is never handed out twice.
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=60),
    }
    # redbeat, plus putting the schedule and the lock back after a FLUSHALL (sibson/redbeat#263).
    CELERY_BEAT_SCHEDULER = "notifications.schedule:RestoringRedBeatScheduler"
    CELERY_REDBEAT_REDIS_URL = REDIS_URL
    # The beat's Redis client takes no options: not the broker's transport options.
    CELERY_REDBEAT_REDIS_OPTIONS = {}
    CELERY_REDBEAT_KEY_PREFIX = env_str("CELERY_REDBEAT_KEY_PREFIX", "charter:redbeat:")
    # A second beat waits on this lock instead of firing the schedule twice.
    CELERY_REDBEAT_LOCK_TIMEOUT = env_int("CELERY_REDBEAT_LOCK_TIMEOUT", 60, minimum=10)

CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300, minimum=10)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240, minimum=5)
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
# No results are kept, so nothing to expire: without this, beat adds a daily
# "celery.backend_cleanup" entry to the schedule that would clean nothing.
CELERY_RESULT_EXPIRES = None
CELERY_TIMEZONE = "Asia/Seoul"
CELERY_ENABLE_UTC = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
if CELERY_TASK_SOFT_TIME_LIMIT >= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_TASK_SOFT_TIME_LIMIT must be below CELERY_TASK_TIME_LIMIT")

# The periodic schedule, one list in one place; each period is overridable from the environment.
CHARTER_SWEEP_INTERVAL = env_int("CHARTER_SWEEP_INTERVAL", 10, minimum=1)
# A sweep claims this many clocks a transaction; one whose first batch comes back full asks
# for CHARTER_SWEEP_PARALLEL − 1 more sweeps beside it (1: none) from the worker's processes.
CHARTER_SWEEP_BATCH_SIZE = env_int("CHARTER_SWEEP_BATCH_SIZE", 500, minimum=1)
CHARTER_SWEEP_PARALLEL = env_int("CHARTER_SWEEP_PARALLEL", 2, minimum=1)
CHARTER_DELIVERY_INTERVAL = env_int("CHARTER_DELIVERY_INTERVAL", 10, minimum=1)
CHARTER_HEARTBEAT_INTERVAL = env_int("CHARTER_HEARTBEAT_INTERVAL", 30, minimum=1)
# The SLA reports' daily summary is refreshed after every act that closes a clock; this pass
# refreshes the groups of the last N due days (and of the days ahead) in case a refresh was lost
# with a process killed just after its commit.
CHARTER_SUMMARY_RECONCILE_INTERVAL = env_int("CHARTER_SUMMARY_RECONCILE_INTERVAL", 600, minimum=10)
CHARTER_SUMMARY_RECONCILE_DAYS = env_int("CHARTER_SUMMARY_RECONCILE_DAYS", 7, minimum=1)
# Personal data from the homepage is destroyed this long after its case is closed (the consent
# text says three years); the pass runs daily.
CHARTER_RETENTION_DAYS = env_int("CHARTER_RETENTION_DAYS", 3 * 365 + 1, minimum=1)
CHARTER_RETENTION_INTERVAL = env_int("CHARTER_RETENTION_INTERVAL", 24 * 3600, minimum=60)
# Inbound e-mail (requests_desk/mail): how often the mailboxes are read; in local mode as often
# as the sweep, so an .eml dropped into var/mail-in/new/ is a case within a sweep period.
CHARTER_MAIL_POLL_INTERVAL = env_int(
    "CHARTER_MAIL_POLL_INTERVAL", CHARTER_SWEEP_INTERVAL if LOCAL_MODE else 30, minimum=1
)
# Certificates' renewal guidance goes out within the day before its clock is due: an hourly
# pass is in time.
CHARTER_CERTIFICATE_GUIDANCE_INTERVAL = env_int(
    "CHARTER_CERTIFICATE_GUIDANCE_INTERVAL", 3600, minimum=10
)


def _every(task: str, seconds: int) -> dict:
    """A periodic entry whose message expires just before the next one is sent: a worker that
    was down does not run a backlog of stale copies when it comes back."""
    return {
        "task": task,
        "schedule": float(seconds),
        "options": {"expires": max(seconds - 0.5, 0.5)},
    }


CELERY_BEAT_SCHEDULE = {
    "sweep-deadlines": _every("notifications.tasks.sweep_deadlines", CHARTER_SWEEP_INTERVAL),
    "deliver-notifications": _every("notifications.tasks.deliver_due", CHARTER_DELIVERY_INTERVAL),
    "heartbeat": _every("notifications.tasks.heartbeat", CHARTER_HEARTBEAT_INTERVAL),
    "reconcile-report-summaries": _every(
        "notifications.tasks.reconcile_report_summaries", CHARTER_SUMMARY_RECONCILE_INTERVAL
    ),
    "purge-personal-data": _every(
        "requests_desk.tasks.purge_personal_data", CHARTER_RETENTION_INTERVAL
    ),
    # Certificates' renewal guidance, sent when their clock falls due within a day.
    "certificate-guidance": _every(
        "requests_desk.tasks.certificate_guidance", CHARTER_CERTIFICATE_GUIDANCE_INTERVAL
    ),
    "poll-mail": _every("requests_desk.tasks.poll_mail", CHARTER_MAIL_POLL_INTERVAL),
}

# Delivery from the outbox (notifications/delivery.py). A temporary failure waits
# base × 2^(attempt − 1) seconds, at most the cap, with jitter; after the last attempt the
# message is failed and shown to admins.
NOTIFICATION_RETRY_BASE_SECONDS = env_int("NOTIFICATION_RETRY_BASE_SECONDS", 30, minimum=1)
NOTIFICATION_RETRY_CAP_SECONDS = env_int("NOTIFICATION_RETRY_CAP_SECONDS", 3600, minimum=1)
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 8, minimum=1)
# A row "sending" for longer than this was abandoned by a dead worker and is tried again. Longer
# than any one send can take (a delivery task is killed at CELERY_TASK_TIME_LIMIT).
NOTIFICATION_SENDING_TIMEOUT_SECONDS = env_int(
    "NOTIFICATION_SENDING_TIMEOUT_SECONDS", max(600, CELERY_TASK_TIME_LIMIT + 60), minimum=10
)
if NOTIFICATION_SENDING_TIMEOUT_SECONDS <= CELERY_TASK_TIME_LIMIT:
    # Taking back a row a live task may still be sending would send it twice.
    raise ImproperlyConfigured(
        "NOTIFICATION_SENDING_TIMEOUT_SECONDS must be above CELERY_TASK_TIME_LIMIT"
    )

# --- Authentication -----------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TEST_MODE:
    # Fast hashes for the suite; production's hashes still check (a benchmark's data set,
    # made for a production-mode server, signs in under a test-mode one too).
    PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "home"

# --- Internationalisation -----------------------------------------------------------------

LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
if not PRODUCTION_MODE:
    # Outside production nothing runs collectstatic, and WhiteNoise warns about a missing root.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Customers' and staff's files on cases (CHARTER_PRIVATE_MEDIA_ROOT): the e-mail channel
    # reads attachments from here by name, without knowing the desk's models.
    "private": {"BACKEND": "requests_desk.storage.PrivateStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION_MODE
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploaded files live outside the web root and are served only through views that check access.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

# --- E-mail and SMS -----------------------------------------------------------------------

# Where the portal is reached from outside; e-mails link to it. Local mode: `make run`'s address.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000" if LOCAL_MODE else "").rstrip("/")
if PRODUCTION_MODE:
    # Survey links, tracking links and clock links in e-mails must open from a mail client.
    _required("SITE_URL", SITE_URL)
    if not SITE_URL.startswith(("https://", "http://")):
        raise ImproperlyConfigured("SITE_URL must be an absolute http(s) address")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Charter Portal <charter@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD") or ""
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be true")
elif PRODUCTION_MODE:
    raise ImproperlyConfigured("EMAIL_HOST must be set when CHARTER_ENV=production")
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

SMS_BACKEND = env_choice("SMS_BACKEND", "file", ("file", "console", "http"))
if PRODUCTION_MODE and env_str("SMS_BACKEND") is None:
    # Messages written to a file in production would be messages nobody receives.
    raise ImproperlyConfigured("SMS_BACKEND must be set when CHARTER_ENV=production")
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL")
SMS_GATEWAY_KEY = env_secret("SMS_GATEWAY_KEY")
SMS_SENDER = env_str("SMS_SENDER", "02-0000-0000")
SMS_GATEWAY_KEY_HEADER = env_str("SMS_GATEWAY_KEY_HEADER", "X-API-Key")
SMS_GATEWAY_TIMEOUT = env_int("SMS_GATEWAY_TIMEOUT", 10, minimum=1)
SMS_FILE_PATH = VAR_DIR / "sms"
if SMS_BACKEND == "http":
    _required("SMS_GATEWAY_URL", SMS_GATEWAY_URL)
    _required("SMS_GATEWAY_KEY", SMS_GATEWAY_KEY)
    _required("SMS_SENDER", env_str("SMS_SENDER"))

# --- REST API -----------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous API call then answers 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "charter_portal.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "PAGE_SIZE": 50,
    # JSON nested deeper than a few dozen levels is a 400, never a RecursionError.
    "DEFAULT_PARSER_CLASSES": [
        "commitments.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Charter Portal API",
    "DESCRIPTION": "Customer service charter commitments as tracked clocks.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every 4xx an operation can give is documented (charter_portal/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "charter_portal.schema.document_error_answers",
    ],
    # Choice sets whose field names other apps use too ("channel", "state") need their own names.
    "ENUM_NAME_OVERRIDES": {
        "ChannelEnum": "requests_desk.vocabulary.Channel",
        "StateEnum": "commitments.models.deadline.DeadlineState",
        "NotificationChannelEnum": "notifications.models.NotificationChannel",
        "NotificationStateEnum": "notifications.models.NotificationState",
        "NotificationStepEnum": "notifications.models.NotificationStep",
        "IncidentKindEnum": "notifications.incidents.models.IncidentKind",
        "RequestKindEnum": "requests_desk.vocabulary.RequestKind",
        "IncidentPhaseEnum": "notifications.incidents.models.IncidentPhase",
        "TestKindEnum": "requests_desk.models.records.TestKind",
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Public notices -----------------------------------------------------------------------

# Who hears of a planned suspension: the customer contacts with a request about an affected
# service received within this many days.
NOTICE_AUDIENCE_DAYS = env_int("NOTICE_AUDIENCE_DAYS", 365, minimum=1)

# --- Security -----------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION_MODE:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # The container health probe speaks plain HTTP on the container's own port.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # HSTS for a year, subdomains included; SECURE_HSTS_SECONDS=0 turns it off for a first
    # roll-out (then `check --deploy` says so), a few minutes tries it out.
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # The header allows a listing in browsers' preload lists; only a submission makes one.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Customer voice: satisfaction surveys ---------------------------------------------------
# A survey link sent when a case is resolved works this many days, once. A case resolved
# again (after a reopen) within SURVEY_RESEND_DAYS of the last invitation is not asked again.
SURVEY_LINK_DAYS = env_int("SURVEY_LINK_DAYS", 30, minimum=1)
SURVEY_RESEND_DAYS = env_int("SURVEY_RESEND_DAYS", 30, minimum=0)
# Published results hide any group with fewer responses than this (no re-identification).
SURVEY_MIN_GROUP = env_int("SURVEY_MIN_GROUP", 5, minimum=1)

DEMO_PASSWORD = env_str("DEMO_PASSWORD", "charter-demo-2026")

# --- Public homepage forms: complaints, case tracking, commendations ----------------------

# Where a customer's "not sure which service" goes: this division, and this team in it (a
# team of another division, or none, falls back to the division's first team).
CHARTER_PUBLIC_DIVISION = env_str("CHARTER_PUBLIC_DIVISION", "infrastructure")
CHARTER_PUBLIC_TEAM = env_str("CHARTER_PUBLIC_TEAM", "net-support")
# Submissions (forms and API, honeypot hits included) per client address and per e-mail, kept
# in the shared cache (Redis; the local-memory cache in local mode).
CHARTER_PUBLIC_PER_IP_HOUR = env_int("CHARTER_PUBLIC_PER_IP_HOUR", 20, minimum=1)
CHARTER_PUBLIC_PER_IP_DAY = env_int("CHARTER_PUBLIC_PER_IP_DAY", 240, minimum=1)
CHARTER_PUBLIC_PER_EMAIL_HOUR = env_int("CHARTER_PUBLIC_PER_EMAIL_HOUR", 20, minimum=1)
CHARTER_PUBLIC_PER_EMAIL_DAY = env_int("CHARTER_PUBLIC_PER_EMAIL_DAY", 240, minimum=1)
# The reverse proxies in front of the web server (addresses or networks, comma-separated).
# A request from one of them is counted against the client address it names in
# X-Forwarded-For (the right-most entry that is not itself a trusted proxy).
try:
    CHARTER_TRUSTED_PROXIES = [
        str(ipaddress.ip_network(item, strict=False))
        for item in env_list("CHARTER_TRUSTED_PROXIES", [])
    ]
except ValueError as error:
    raise ImproperlyConfigured(f"CHARTER_TRUSTED_PROXIES: {error}") from None
# Case look-ups (tracking code and e-mail) per client address.
CHARTER_PUBLIC_LOOKUPS_PER_IP_HOUR = env_int("CHARTER_PUBLIC_LOOKUPS_PER_IP_HOUR", 60, minimum=1)
CHARTER_PUBLIC_LOOKUPS_PER_IP_DAY = env_int("CHARTER_PUBLIC_LOOKUPS_PER_IP_DAY", 600, minimum=1)
# A customer's attachment, and a whole request body (an attachment and the form around it).
CHARTER_ATTACHMENT_MAX_BYTES = env_int("CHARTER_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024, minimum=1)
CHARTER_MAX_BODY_BYTES = env_int(
    "CHARTER_MAX_BODY_BYTES", CHARTER_ATTACHMENT_MAX_BYTES + 1024 * 1024, minimum=1024
)
# Customers' files: outside any web-served path, handed out only by a view that checks access.
CHARTER_PRIVATE_MEDIA_ROOT = Path(
    env_str("CHARTER_PRIVATE_MEDIA_ROOT", str(MEDIA_ROOT / "private"))
)
# The version of the consent text on the forms; change it whenever the text changes.
# Answer a Server-Timing header (time, database time, number of queries) on every response,
# for bench/pages.py; off unless asked (it tells a visitor how the server spends its time).
CHARTER_SERVER_TIMING = env_bool("CHARTER_SERVER_TIMING", False)
CHARTER_CONSENT_VERSION = env_str("CHARTER_CONSENT_VERSION", "2026-11")
# Inbound e-mail: an IMAP account (its folders are the mailboxes read) and, in local mode, a
# Maildir. Messages from CHARTER_MAIL_ADDRESSES (and DEFAULT_FROM_EMAIL) are ours: never cases.
# The first account is INBOUND_IMAP_URL (imaps://user:password@host:993/INBOX, or _FILE), or
# its parts one by one (CHARTER_MAIL_IMAP_HOST, …): not both.
_inbound_imap = imap_url("INBOUND_IMAP_URL")
if _inbound_imap is not None:
    CHARTER_MAIL_IMAP_HOST = _inbound_imap["host"]
    CHARTER_MAIL_IMAP_SSL = _inbound_imap["ssl"]
    CHARTER_MAIL_IMAP_PORT = _inbound_imap["port"]
    CHARTER_MAIL_IMAP_USER = _inbound_imap["user"]
    CHARTER_MAIL_IMAP_PASSWORD = _inbound_imap["password"]
    CHARTER_MAIL_IMAP_FOLDERS = _inbound_imap["folders"]
else:
    CHARTER_MAIL_IMAP_HOST = env_str("CHARTER_MAIL_IMAP_HOST", "")
    CHARTER_MAIL_IMAP_SSL = env_bool("CHARTER_MAIL_IMAP_SSL", True)
    CHARTER_MAIL_IMAP_PORT = env_int(
        "CHARTER_MAIL_IMAP_PORT", 993 if CHARTER_MAIL_IMAP_SSL else 143, minimum=1
    )
    CHARTER_MAIL_IMAP_USER = env_str("CHARTER_MAIL_IMAP_USER", "")
    CHARTER_MAIL_IMAP_PASSWORD = env_secret("CHARTER_MAIL_IMAP_PASSWORD") or ""
    CHARTER_MAIL_IMAP_FOLDERS = env_list("CHARTER_MAIL_IMAP_FOLDERS", ["INBOX"])
CHARTER_MAIL_IMAP_TIMEOUT = env_int("CHARTER_MAIL_IMAP_TIMEOUT", 30, minimum=1)
if CHARTER_MAIL_IMAP_HOST and not CHARTER_MAIL_IMAP_USER:
    raise ImproperlyConfigured("CHARTER_MAIL_IMAP_USER must be set with CHARTER_MAIL_IMAP_HOST")
# Where the account's mail goes when no routing rule places it (division and team codes;
# blank: CHARTER_PUBLIC_DIVISION and CHARTER_PUBLIC_TEAM).
CHARTER_MAIL_IMAP_DIVISION = env_str("CHARTER_MAIL_IMAP_DIVISION", "")
CHARTER_MAIL_IMAP_TEAM = env_str("CHARTER_MAIL_IMAP_TEAM", "")
# More IMAP accounts (one mailbox per division, say), by name: CHARTER_MAIL_IMAP_ACCOUNTS=market
# reads CHARTER_MAIL_IMAP_MARKET_USER and _PASSWORD (or _PASSWORD_FILE), _HOST, _PORT and _SSL
# (the first account's when unset), _FOLDERS (INBOX), _DIVISION and _TEAM (as above).
CHARTER_MAIL_IMAP_ACCOUNTS = [
    imap_account(
        name, host=CHARTER_MAIL_IMAP_HOST, port=CHARTER_MAIL_IMAP_PORT, ssl=CHARTER_MAIL_IMAP_SSL
    )
    for name in env_list("CHARTER_MAIL_IMAP_ACCOUNTS", [])
]
_account_names = [account["name"] for account in CHARTER_MAIL_IMAP_ACCOUNTS]
if len(set(_account_names)) < len(_account_names) or "imap" in _account_names:
    raise ImproperlyConfigured(
        "CHARTER_MAIL_IMAP_ACCOUNTS: each name once, and not imap (the first account's)"
    )
CHARTER_MAIL_MAILDIR = env_str(
    "CHARTER_MAIL_MAILDIR", str(VAR_DIR / "mail-in") if LOCAL_MODE else ""
)
CHARTER_MAIL_ADDRESSES = env_list("CHARTER_MAIL_ADDRESSES", [])
CHARTER_MAIL_MAX_BYTES = env_int("CHARTER_MAIL_MAX_BYTES", 25 * 1024 * 1024, minimum=1024)
CHARTER_MAIL_DEFAULT_KIND = env_str("CHARTER_MAIL_DEFAULT_KIND", "support_inquiry")
CHARTER_MAIL_BATCH = env_int("CHARTER_MAIL_BATCH", 50, minimum=1)
CHARTER_MAIL_MAX_PER_POLL = env_int("CHARTER_MAIL_MAX_PER_POLL", 2000, minimum=1)
# Messages of a batch ingested at once (threads, each with its own database connection); SQLite
# (local mode) takes one writer at a time.
CHARTER_MAIL_THREADS = env_int("CHARTER_MAIL_THREADS", 1 if LOCAL_MODE else 4, minimum=1)
# Shares of each mailbox read side by side, each by a task of its own (one process each).
CHARTER_MAIL_SHARDS = env_int("CHARTER_MAIL_SHARDS", 1 if LOCAL_MODE else 2, minimum=1)
CHARTER_MAIL_RETRY_BASE_SECONDS = env_int("CHARTER_MAIL_RETRY_BASE_SECONDS", 5, minimum=1)
CHARTER_MAIL_RETRY_CAP_SECONDS = env_int("CHARTER_MAIL_RETRY_CAP_SECONDS", 300, minimum=1)
# /healthz answers 503 when a mailbox is configured and no poll has succeeded for this long.
CHARTER_MAIL_STALE_MINUTES = env_int("CHARTER_MAIL_STALE_MINUTES", 15, minimum=1)

# Paths whose pages carry their own inline scripts (the API's browsable docs): no CSP there.
CHARTER_CSP_EXEMPT_PREFIXES = ("/api/v1/docs/", "/api/v1/redoc/")

# Static files are served by WhiteNoise in every mode; outside production straight from the
# installed packages, so `make run` needs no collectstatic step.
WHITENOISE_USE_FINDERS = not PRODUCTION_MODE
WHITENOISE_AUTOREFRESH = LOCAL_MODE

# --- Outages: Redis, the broker and the background processes (issue 15, items 1–3) ----------
# Redis down must slow nothing: the cache fails fast (the rate limits then count per process),
# the worker and beat reconnect forever instead of exiting, and /healthz goes red when the
# worker's heartbeat or the beat's tick is older than CHARTER_STALE_PERIODS periods.
if REDIS_URL:
    CACHES["default"]["OPTIONS"] = {"socket_connect_timeout": 2, "socket_timeout": 2}
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # the worker waits for the broker, never exits
CELERY_BROKER_CONNECTION_TIMEOUT = 4
CHARTER_STALE_PERIODS = env_int("CHARTER_STALE_PERIODS", 3, minimum=2)
# The number a customer the rate limits refused is told to call (blank: the representative
# phone of CHARTER_PUBLIC_DIVISION's first service that has one).
CHARTER_PUBLIC_PHONE = env_str("CHARTER_PUBLIC_PHONE", "")
# Innermost, so it sees a view's error first: a database or Redis outage answers 503, not 500.
MIDDLEWARE = [*MIDDLEWARE, "charter_portal.outages.OutageMiddleware"]
# --- Staff accounts: sign-in lockout, two-factor, idle sessions, API throttling ----------------
# (charter_portal/accounts/). Added to the lists above here, so this block reads as one.

INSTALLED_APPS = [
    "charter_portal.accounts.apps.CharterAdminConfig" if app == "django.contrib.admin" else app
    for app in INSTALLED_APPS
] + ["axes", "django_otp", "django_otp.plugins.otp_totp"]
_AFTER_AUTH = MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
MIDDLEWARE[_AFTER_AUTH:_AFTER_AUTH] = [
    "django_otp.middleware.OTPMiddleware",
    "charter_portal.accounts.two_factor.TwoFactorMiddleware",
    "charter_portal.accounts.sessions.IdleSessionMiddleware",
]
# Last, as django-axes asks: it turns a refused sign-in into the lockout page (429).
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
AUTHENTICATION_BACKENDS = [
    "charter_portal.accounts.backends.SignInAttemptsBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed sign-ins (our login page and the admin's) lock the account, and separately the client
# address, for a while; admins unlock in the admin ("Access attempts": delete the row).
AXES_FAILURE_LIMIT = env_int("CHARTER_LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = env_int("CHARTER_LOGIN_LOCKOUT_MINUTES", 30, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "charter_portal.accounts.backends.sign_in_address"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# Admins and managers must sign in with a second factor (an authenticator app); always in
# production, and wherever CHARTER_REQUIRE_OTP=true (the suite and `make run` leave it off, so
# their demo users sign in with a password alone).
CHARTER_REQUIRE_OTP = PRODUCTION_MODE or env_bool("CHARTER_REQUIRE_OTP", False)
OTP_TOTP_ISSUER = "Charter Portal"
# A session ends after this long without a request (requests push the end back; see
# charter_portal/accounts/sessions.py).
# The suite's clients travel months through pinned clocks while signed in: there the default is
# ten years, and the idle test sets the half hour itself.
CHARTER_SESSION_IDLE_MINUTES = env_int(
    "CHARTER_SESSION_IDLE_MINUTES", 10 * 366 * 24 * 60 if TEST_MODE else 30, minimum=1
)
SESSION_COOKIE_AGE = CHARTER_SESSION_IDLE_MINUTES * 60
# Django's database sessions, each write one statement (charter_portal/accounts/session_store.py).
SESSION_ENGINE = "charter_portal.accounts.session_store"
# API calls per signed-in user and per anonymous client address ("N/second|minute|hour|day").
CHARTER_API_THROTTLE_RATES = {
    "user": env_str("CHARTER_API_USER_RATE", "100000/minute" if TEST_MODE else "600/minute"),
    "anon": env_str("CHARTER_API_ANON_RATE", "100000/minute" if TEST_MODE else "60/minute"),
}
for _scope, _rate in CHARTER_API_THROTTLE_RATES.items():
    _count, _, _period = _rate.partition("/")
    if not _count.isdigit() or _period not in ("second", "minute", "hour", "day"):
        raise ImproperlyConfigured(
            f"CHARTER_API_{_scope.upper()}_RATE={_rate!r} must read N/second|minute|hour|day"
        )
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = [
    "charter_portal.accounts.throttling.UserThrottle",
    "charter_portal.accounts.throttling.AnonymousThrottle",
]
