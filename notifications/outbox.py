"""Writing to the outbox: the one way anything in the portal sends a message."""

import logging
import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from redis.exceptions import RedisError

from commitments.bulk import row_insert, values_insert
from notifications import clock
from notifications.models import Notification, NotificationState

logger = logging.getLogger(__name__)


def notification_row(*, recipient_user=None, deadline=None, **fields: Any) -> Notification:
    """One outbox row, not yet saved: :func:`notification_enqueue` writes one. The keyword
    arguments are those of :func:`notification_values`.

    A row with an ``error`` (its message could not be rendered) is written failed all the
    same, so admins see that a message was owed and why it was not sent."""
    values = notification_values(recipient_user=recipient_user, deadline=deadline, **fields)
    del values["recipient_user_id"], values["deadline_id"]
    return Notification(recipient_user=recipient_user, deadline=deadline, **values)


def notification_values(
    *,
    idempotency_key: str,
    step: str,
    channel: str,
    recipient: str,
    body: str,
    subject: str = "",
    language: str = "ko",
    recipient_user=None,
    deadline=None,
    subject_type: str = "",
    subject_id: str | int = "",
    send_after: datetime | None = None,
    error: str = "",
    in_reply_to: str = "",
    attachments: list[dict] | None = None,
) -> dict:
    """One outbox row as column values (``{attname: value}``), for :func:`notification_row`
    and for :func:`notifications_write`, which writes many without a model instance each."""
    send_after = send_after or timezone.now()
    if deadline is not None and not subject_type:
        subject_type, subject_id = deadline.subject_type, deadline.subject_id
    return {
        "idempotency_key": idempotency_key,
        "step": step,
        "channel": channel,
        "recipient": recipient,
        "recipient_user_id": None if recipient_user is None else recipient_user.pk,
        "language": language,
        "subject": subject[:300],
        "body": body,
        "attachments": attachments or [],
        "deadline_id": None if deadline is None else deadline.pk,
        "subject_type": subject_type,
        "subject_id": str(subject_id),
        "in_reply_to": in_reply_to[:998],
        "state": NotificationState.FAILED if error else NotificationState.QUEUED,
        "send_after": send_after,
        "next_attempt_at": None if error else send_after,
        "last_error": error,
    }


def notification_enqueue(**fields: Any) -> Notification:
    """Write one message to the outbox, inside the caller's transaction; ``fields`` are the
    keyword arguments of :func:`notification_row`.

    Writing the same ``idempotency_key`` again returns the row already written and sends
    nothing more, so a retried sweep or a resubmitted form never sends a message twice.

    A message due now is handed to a worker as soon as the caller's transaction commits (never
    before: the worker could not see the row, or would send a message that was rolled back).
    A later ``send_after`` waits for the periodic delivery pass: no long-delayed Celery task,
    which Redis would redeliver after its visibility timeout."""
    return notification_put(notification_row(**fields))


def notification_put(row: Notification) -> Notification:
    """Write one unsaved row of :func:`notification_row` unless its idempotency key is
    already written; return the row in the outbox (see :func:`notification_enqueue`).

    One ``INSERT … ON CONFLICT DO NOTHING``: the row already written is read only when there
    is one."""
    if row_insert(row, unless_taken="idempotency_key"):
        _queue_due([(row.pk, row.state, row.send_after)])
        return row
    return Notification.objects.get(idempotency_key=row.idempotency_key)


def notifications_write(rows: list[dict], *, keep_written: bool = False) -> int:
    """Write many rows of :func:`notification_values` with one INSERT, inside the caller's
    transaction, and queue those due now as :func:`notification_enqueue` does; the number
    written.

    A repeated idempotency key raises ``IntegrityError``: the sweep holds the locks that make a
    repeat a bug, and then writes its clocks again one at a time with ``keep_written``, which
    leaves out the rows already in the outbox (as :func:`notification_enqueue` returns them)."""
    keys = values_insert(
        Notification, rows, unless_taken="idempotency_key" if keep_written else None
    )
    _queue_due(
        (key, row["state"], row["send_after"])
        for key, row in zip(keys, rows, strict=True)
        if key is not None
    )
    return sum(key is not None for key in keys)


def _queue_due(rows: Iterable[tuple[int, str, datetime]]) -> None:
    """Queue delivery of the rows written (key, state, ``send_after``) that are due now."""
    # Python's clock (or the pinned one) is enough here: a task that comes a moment early finds
    # the row not yet due and leaves it to the periodic pass.
    now = clock.pinned_now() or timezone.now()
    for pk, state, send_after in rows:
        if state == NotificationState.QUEUED and send_after <= now:
            queue_delivery(notification_id=pk)


#: More messages than this due in one transaction get a delivery pass each PASS_SIZE (up to
#: MAX_PASSES), so a sweep that writes 10,000 messages publishes a handful of tasks rather than
#: 10,000 round-trips to the broker; fewer get one pass, unless one is already asked for.
SINGLE_TASKS_UP_TO = 50
PASS_SIZE = 100
MAX_PASSES = 10

#: In the shared cache while a delivery pass asked for by :func:`delivery_nudge` has not
#: started; the pass removes it as it starts (:func:`delivery_nudge_taken`).
NUDGE_KEY = "delivery:nudged"


def delivery_nudge() -> None:
    """Ask a worker for a delivery pass now, unless one already asked for has not started.

    A pass claims every row due when it starts, so the rows committed before this call are
    the not-yet-started pass's to send: many customers writing at once publish one task, not
    one each (publishing is a tenth of a public complaint's CPU). The key only saves work: if
    it is lost, or outlives a pass that never ran (``CHARTER_DELIVERY_INTERVAL``), the periodic
    pass sends the rows — they are in PostgreSQL whatever Redis holds. The embedded broker's
    worker has no cache in common with the web process: there, every nudge is published."""
    from notifications.tasks import deliver_due

    if not settings.CELERY_BROKER_EMBEDDED:
        try:
            if not cache.add(NUDGE_KEY, 1, timeout=settings.CHARTER_DELIVERY_INTERVAL):
                return
        except RedisError:
            pass  # publish all the same: the broker may be up where the cache is not
    deliver_due.delay()


def delivery_nudge_taken() -> None:
    """A delivery pass is starting: the rows committed from now on need a pass of their own."""
    if settings.CELERY_BROKER_EMBEDDED:
        return
    try:
        cache.delete(NUDGE_KEY)
    except RedisError:  # the key expires by itself; the pass must run all the same
        logger.warning("delivery: could not clear the nudge key", exc_info=True)


@dataclass
class _Pending:
    """The due messages written in the current transaction, handed over when it commits."""

    ids: list[int] = field(default_factory=list)
    done: bool = False

    def publish(self) -> None:
        from notifications.tasks import deliver_due

        self.done = True
        if len(self.ids) <= SINGLE_TASKS_UP_TO:
            delivery_nudge()
            return
        # Passes claim with SKIP LOCKED, so several workers share the backlog safely.
        for _pass in range(min(math.ceil(len(self.ids) / PASS_SIZE), MAX_PASSES)):
            deliver_due.delay()


_local = threading.local()


def queue_delivery(*, notification_id: int) -> None:
    """Queue delivery of a row once the current transaction commits (:func:`delivery_nudge`).

    One ``on_commit`` callback per transaction collects the rows. If the transaction (or the
    savepoint that registered the callback) rolls back, Django drops the callback, and the next
    row starts a new collection."""
    pending = getattr(_local, "pending", None)
    if pending is not None and not pending.done and _registered(pending):
        pending.ids.append(notification_id)
        return
    pending = _local.pending = _Pending(ids=[notification_id])
    # Outside a transaction this runs at once. robust: a broker that is down must not fail
    # the caller after its data committed; the rows stay queued and the periodic pass sends them.
    transaction.on_commit(pending.publish, robust=True)


def _registered(pending: _Pending) -> bool:
    connection = transaction.get_connection()
    return any(callback == pending.publish for _sids, callback, _robust in connection.run_on_commit)
