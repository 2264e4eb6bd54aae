"""Celery tasks: thin entry points over plain functions."""

from celery import shared_task
from django.utils import timezone

from notifications.models import WorkerHeartbeat


@shared_task(name="notifications.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Record that the worker and beat are alive (shown by /healthz)."""
    WorkerHeartbeat.objects.update_or_create(name="worker", defaults={"at": timezone.now()})
