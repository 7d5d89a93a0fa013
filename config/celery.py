"""The Celery app. With REDIS_URL it talks to Redis; without, tasks run eagerly in process and
`manage.py run_embedded` fires the beat schedule from a thread (core.embedded)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("channel_balance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
