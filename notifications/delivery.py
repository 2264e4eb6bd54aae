"""Delivery: take messages from the outbox, send them through their channel, record the outcome.

A row moves queued → sending → sent, or → retry-wait (a temporary error, tried again after an
exponential back-off with jitter) → … → failed (a permanent error, or the last attempt). Only
the process that moved a row to ``sending`` sends it: the claim is one conditional UPDATE (or a
``SKIP LOCKED`` batch), so a duplicate task, two passes at once, or a task and a pass never send
one message twice. Sending happens outside any transaction, so a slow server holds no locks.

A worker killed between the claim and the outcome leaves its row ``sending``. After
``NOTIFICATION_SENDING_TIMEOUT_SECONDS`` a pass takes it back and sends it again: the message
may already have gone out, which cannot be known, so ``possible_duplicates`` counts it.
"""

import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import F

from notifications import clock
from notifications.channels import TransportError, transport_for
from notifications.models import PENDING_STATES, Notification, NotificationState
from notifications.stops import delivery_stops_apply

logger = logging.getLogger(__name__)

ERROR_LENGTH = 2000


@dataclass
class DeliveryResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    recovered: int = 0

    @property
    def attempted(self) -> int:
        return self.sent + self.retrying + self.failed


def deliver_notification(*, notification_id: int, now: datetime | None = None) -> str:
    """Send one outbox row if it is still waiting and its time has come.

    Returns the row's state afterwards (``sent``, ``retry-wait``, ``failed``), or ``skipped``
    when it was not this call's to send: already sent or being sent, not yet due, or gone."""
    now = now or clock.now()
    claimed = _ready(now).filter(pk=notification_id).update(**_claim_fields(now))
    if claimed != 1:
        return "skipped"
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None:  # deleted between the claim and now
        return "skipped"
    return _send(notification, now=now)


def deliver_due(*, now: datetime | None = None, limit: int = 1000, batch_size: int = 20) -> int:
    """One delivery pass (the periodic task and ``deliver_notifications``); the number of
    messages it tried to send."""
    return delivery_pass(now=now, limit=limit, batch_size=batch_size).attempted


def delivery_pass(
    *,
    now: datetime | None = None,
    limit: int = 1000,
    batch_size: int = 20,
    max_seconds: float = 120.0,
) -> DeliveryResult:
    """Recover abandoned sends, then send ready rows, oldest first, in claimed batches.

    Stops after ``limit`` rows or ``max_seconds`` (well inside the task's time limit), or when
    nothing is left; the next pass goes on. Batches stay small so a claimed row waits for its
    turn only briefly, far less than the sending timeout."""
    started = time.monotonic()
    result = DeliveryResult()
    result.recovered = notifications_recover_abandoned(now=now or clock.now())
    while result.attempted < limit and time.monotonic() - started < max_seconds:
        at = now or clock.now()
        batch = _claim_batch(now=at, size=min(batch_size, limit - result.attempted))
        for notification in batch:
            # A fresh "now" per message unless pinned: the outcome's time, not the batch's.
            state = _send(notification, now=now or clock.now())
            result.sent += state == NotificationState.SENT
            result.retrying += state == NotificationState.RETRY_WAIT
            result.failed += state == NotificationState.FAILED
        if len(batch) < batch_size:
            break
    return result


def notifications_recover_abandoned(*, now: datetime) -> int:
    """Put rows left ``sending`` by a dead worker back in line (or fail them after the last
    attempt); the number recovered. Each counts as a possible duplicate."""
    cutoff = now - timedelta(seconds=settings.NOTIFICATION_SENDING_TIMEOUT_SECONDS)
    abandoned = Notification.objects.filter(state=NotificationState.SENDING, claimed_at__lt=cutoff)
    note = "the worker sending it stopped mid-way; it may have been delivered already"
    common = {"possible_duplicates": F("possible_duplicates") + 1, "last_error": note}
    # Each UPDATE re-checks its WHERE on the locked row: two passes cannot both recover one.
    failed = abandoned.filter(attempts__gte=settings.NOTIFICATION_MAX_ATTEMPTS).update(
        state=NotificationState.FAILED, next_attempt_at=None, **common
    )
    retrying = abandoned.update(state=NotificationState.RETRY_WAIT, next_attempt_at=now, **common)
    if failed or retrying:
        logger.warning("delivery: took back %s abandoned sends", failed + retrying)
    return failed + retrying


def notification_retry(*, notification_ids: list[int], now: datetime | None = None) -> int:
    """Send failed rows again (the admin's action): queued, due now, attempts kept. Delivery
    is queued when the caller's transaction commits; the number of rows put back."""
    from notifications.outbox import queue_delivery

    now = now or clock.now()
    rows = Notification.objects.filter(pk__in=notification_ids, state=NotificationState.FAILED)
    ids = list(rows.values_list("pk", flat=True))
    count = Notification.objects.filter(pk__in=ids, state=NotificationState.FAILED).update(
        state=NotificationState.QUEUED, next_attempt_at=now, claimed_at=None
    )
    for pk in ids:
        queue_delivery(notification_id=pk)
    return count


def retry_delay(*, attempts: int) -> timedelta:
    """Exponential back-off with "equal jitter": half the step fixed, half random, so retries
    of messages that failed together (a server outage) spread out instead of coming back as one
    wave. ``attempts`` counts the attempt that just failed."""
    base = settings.NOTIFICATION_RETRY_BASE_SECONDS
    step = min(settings.NOTIFICATION_RETRY_CAP_SECONDS, base * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=step / 2 + random.uniform(0, step / 2))


# --- The steps -----------------------------------------------------------------------------


def _ready(now: datetime):
    return Notification.objects.filter(state__in=PENDING_STATES, next_attempt_at__lte=now)


def _claim_fields(now: datetime) -> dict:
    return {"state": NotificationState.SENDING, "claimed_at": now, "attempts": F("attempts") + 1}


def _claim_batch(*, now: datetime, size: int) -> list[Notification]:
    if size <= 0:
        return []
    with transaction.atomic():
        batch = list(
            _ready(now).order_by("next_attempt_at", "pk").select_for_update(skip_locked=True)[:size]
        )
        Notification.objects.filter(pk__in=[n.pk for n in batch]).update(**_claim_fields(now))
    for notification in batch:
        notification.state, notification.claimed_at = NotificationState.SENDING, now
        notification.attempts += 1
    return batch


def _send(notification: Notification, *, now: datetime) -> str:
    """Send a claimed row and record the outcome; the row's new state."""
    try:
        provider_id = transport_for(notification.channel).send(notification)
    except TransportError as exc:
        return _record_failure(notification, exc.message, permanent=exc.permanent, now=now)
    except SoftTimeLimitExceeded:
        # The task is out of time: give the row back now rather than after the sending timeout.
        _record_failure(notification, "the delivery task ran out of time", now=now)
        raise
    except Exception as exc:  # a bug or an unforeseen library error: worth another try
        logger.exception("delivery: notification %s raised", notification.pk)
        reason = f"unexpected {exc.__class__.__name__}: {exc}"
        return _record_failure(notification, reason, permanent=False, now=now)
    changed = _mine(notification).update(
        state=NotificationState.SENT,
        sent_at=now,
        provider_id=str(provider_id)[:200],
        next_attempt_at=None,
        last_error="",
    )
    if not changed:
        logger.warning("delivery: notification %s was taken back while sent", notification.pk)
    try:
        delivery_stops_apply(notification_id=notification.pk)
    except Exception:  # the message is sent whatever happens to a clock; the pass retries none
        logger.exception("delivery: clocks waiting on notification %s", notification.pk)
    return NotificationState.SENT


def _record_failure(
    notification: Notification, reason: str, *, now: datetime, permanent: bool = False
) -> str:
    reason = reason[:ERROR_LENGTH]
    if permanent or notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        if not permanent:
            reason = f"gave up after {notification.attempts} attempts: {reason}"[:ERROR_LENGTH]
        _mine(notification).update(
            state=NotificationState.FAILED, next_attempt_at=None, last_error=reason
        )
        logger.warning("delivery: notification %s failed: %s", notification.pk, reason)
        return NotificationState.FAILED
    _mine(notification).update(
        state=NotificationState.RETRY_WAIT,
        next_attempt_at=now + retry_delay(attempts=notification.attempts),
        last_error=reason,
    )
    return NotificationState.RETRY_WAIT


def _mine(notification: Notification):
    """The row as long as it is still this attempt's: sending, or taken back as abandoned but
    not claimed again (then this late outcome is the true one, and no duplicate follows). A new
    claim raises ``attempts``, so a stale attempt never overwrites a newer one."""
    return Notification.objects.filter(
        state__in=[
            NotificationState.SENDING,
            NotificationState.RETRY_WAIT,
            NotificationState.FAILED,
        ],
        pk=notification.pk,
        attempts=notification.attempts,
    )
