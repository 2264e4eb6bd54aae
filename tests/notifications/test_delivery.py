"""Delivery from the outbox: claim, send, record — and never send one message twice.

The e-mail tests run through Django's e-mail backend (pytest-django's in-memory outbox); the
state-machine tests replace the channel's transport, the network edge, with a scripted one."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import close_old_connections, connection, transaction

from notifications import delivery, tasks
from notifications.channels import Transport, TransportError
from notifications.delivery import (
    deliver_due,
    deliver_notification,
    delivery_pass,
    notifications_recover_abandoned,
    retry_delay,
)
from notifications.models import Notification, NotificationState
from notifications.outbox import notification_enqueue

NOW = datetime(2026, 10, 13, 1, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)

pytestmark = pytest.mark.django_db


def enqueue(n: int = 1, *, channel: str = "email", send_after=NOW, **fields) -> Notification:
    recipient = fields.pop("recipient", f"person{n}@example.com")
    return notification_enqueue(
        idempotency_key=f"test:{n}:{channel}",
        step="reminder",
        channel=channel,
        recipient=recipient,
        subject=fields.pop("subject", f"Reminder {n}"),
        body=fields.pop("body", "A clock is half-way to its due instant."),
        send_after=send_after,
        **fields,
    )


def fetch(notification: Notification) -> Notification:
    return Notification.objects.get(pk=notification.pk)


class ScriptedTransport(Transport):
    """Answers each send with the next item of ``script``: an id, or an exception to raise."""

    def __init__(self, *script) -> None:
        self.script = list(script)
        self.sent: list[int] = []
        self.on_send = None

    def send(self, notification: Notification) -> str:
        if self.on_send:
            self.on_send(notification)
        outcome = self.script.pop(0) if self.script else "provider-ok"
        if isinstance(outcome, Exception):
            raise outcome
        self.sent.append(notification.pk)
        return outcome


@pytest.fixture
def transport(monkeypatch) -> ScriptedTransport:
    scripted = ScriptedTransport()
    monkeypatch.setattr(delivery, "transport_for", lambda channel: scripted)
    return scripted


# --- The sent path ---------------------------------------------------------------------------


def test_it_emails_a_due_message_and_records_its_message_id(mailoutbox):
    notification = enqueue(subject="Reminder: request 42", recipient="owner@example.com")

    assert deliver_notification(notification_id=notification.pk, now=NOW) == "sent"

    [mail] = mailoutbox
    assert mail.to == ["owner@example.com"]
    assert mail.subject == "Reminder: request 42"
    sent = fetch(notification)
    assert sent.state == NotificationState.SENT
    assert sent.sent_at == NOW
    assert sent.attempts == 1
    assert sent.next_attempt_at is None
    assert sent.provider_id == mail.extra_headers["Message-ID"]
    assert sent.provider_id == f"<notification.{notification.pk}@example.com>"


def test_a_duplicate_task_run_sends_once(mailoutbox):
    notification = enqueue()

    first = deliver_notification(notification_id=notification.pk, now=NOW)
    second = deliver_notification(notification_id=notification.pk, now=NOW + SECOND)

    assert (first, second) == ("sent", "skipped")
    assert len(mailoutbox) == 1
    assert fetch(notification).attempts == 1


def test_a_message_for_later_is_not_sent_before_its_time(mailoutbox):
    notification = enqueue(send_after=NOW + 8 * 60 * MINUTE)

    assert deliver_notification(notification_id=notification.pk, now=NOW) == "skipped"
    assert deliver_due(now=NOW) == 0

    assert mailoutbox == []
    assert fetch(notification).state == NotificationState.QUEUED
    assert deliver_due(now=NOW + 8 * 60 * MINUTE) == 1
    assert len(mailoutbox) == 1


def test_a_row_that_is_gone_is_skipped_quietly():
    assert deliver_notification(notification_id=987654, now=NOW) == "skipped"


def test_a_pass_sends_oldest_first_and_stops_at_its_limit(transport):
    rows = [enqueue(n, send_after=NOW - n * MINUTE) for n in range(1, 6)]

    assert deliver_due(now=NOW, limit=3, batch_size=2) == 3

    oldest_three = [row.pk for row in reversed(rows)][:3]
    assert transport.sent == oldest_three
    assert deliver_due(now=NOW) == 2


# --- Failures --------------------------------------------------------------------------------


def test_a_temporary_error_waits_with_back_off_and_then_sends(transport, settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 30
    transport.script = [TransportError("SMTP 451: try again later"), "id-2"]
    notification = enqueue()

    assert deliver_notification(notification_id=notification.pk, now=NOW) == "retry-wait"

    waiting = fetch(notification)
    assert waiting.last_error == "SMTP 451: try again later"
    assert waiting.attempts == 1
    assert NOW + 15 * SECOND <= waiting.next_attempt_at <= NOW + 30 * SECOND
    assert deliver_due(now=NOW + 14 * SECOND) == 0

    assert deliver_due(now=NOW + 30 * SECOND) == 1
    sent = fetch(notification)
    assert (sent.state, sent.attempts, sent.provider_id) == ("sent", 2, "id-2")
    assert sent.last_error == ""


def test_a_permanent_error_fails_at_once_with_the_reason(transport):
    transport.script = [TransportError("invalid e-mail address 'nobody'", permanent=True)]
    notification = enqueue()

    assert deliver_notification(notification_id=notification.pk, now=NOW) == "failed"

    failed = fetch(notification)
    assert failed.state == NotificationState.FAILED
    assert failed.last_error == "invalid e-mail address 'nobody'"
    assert failed.next_attempt_at is None
    assert deliver_due(now=NOW + 24 * 60 * MINUTE) == 0


def test_the_last_attempt_fails_the_message(transport, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    transport.script = [TransportError("SMTP unreachable")] * 3
    notification = enqueue()
    at = NOW

    states = []
    for _attempt in range(3):
        deliver_due(now=at)
        states.append(fetch(notification).state)
        at += 2 * 60 * MINUTE

    assert states == ["retry-wait", "retry-wait", "failed"]
    failed = fetch(notification)
    assert failed.attempts == 3
    assert failed.last_error == "gave up after 3 attempts: SMTP unreachable"


def test_an_unexpected_exception_is_retried_like_a_temporary_error(transport):
    transport.script = [KeyError("template variable")]
    notification = enqueue()

    assert deliver_notification(notification_id=notification.pk, now=NOW) == "retry-wait"
    assert fetch(notification).last_error == "unexpected KeyError: 'template variable'"


def test_back_off_doubles_from_the_base_up_to_the_cap_with_jitter(settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 30
    settings.NOTIFICATION_RETRY_CAP_SECONDS = 3600

    for attempts, step in [(1, 30), (2, 60), (4, 240), (8, 3600), (20, 3600)]:
        delays = {retry_delay(attempts=attempts).total_seconds() for _ in range(20)}
        assert all(step / 2 <= delay <= step for delay in delays), (attempts, delays)
        assert len(delays) > 1, "no jitter"


# --- A worker that died mid-send -------------------------------------------------------------


def abandon(notification: Notification, *, claimed_at: datetime, attempts: int = 1) -> None:
    Notification.objects.filter(pk=notification.pk).update(
        state=NotificationState.SENDING, claimed_at=claimed_at, attempts=attempts
    )


def test_a_row_left_sending_by_a_dead_worker_is_sent_again_and_counted(transport, settings):
    settings.NOTIFICATION_SENDING_TIMEOUT_SECONDS = 600
    stale, fresh = enqueue(1), enqueue(2)
    abandon(stale, claimed_at=NOW - 11 * MINUTE)
    abandon(fresh, claimed_at=NOW - 1 * MINUTE)

    result = delivery_pass(now=NOW)

    assert (result.recovered, result.sent) == (1, 1)
    assert transport.sent == [stale.pk]
    resent = fetch(stale)
    assert (resent.state, resent.attempts, resent.possible_duplicates) == ("sent", 2, 1)
    assert fetch(fresh).state == NotificationState.SENDING


def test_a_row_abandoned_on_its_last_attempt_fails(settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    notification = enqueue()
    abandon(notification, claimed_at=NOW - 60 * MINUTE, attempts=2)

    assert notifications_recover_abandoned(now=NOW) == 1

    failed = fetch(notification)
    assert failed.state == NotificationState.FAILED
    assert failed.possible_duplicates == 1
    assert "may have been delivered" in failed.last_error


def test_a_slow_send_that_finishes_after_being_taken_back_is_not_sent_again(transport, settings):
    """The worker was not dead, only slow: its success, coming after the row was taken back
    but before another worker claimed it, stands, and the retry is cancelled."""
    settings.NOTIFICATION_SENDING_TIMEOUT_SECONDS = 600
    notification = enqueue()
    transport.on_send = lambda _n: notifications_recover_abandoned(now=NOW + 11 * MINUTE)

    assert deliver_notification(notification_id=notification.pk, now=NOW) == "sent"

    transport.on_send = None
    assert deliver_due(now=NOW + 12 * MINUTE) == 0
    assert transport.sent == [notification.pk]
    assert fetch(notification).state == NotificationState.SENT


# --- Concurrency -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_passes_at_once_send_every_message_exactly_once(transport):
    # Written directly: in autocommit, enqueue() would hand each row to the real broker at once.
    rows = Notification.objects.bulk_create(
        Notification(
            idempotency_key=f"race:{n}",
            step="message",
            channel="email",
            recipient=f"customer{n}@example.com",
            body="Your request is being handled.",
            send_after=NOW - MINUTE,
            next_attempt_at=NOW - MINUTE,
        )
        for n in range(40)
    )
    gate = threading.Barrier(2)
    lock = threading.Lock()
    counted = []

    def one_pass():
        try:
            gate.wait()
            attempted = deliver_due(now=NOW, batch_size=3)
            with lock:
                counted.append(attempted)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=one_pass) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(transport.sent) == sorted(row.pk for row in rows)
    assert sum(counted) == 40
    assert not Notification.objects.exclude(state=NotificationState.SENT).exists()


# --- Queued after commit ---------------------------------------------------------------------


def test_a_due_message_is_queued_for_delivery_when_the_transaction_commits(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks:
        enqueue(1, send_after=NOW)
        enqueue(2, send_after=datetime.now(UTC) + 60 * MINUTE)  # waits for the periodic pass
        enqueue(1, send_after=NOW)  # the same key again: nothing new to send

    assert len(callbacks) == 1


def test_the_queued_task_sends_the_message_by_its_primary_key(
    django_capture_on_commit_callbacks, eager_celery, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        notification = enqueue(send_after=datetime.now(UTC) - MINUTE)
        assert mailoutbox == []  # nothing before the commit

    assert [mail.to for mail in mailoutbox] == [[notification.recipient]]
    assert fetch(notification).state == NotificationState.SENT


def test_a_rolled_back_savepoint_does_not_lose_the_messages_written_after_it(
    django_capture_on_commit_callbacks, eager_celery, mailoutbox
):
    due = datetime.now(UTC) - MINUTE
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                enqueue(1, send_after=due)
                raise RuntimeError("one clock's fault")
        except RuntimeError:
            pass
        enqueue(2, send_after=due)
        enqueue(3, send_after=due)

    assert sorted(mail.to[0] for mail in mailoutbox) == [
        "person2@example.com",
        "person3@example.com",
    ]


def test_transactions_committing_while_a_pass_waits_to_start_publish_no_other(
    django_capture_on_commit_callbacks, eager_celery, mailoutbox, monkeypatch
):
    published = []
    monkeypatch.setattr(tasks.deliver_due, "delay", lambda: published.append("pass"))
    due = datetime.now(UTC) - MINUTE

    for n in range(3):  # three customers' acknowledgements, one transaction each
        with django_capture_on_commit_callbacks(execute=True):
            enqueue(n, send_after=due)

    assert published == ["pass"]
    # The pass asked for starts: it sends every row committed before it, and what commits
    # after it asks for a pass of its own.
    assert tasks.deliver_due.apply().get() == 3
    assert len(mailoutbox) == 3
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(3, send_after=due)
    assert published == ["pass", "pass"]


def test_with_the_embedded_broker_every_transaction_asks_for_a_pass(
    django_capture_on_commit_callbacks, monkeypatch, settings
):
    # Its worker shares no cache with the web process: it could not say a pass has started.
    settings.CELERY_BROKER_EMBEDDED = True
    published = []
    monkeypatch.setattr(tasks.deliver_due, "delay", lambda: published.append("pass"))

    for n in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            enqueue(n, send_after=datetime.now(UTC) - MINUTE)

    assert published == ["pass", "pass"]


def test_many_messages_in_one_transaction_are_handed_over_as_a_few_passes(
    django_capture_on_commit_callbacks, eager_celery, mailoutbox, monkeypatch
):
    published = []
    monkeypatch.setattr(tasks.deliver_due, "delay", lambda: published.append("pass"))
    monkeypatch.setattr(tasks.deliver_notification, "delay", lambda pk: published.append(pk))

    with django_capture_on_commit_callbacks(execute=True):
        for n in range(250):
            enqueue(n, send_after=datetime.now(UTC) - MINUTE)

    assert published == ["pass", "pass", "pass"]


# --- The command -----------------------------------------------------------------------------


def test_the_command_runs_one_pass_and_prints_what_it_did(transport, capsys):
    transport.script = ["ok", TransportError("refused", permanent=True)]
    enqueue(1, send_after=datetime.now(UTC) - 2 * MINUTE)
    enqueue(2, send_after=datetime.now(UTC) - MINUTE)

    call_command("deliver_notifications")

    assert capsys.readouterr().out.strip() == (
        "sent: 1, retrying: 0, failed: 1, taken back from dead workers: 0"
    )
