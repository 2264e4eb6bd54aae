"""Celery tasks: thin entry points over plain functions.

Every task takes primary keys or nothing, and is safe to run twice: the functions it calls claim
their rows in the database. No task is scheduled with an ETA or countdown; what must happen
later waits in PostgreSQL (``next_action_at``, ``next_attempt_at``) for the periodic tasks.
"""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from commitments.business_time import SEOUL
from notifications import delivery
from notifications.models import WorkerHeartbeat


@shared_task(name="notifications.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Record that the worker and beat are alive (shown by /healthz)."""
    WorkerHeartbeat.objects.update_or_create(name="worker", defaults={"at": timezone.now()})


@shared_task(name="notifications.tasks.deliver_notification", ignore_result=True)
def deliver_notification(notification_id: int) -> str:
    """Send one outbox row, queued when the transaction that wrote it committed. A row that is
    gone, already sent, or being sent by someone else is left alone."""
    return delivery.deliver_notification(notification_id=notification_id)


@shared_task(name="notifications.tasks.deliver_due", ignore_result=True)
def deliver_due() -> int:
    """One delivery pass: retries that came due, later ``send_after``s, abandoned sends."""
    return delivery.deliver_due()


@shared_task(name="notifications.tasks.sweep_deadlines", ignore_result=True)
def sweep_deadlines() -> int:
    """One sweep of the clocks; the number of steps recorded."""
    from notifications.sweep import sweep

    return sweep().steps_recorded


@shared_task(name="notifications.tasks.reconcile_report_summaries", ignore_result=True)
def reconcile_report_summaries() -> int:
    """Refresh the SLA reports' summary groups of the recent due days (and those ahead), making
    good any refresh lost with a process killed after its commit; the groups refreshed."""
    from commitments.summaries import summaries_reconcile

    days = settings.CHARTER_SUMMARY_RECONCILE_DAYS
    since = timezone.localtime(timezone.now(), SEOUL).date() - timedelta(days=days)
    return summaries_reconcile(since=since)
