"""Clocks kept only when the gateway accepts a message.

An act on an outbox channel whose commitment asks for delivery (``stop_on_delivery``) does not
stop its clock when the message is queued: :func:`clock_stop_on_delivery` ties the clock to the
act's messages, and delivery calls :func:`delivery_stops_apply` after it marked a message sent.
When every message of the act is sent the clock stops at the last acceptance; until then it
runs (and is breached at due, like any clock nobody kept).
"""

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Max

from commitments.deadlines import ClockError, deadline_stop
from commitments.models import Deadline, DeadlineState
from notifications.models import DeliveryStop, Notification, NotificationState

logger = logging.getLogger(__name__)


def clock_stop_on_delivery(
    *,
    deadline: Deadline,
    notifications: list[Notification],
    act: str,
    cause: str,
    cause_data: dict | None = None,
) -> None:
    """Stop ``deadline`` once every message of ``act`` is accepted by the gateway (inside the
    caller's transaction, beside the messages)."""
    DeliveryStop.objects.bulk_create(
        [
            DeliveryStop(
                deadline=deadline,
                notification=notification,
                act=act[:200],
                cause=cause[:200],
                cause_data=cause_data or {},
            )
            for notification in notifications
        ],
        ignore_conflicts=True,
    )


def delivery_stops_apply(*, notification_id: int) -> list[str]:
    """The message was sent: stop the clocks whose act is now wholly delivered; their codes.

    Each clock is locked before its act's messages are counted, so of two messages of one act
    sent at once by two workers, the later count sees both sent (each marked its message sent
    before taking the lock)."""
    stopped = []
    for stop in DeliveryStop.objects.filter(notification_id=notification_id).select_related(
        "deadline"
    ):
        with transaction.atomic():
            clock = Deadline.objects.select_for_update().get(pk=stop.deadline_id)
            if clock.stopped_at is not None or clock.state == DeadlineState.CANCELLED:
                continue
            messages = Notification.objects.filter(
                clock_stops__deadline_id=clock.pk, clock_stops__act=stop.act
            )
            if messages.exclude(state=NotificationState.SENT).exists():
                continue
            at: datetime = messages.aggregate(last=Max("sent_at"))["last"]
            try:
                deadline_stop(
                    clock,
                    at=max(at, clock.started_at),
                    cause=stop.cause,
                    cause_data={**stop.cause_data, "delivered": True},
                )
            except ClockError as error:  # stopped meanwhile by another act: nothing owed
                logger.info("delivery: clock %s not stopped: %s", clock.pk, error)
                continue
            stopped.append(clock.commitment_code)
    return stopped
