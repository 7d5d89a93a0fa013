"""Settings for the test suite: the real settings, then what makes tests fast and deterministic.

DATABASE_URL and REDIS_URL are honoured, so CI runs the suite against real PostgreSQL and Redis.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_HTTPS", "0")

from config.settings import *  # noqa: F403
from config.settings import REDIS_URL

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Tests publish tasks eagerly; tests of the real Celery path start a worker and turn this off.
CELERY_TASK_ALWAYS_EAGER = True
# The login throttle lives in the cache: keep it per test process, never shared between runs.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "redis": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    ),
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Tests deliver webhooks to a local http.server; the SSRF guard is tested by turning this off.
WEBHOOK_ALLOW_PRIVATE_URLS = True
# Connections close after each request or task, so threads of a test (a Celery worker, a
# concurrent writer) leave none open when the test database is dropped.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
