"""The Celery application. Its settings are the ``CELERY_*`` names in ``settings.py``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "charter_portal.settings")

app = Celery("charter_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
