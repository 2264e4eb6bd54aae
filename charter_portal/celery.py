"""The Celery application. Its settings are the ``CELERY_*`` names in ``settings.py``."""

import os

from celery import Celery
from celery.signals import task_postrun, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "charter_portal.settings")

app = Celery("charter_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.on_after_configure.connect
def repeat_redbeat_settings_without_namespace(sender, source, **kwargs):
    """celery-redbeat checks for its settings by their plain names (``redbeat_redis_url``),
    blind to the ``CELERY_`` namespace: it would warn and fall back to ``broker_url`` and
    ``broker_transport_options``. Repeat our ``CELERY_REDBEAT_*`` settings under those names."""
    source.update(
        {
            key.removeprefix("CELERY_").lower(): source[key]
            for key in list(source.keys())
            if key.startswith("CELERY_REDBEAT_")
        }
    )


@worker_init.connect
def record_the_worker_seen_after_each_task(**kwargs):
    """In a real worker (not a task applied in-process), the end of every task says the worker
    is alive (:class:`notifications.tasks.WorkerSeen`). Connected before the pool forks, so its
    children inherit it."""
    from notifications.tasks import worker_seen

    task_postrun.connect(worker_seen.after_task, weak=False)


app.autodiscover_tasks()
