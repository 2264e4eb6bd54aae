"""The Celery tasks are thin: each calls one function, takes primary keys, and copes with
rows that are gone."""

from datetime import UTC, datetime, timedelta

import pytest

from notifications import tasks
from notifications.models import Notification, NotificationState

pytestmark = pytest.mark.django_db


def test_the_tasks_have_the_names_the_schedule_uses():
    assert tasks.deliver_notification.name == "notifications.tasks.deliver_notification"
    assert tasks.deliver_due.name == "notifications.tasks.deliver_due"
    assert tasks.sweep_deadlines.name == "notifications.tasks.sweep_deadlines"
    assert tasks.heartbeat.name == "notifications.tasks.heartbeat"


def test_delivering_a_notification_that_is_gone_ends_quietly():
    assert tasks.deliver_notification.apply(args=[424242]).get() == "skipped"


def test_the_delivery_task_sends_the_row_it_is_given(mailoutbox):
    past = datetime.now(UTC) - timedelta(minutes=1)
    notification = Notification.objects.create(
        idempotency_key="task:1",
        step="message",
        channel="email",
        recipient="customer@example.com",
        subject="Your request",
        body="We received it.",
        send_after=past,
        next_attempt_at=past,
    )

    assert tasks.deliver_notification.apply(args=[notification.pk]).get() == "sent"
    assert tasks.deliver_notification.apply(args=[notification.pk]).get() == "skipped"

    assert len(mailoutbox) == 1
    notification.refresh_from_db()
    assert notification.state == NotificationState.SENT


def test_the_delivery_pass_task_reports_how_many_it_tried(mailoutbox):
    assert tasks.deliver_due.apply().get() == 0


def test_the_sweep_task_runs_the_sweep():
    assert tasks.sweep_deadlines.apply().get() == 0
