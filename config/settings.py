"""The one settings module. Everything that differs between a laptop and production comes from the
environment; with nothing set the portal runs embedded (SQLite under var/, tasks in process).

See docs/operations.md for every variable.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_json_object, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DATABASE_URL = env_secret("DATABASE_URL")
REDIS_URL = env_secret("REDIS_URL")
# Embedded: no external services; the mode `make run` uses on a bare machine.
EMBEDDED = not DATABASE_URL

DEBUG = env_bool("DEBUG", default=EMBEDDED)


def _secret_key() -> str:
    key = env_secret("SECRET_KEY")
    if key:
        return key
    if not EMBEDDED:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) is required when DATABASE_URL is set"
        )
    # Embedded default: generate once and keep it, so sessions survive restarts.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Ours, lower layers first (docs/architecture.md). Their fixed places (pages.py, urls.py,
# api/urls.py, demo.py) are collected from these, never from third-party apps (core.discovery).
PROJECT_APPS = [
    "core",
    "tenancy",
    "accounts",
    "campaigns",
    "pipeline",
    "guardrails",
    "routing",
    "dealreg",
    "mdf",
    "scorecards",
]
INSTALLED_APPS = [
    "core.apps.PlatformAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    *PROJECT_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tenancy.middleware.TenantScopeMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "tenancy.User"
LOGIN_URL = "/console/"  # where /admin/ sends platform staff to sign in (throttled, audited)

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
                "tenancy.context_processors.front_door",
                "routing.views.notifications.unread_context",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "db.sqlite3"),
            # IMMEDIATE + WAL: concurrent demo writes wait for the lock instead of failing.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (login throttling, health) --------------------------------------------------------
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)  # per email, per window
LOGIN_FAILURE_IP_LIMIT = env_int("LOGIN_FAILURE_IP_LIMIT", 30)  # per client address, per window
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)
# How many reverse proxies append to X-Forwarded-For in front of the app (0: use the socket peer).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

# --- Email ----------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Channel Balance <noreply@localhost>")

# --- HTTPS hardening (on by default outside DEBUG; SECURE_HTTPS=0 for plain-http local runs) ---
SECURE_HTTPS = env_bool("SECURE_HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = SECURE_HTTPS
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = SECURE_HTTPS
if env_bool("SECURE_PROXY_SSL", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# /healthz is probed over plain http inside the compose network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- I18N / static --------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (offer assets, logos, evidence) go through the default storage and are served
# only by permission-checked views, never from a media URL. Local files under VAR_DIR by default;
# an S3-compatible store by configuration, e.g. FILE_STORAGE_BACKEND=storages.backends.s3.S3Storage
# and FILE_STORAGE_OPTIONS='{"bucket_name": "...", "endpoint_url": "..."}' (with django-storages).
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {
        "BACKEND": env_str("FILE_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": env_json_object("FILE_STORAGE_OPTIONS"),
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated request then gets 401 with WWW-Authenticate, not 403.
        "tenancy.api.authentication.ApiTokenAuthentication",
        "tenancy.api.authentication.TenantSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.RolePermission"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.StableCursorPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.SafeJSONParser"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Channel Balance API",
    "DESCRIPTION": (
        "CRM-sync and integration API. Authenticate with `Authorization: Token <key>`; the tenant "
        "comes from the token. Browser sessions send `X-Tenant: <slug>` when the user belongs to "
        "several tenants. Errors share one body: `{code, detail, fields}`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    # One name per choice set where two apps' fields share a name ("kind", "route").
    "ENUM_NAME_OVERRIDES": {
        "KindEnum": "guardrails.choices.ExceptionKind",
        "ConflictKindEnum": "dealreg.choices.ConflictKind",
        "RouteEnum": "pipeline.choices.Route",
        # A partner's tier, also in lists (offers' and campaigns' `partner_tiers`): one name.
        "TierEnum": "tenancy.choices.PartnerTier",
        # An offer asset's kind, listed and uploaded (campaigns' asset actions).
        "AssetKindEnum": "campaigns.choices.AssetKind",
        # MDF: a fund request's and a claim's states (two machines, both on `state`).
        "FundRequestStateEnum": "mdf.choices.RequestState",
        "FundClaimStateEnum": "mdf.choices.ClaimState",
        # The governance review: a review's and a decision's status, a decision's kind.
        "GovernanceReviewStatusEnum": "scorecards.choices.ReviewStatus",
        "ReviewJobStatusEnum": "scorecards.choices.JobStatus",
        "ReviewDecisionStatusEnum": "scorecards.choices.DecisionStatus",
        "ReviewDecisionKindEnum": "scorecards.choices.DecisionKind",
        "MaturityLevelEnum": "scorecards.choices.MaturityLevel",
    },
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Celery ---------------------------------------------------------------------------------
# In-process memory transport without a broker; the host is named so kombu does not warn "No
# hostname was supplied" on every start of `make run`.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost//"
CELERY_RESULT_BACKEND = None
# Without a broker, tasks run in process (the embedded runner); with one, a worker runs them.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = False  # opt in per idempotent task
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request must never hang because Redis is down.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 1,
}
CELERY_BEAT_SCHEDULE = {
    "scheduler-heartbeat": {
        "task": "core.tasks.record_scheduler_heartbeat",
        "schedule": timedelta(seconds=30),
    },
    # Hands due webhook deliveries (new, retries, replays) to the worker (core/webhooks/tasks.py).
    "webhook-sweep": {
        "task": "core.tasks.sweep_webhook_deliveries",
        "schedule": timedelta(seconds=30),
    },
    # Rulebook versions coming into force, changed accounts and deals, overdue exception reviews.
    "guardrails-sweep": {
        "task": "guardrails.tasks.sweep",
        "schedule": timedelta(seconds=60),
    },
    # Lead ops: leads the queue lost, due SLA reminders/breaches/recalls, notification emails.
    "routing-sweep": {
        "task": "routing.tasks.sweep",
        "schedule": timedelta(seconds=30),
    },
    # Deal registration: review escalations, answer and conversion clocks, reminders, expiry,
    # registrations whose opportunity the CRM closed.
    "dealreg-sweep": {
        "task": "dealreg.tasks.sweep",
        "schedule": timedelta(seconds=60),
    },
    # MDF: due clocks, claim windows, quarter ends; accruals hourly (mdf/services/sweep.py).
    "mdf-sweep": {
        "task": "mdf.tasks.sweep",
        "schedule": timedelta(seconds=60),
    },
    # Lead ops: each tenant's duplicate-matcher weights learned again from its own people, at
    # night, for tenants whose contacts or leads changed since (routing/dedupe_weights.py).
    "dedupe-weights": {
        "task": "routing.tasks.learn_all_dedupe_weights",
        "schedule": crontab(hour=3, minute=20),
    },
    # Scorecards: rollups brought up to date from the change feeds (at most 5 minutes stale),
    # and rebuilt at night (deleted touches leave no trace in the feeds: scorecards/rollup.py).
    "scorecards-refresh": {
        "task": "scorecards.tasks.refresh_all",
        "schedule": timedelta(seconds=60),
    },
    "scorecards-rebuild": {
        "task": "scorecards.tasks.rebuild_all",
        "schedule": crontab(hour=3, minute=50),
    },
    # Governance: the review of the quarter that has just ended, opened and prepared by itself in
    # the next quarter's first 30 days (scorecards/review/workspace.py, open_due_review).
    "governance-review-open": {
        "task": "scorecards.tasks.open_due_reviews",
        "schedule": crontab(hour=5, minute=10),
    },
    "idempotency-purge": {
        "task": "core.tasks.purge_idempotency_keys",
        "schedule": timedelta(hours=1),
    },
}
SCHEDULER_STALE_AFTER = timedelta(seconds=env_int("SCHEDULER_STALE_AFTER_SECONDS", 120))

# --- Outbound webhooks ----------------------------------------------------------------------
# Off: endpoint URLs must resolve to public addresses (no loopback, private or link-local
# networks, e.g. cloud metadata). On only where receivers are on a private network on purpose.
WEBHOOK_ALLOW_PRIVATE_URLS = env_bool("WEBHOOK_ALLOW_PRIVATE_URLS", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Where the API finds the caller's tenant and membership after authentication (tenancy decides),
# and where background jobs find a user's membership in a tenant.
API_TENANT_RESOLVER = "tenancy.api.authentication.resolve_request_tenant"
MEMBERSHIP_RESOLVER = "tenancy.services.membership_for"
# CSV imports: the largest file accepted. API bodies (1,000-record bulk upserts) may be large too.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
TENANT_MODEL = "tenancy.Tenant"
# Campaigns: the largest offer asset or logo accepted, and how long a co-branded PDF stays in the
# cache (its key changes with anything it draws, so this only bounds how long unused ones stay).
CAMPAIGNS_MAX_FILE_BYTES = env_int("CAMPAIGNS_MAX_FILE_BYTES", 10 * 1024 * 1024)
CAMPAIGNS_PDF_CACHE_SECONDS = env_int("CAMPAIGNS_PDF_CACHE_SECONDS", 24 * 3600)
