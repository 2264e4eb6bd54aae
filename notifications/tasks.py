"""Celery tasks: thin entry points over plain functions.

Every task takes primary keys or nothing, and is safe to run twice: the functions it calls claim
their rows in the database. No task is scheduled with an ETA or countdown; what must happen
later waits in PostgreSQL (``next_action_at``, ``next_attempt_at``) for the periodic tasks.
"""

import logging
import time
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from commitments.business_time import SEOUL
from notifications import delivery
from notifications.models import WorkerHeartbeat
from notifications.outbox import delivery_nudge_taken

logger = logging.getLogger(__name__)

WORKER_HEARTBEAT = "worker"


class WorkerSeen:
    """Records that this worker process is alive (``WorkerHeartbeat`` ``worker``, shown by
    ``/healthz``), at most once per ``CHARTER_HEARTBEAT_INTERVAL``.

    The periodic :func:`heartbeat` task is one way in; the end of every other task is the
    other (``charter_portal.celery`` connects :meth:`after_task` in real workers only). A
    periodic message expires just before the next is sent, so a worker busy with the sweep and
    delivery of every tick could otherwise see each heartbeat expire in its queue and be
    reported dead while it works."""

    def __init__(self) -> None:
        self._recorded = float("-inf")

    def record(self) -> None:
        WorkerHeartbeat.objects.update_or_create(
            name=WORKER_HEARTBEAT, defaults={"at": timezone.now()}
        )
        self._recorded = time.monotonic()

    def after_task(self, **_signal) -> None:
        if time.monotonic() - self._recorded < settings.CHARTER_HEARTBEAT_INTERVAL:
            return
        try:
            self.record()
        except DatabaseError as exc:
            logger.warning("worker: could not record the heartbeat (%s); next task again", exc)
            close_old_connections()  # a connection the database dropped is replaced next time


worker_seen = WorkerSeen()


@shared_task(name="notifications.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Record that the worker and beat are alive (shown by /healthz)."""
    worker_seen.record()


@shared_task(name="notifications.tasks.deliver_notification", ignore_result=True)
def deliver_notification(notification_id: int) -> str:
    """Send one outbox row by its key. A row that is gone, already sent, or being sent by
    someone else is left alone. (The outbox asks for delivery passes now; this stays for the
    messages already queued.)"""
    return delivery.deliver_notification(notification_id=notification_id)


@shared_task(name="notifications.tasks.deliver_due", ignore_result=True)
def deliver_due() -> int:
    """One delivery pass: new messages, retries that came due, later ``send_after``s,
    abandoned sends."""
    delivery_nudge_taken()
    return delivery.deliver_due()


@shared_task(name="notifications.tasks.sweep_deadlines", ignore_result=True)
def sweep_deadlines() -> int:
    """One sweep of the clocks; the number of steps recorded. A first batch that comes back
    full asks for helpers (:func:`sweep_helpers_ask`) and the sweep goes on beside them."""
    from notifications.sweep import sweep

    return sweep(
        batch_size=settings.CHARTER_SWEEP_BATCH_SIZE, on_backlog=sweep_helpers_ask
    ).steps_recorded


@shared_task(name="notifications.tasks.sweep_backlog", ignore_result=True)
def sweep_backlog() -> int:
    """A sweep beside the one that asked for it, until nothing is due; it asks for no helpers
    itself. The number of steps recorded."""
    from notifications.sweep import sweep

    return sweep(batch_size=settings.CHARTER_SWEEP_BATCH_SIZE).steps_recorded


def sweep_helpers_ask() -> int:
    """Publish ``CHARTER_SWEEP_PARALLEL`` − 1 :func:`sweep_backlog` tasks, so the worker's other
    processes share a backlog; the number published. Helpers only save time: a publication
    that fails (the broker down) is logged and the asking sweep finishes the backlog alone.
    Each expires with the next tick, which asks again if the backlog is still there."""
    expires = max(settings.CHARTER_SWEEP_INTERVAL - 0.5, 0.5)
    published = 0
    for _ in range(settings.CHARTER_SWEEP_PARALLEL - 1):
        try:
            sweep_backlog.apply_async(expires=expires, retry=False)
        except Exception as exc:  # kombu's and redis's errors alike: never stop the sweep
            logger.warning("sweep: could not ask for a helper (%s); sweeping alone", exc)
            break
        published += 1
    return published


@shared_task(name="notifications.tasks.reconcile_report_summaries", ignore_result=True)
def reconcile_report_summaries() -> int:
    """Refresh the SLA reports' summary groups of the recent due days (and those ahead), making
    good any refresh lost with a process killed after its commit; the groups refreshed."""
    from commitments.summaries import summaries_reconcile

    days = settings.CHARTER_SUMMARY_RECONCILE_DAYS
    since = timezone.localtime(timezone.now(), SEOUL).date() - timedelta(days=days)
    return summaries_reconcile(since=since)
