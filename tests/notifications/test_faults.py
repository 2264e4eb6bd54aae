"""The deadline engine under faults, end to end: real PostgreSQL, a real Redis broker and
Redis-kept schedule, a real Celery worker and beat in subprocesses, and a real SMTP server.

"Now" is pinned through a file every process reads (``pinned_now``), so a test moves time for
the worker as well as for itself. Clocks are started straight through the clock services;
their subject is bare (``subject_type="test"``). Calendars are Mon–Fri 09:00–18:00 Asia/Seoul;
Chuseok 2026 is Thu–Sat Sep 24–26 (holidays==0.109).
"""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from django.db import connection, transaction

from commitments import decisions
from commitments.deadlines import deadline_start, deadline_stop
from commitments.models import Calendar, Commitment, Deadline, DeadlineEvent, StaffProfile
from notifications.channels.email import message_id
from notifications.models import Notification, NotificationState
from notifications.outbox import notification_enqueue
from notifications.sweep import sweep
from tests.factories import CommitmentFactory, DivisionFactory, TeamFactory, UserFactory
from tests.notifications.conftest import wait_until
from tests.seoul import SEOUL, kst

MINUTE = timedelta(minutes=1)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("committed_charter")]


# A Tuesday in an ordinary week, well inside business hours.
T0 = kst(2026, 10, 13, 10, 0)


class Directory:
    """A division with its head, a team with its manager, and the clock's owner, all taking
    their notifications by e-mail."""

    def __init__(self) -> None:
        calendar = Calendar.objects.get(code="kr-public")
        self.head = UserFactory(username="head", email="head@example.com")
        self.manager = UserFactory(username="manager", email="manager@example.com")
        self.owner = UserFactory(username="owner", email="owner@example.com")
        for user in (self.head, self.manager, self.owner):
            StaffProfile.objects.update_or_create(
                user=user, defaults={"notify_by_email": True, "notify_by_sms": False}
            )
        self.division = DivisionFactory(code="faults", calendar=calendar, head=self.head)
        self.team = TeamFactory(code="faults-team", division=self.division, manager=self.manager)

    def commitment(self, code: str, **fields) -> Commitment:
        return CommitmentFactory(code=f"test.{code}", division=self.division, **fields)

    def start(self, commitment: Commitment, started_at: datetime, n: int = 1) -> Deadline:
        """A clock recorded at the instant it starts (so none of its reminders is skipped)."""
        return deadline_start(
            commitment=commitment,
            subject_type="test",
            subject_id=str(n),
            subject_label=f"Test case {n}",
            started_at=started_at,
            owner=self.owner,
            team=self.team,
            division=self.division,
            now=started_at,
        )


@pytest.fixture
def directory(committed_charter) -> Directory:
    return Directory()


@pytest.fixture
def hourly(directory) -> Commitment:
    """60 minutes around the clock: reminders at 30 and 48 min, breach and level 1 at 60 min,
    level 2 a quarter of the target later (75 min)."""
    return directory.commitment("hourly", target_kind="elapsed", target_minutes=60)


def events(clock: Deadline) -> dict[str, list[DeadlineEvent]]:
    by_step: dict[str, list[DeadlineEvent]] = {}
    for event in DeadlineEvent.objects.filter(deadline=clock, step_key__isnull=False):
        by_step.setdefault(event.step_key, []).append(event)
    return by_step


def received(smtp_server) -> Counter:
    """How many times the SMTP server received each outbox row (its stable Message-ID)."""
    return Counter(mail.message_id for mail in smtp_server.messages)


def written(**filters) -> Counter:
    """The e-mail outbox rows, once each, by the Message-ID delivery gives them."""
    rows = Notification.objects.filter(channel="email", **filters)
    return Counter(message_id(row) for row in rows)


def all_sent(**filters) -> bool:
    rows = Notification.objects.filter(channel="email", **filters)
    return rows.exists() and not rows.exclude(state=NotificationState.SENT).exists()


def settle(topology, *, sweeps: int = 3) -> None:
    """Let the beat drive a few more sweeps and deliveries (1 s apart), for anything extra
    that would be sent to show up."""
    for _ in range(sweeps):
        topology.wait_for_sweep(timeout=30)


def test_it_emails_one_reminder_when_a_clock_reaches_its_first_reminder(
    celery_worker_process, smtp_server, pinned_now, directory, hourly
):
    pinned_now.set(T0)
    celery_worker_process.start()
    clock = directory.start(hourly, T0)

    pinned_now.set(T0 + 31 * MINUTE)  # reminder-50 was due at T0 + 30 min
    [mail] = smtp_server.wait_for(1, timeout=30)
    settle(celery_worker_process)

    assert smtp_server.messages == [mail]
    assert mail.recipients == ("owner@example.com",)
    assert list(events(clock)) == ["reminder-50"]
    assert events(clock)["reminder-50"][0].at == T0 + 30 * MINUTE
    [notification] = Notification.objects.filter(deadline=clock)
    assert notification.state == NotificationState.SENT
    assert notification.step == "reminder"
    assert mail.message_id == message_id(notification)


def test_two_sweepers_and_two_beats_still_take_each_step_once(
    celery_worker_process, smtp_server, pinned_now, directory, hourly
):
    """Two workers with two beats (only one holds the schedule's lock), and two more sweepers
    racing in this process in small batches, over 20 clocks and every step they own."""
    pinned_now.set(T0)
    celery_worker_process.start(workers=2, beats=2)
    clocks = [directory.start(hourly, T0, n) for n in range(20)]
    stop_racing = threading.Event()

    def race() -> int:
        swept = 0
        try:
            while not stop_racing.is_set():
                sweep(batch_size=3)
                swept += 1
        finally:
            connection.close()
        return swept

    with ThreadPoolExecutor(max_workers=2) as racers:
        runs = [racers.submit(race) for _ in range(2)]
        try:
            for minutes in (31, 49, 61, 76):  # reminders 50 and 80, breach + level 1, level 2
                pinned_now.set(T0 + minutes * MINUTE)
                wait_until(
                    lambda m=minutes: (
                        all_sent()
                        and DeadlineEvent.objects.filter(
                            deadline__in=clocks, at__lte=T0 + m * MINUTE, step_key__isnull=False
                        ).count()
                        == len(clocks) * sum(s <= m for s in (30, 48, 60, 60, 75))
                    ),
                    timeout=60,
                    what=f"every step due by T0 + {minutes} min, and its e-mails",
                )
        finally:
            stop_racing.set()
            sweeps_in_this_process = sum(run.result() for run in runs)
    settle(celery_worker_process)

    steps = ["reminder-50", "reminder-80", "breach", "escalation-1", "escalation-2"]
    for clock in clocks:
        assert {step: len(found) for step, found in events(clock).items()} == dict.fromkeys(
            steps, 1
        )
    assert all_sent()
    assert received(smtp_server) == written()  # every row delivered, and exactly once
    assert sweeps_in_this_process > 2
    # The schedule's lock held: one beat sent the periodic tasks, the other stood by.
    senders = [b for b in celery_worker_process.beats if "Sending due task" in b.log_text()]
    assert len(senders) == 1
    print(f"\n{len(smtp_server.messages)} e-mails, {sweeps_in_this_process} racing sweeps")


def test_a_sweep_with_a_backlog_asks_the_worker_for_a_helper_and_each_step_is_taken_once(
    celery_worker_process, smtp_server, pinned_now, directory, hourly
):
    """Batches of 3 in the worker: the tick's first batch comes back full and it publishes a
    ``sweep_backlog`` task, which the worker runs (on 20 clocks the tick is usually done
    before the helper starts; either way every step is taken once)."""
    pinned_now.set(T0)
    celery_worker_process.env["CHARTER_SWEEP_BATCH_SIZE"] = "3"
    celery_worker_process.start()
    clocks = [directory.start(hourly, T0, n) for n in range(20)]

    pinned_now.set(T0 + 31 * MINUTE)  # every clock's reminder-50 is due
    celery_worker_process.worker.wait_for_log(
        r"Task notifications\.tasks\.sweep_backlog\[[^\]]+\] succeeded", timeout=30
    )
    wait_until(lambda: len(smtp_server.messages) >= len(clocks), timeout=60, what="20 reminders")
    settle(celery_worker_process)

    for clock in clocks:
        assert {step: len(found) for step, found in events(clock).items()} == {"reminder-50": 1}
    assert all_sent()
    assert received(smtp_server) == written()  # every row delivered, and exactly once


def test_a_worker_killed_mid_delivery_loses_nothing(celery_worker_process, smtp_server, pinned_now):
    """kill -9 of the worker (and its pool) while 200 e-mails go out one at a time; after a
    restart all 200 arrive. A message the SMTP server accepted but whose row was not yet
    marked sent can go out again: at most the rows that were ``sending`` at the kill."""
    pinned_now.set(datetime.now(SEOUL))
    smtp_server.delay = 0.05
    celery_worker_process.start()
    with transaction.atomic():
        for n in range(200):
            notification_enqueue(
                idempotency_key=f"faults-kill-{n}",
                step="message",
                channel="email",
                recipient=f"customer{n}@example.com",
                subject=f"Message {n}",
                body="Your request is being handled.",
                send_after=pinned_now.get() - MINUTE,
            )

    smtp_server.wait_for(40, timeout=60)
    celery_worker_process.kill9()
    arrived_before_kill = len(smtp_server.messages)
    sending_at_kill = Notification.objects.filter(state=NotificationState.SENDING).count()
    assert arrived_before_kill < 200, "delivery finished before the kill; slow the server"

    celery_worker_process.restart()

    # A row left "sending" by the dead worker is taken back once its claim has gone stale;
    # let pinned time run ahead so that moment comes within the test.
    def everything_arrived():
        pinned_now.set(pinned_now.get() + MINUTE)
        return len(received(smtp_server)) == 200 and all_sent()

    wait_until(everything_arrived, timeout=120, what="all 200 e-mails", interval=1)
    duplicates = sum(count - 1 for count in received(smtp_server).values())
    recovered = Notification.objects.filter(possible_duplicates__gt=0).count()
    print(
        f"\nkill -9 after {arrived_before_kill} of 200 arrived; {sending_at_kill} rows were "
        f"sending at the kill and {recovered} were taken back as abandoned; "
        f"{duplicates} duplicate e-mails"
    )
    assert received(smtp_server).keys() == written().keys()
    assert duplicates <= recovered <= sending_at_kill
    assert Notification.objects.filter(state=NotificationState.SENT).count() == 200


def test_a_flushed_redis_gets_its_schedule_back_and_loses_no_reminder(
    celery_worker_process, smtp_server, pinned_now, directory, hourly
):
    """FLUSHDB of the workers' Redis database while they run: the queues, the beat's schedule
    and its lock go. (FLUSHALL would be the same fault to these processes, and would also wipe
    the databases other test runs on this Redis use.)"""
    topology = celery_worker_process
    pinned_now.set(T0)
    topology.start()
    first = directory.start(hourly, T0, 1)
    second = directory.start(hourly, T0 + 5 * MINUTE, 2)
    pinned_now.set(T0 + 31 * MINUTE)  # first's reminder-50 is due; second's at T0 + 35 min
    smtp_server.wait_for(1, timeout=30)

    flushed_at = datetime.now().timestamp()
    topology.flush_redis()
    pinned_now.set(T0 + 36 * MINUTE)  # second's reminder falls due after the flush
    mark = len(topology.beat.log_text())
    topology.beat.wait_for_log(r"schedule is missing", timeout=60, after=mark)
    topology.beat.wait_for_log(r"Sending due task sweep-deadlines", timeout=60, after=mark)
    restored_in = datetime.now().timestamp() - flushed_at
    keys = [key.decode() for key in topology.redis.keys("charter-faults:redbeat:*")]
    mails = smtp_server.wait_for(2, timeout=60 - restored_in)
    settle(topology)

    assert any(key.endswith("sweep-deadlines") for key in keys), keys
    assert all(process.running for process in topology.processes), topology.logs()
    assert [m.recipients for m in smtp_server.messages] == [("owner@example.com",)] * 2
    assert events(first).keys() == events(second).keys() == {"reminder-50"}
    assert all_sent()
    print(f"\nschedule restored and swept {restored_in:.1f} s after the flush; {len(mails)} mails")


def test_an_smtp_server_refusing_for_a_while_gets_the_reminder_once_it_accepts(
    celery_worker_process, smtp_server, pinned_now, directory
):
    daily = directory.commitment("daily", target_kind="elapsed", target_minutes=24 * 60)
    pinned_now.set(T0)
    celery_worker_process.start()
    clock = directory.start(daily, T0)
    smtp_server.refuse_for(600)

    now = T0 + 12 * 60 * MINUTE + MINUTE  # reminder-50 was due at T0 + 12 h
    pinned_now.set(now)
    wait_until(
        lambda: (
            smtp_server.refused
            and Notification.objects.filter(deadline=clock, state="retry-wait").exists()
        ),
        timeout=30,
        what="the first refused attempt",
    )
    first = Notification.objects.get(deadline=clock)
    assert first.attempts == 1
    assert "451" in first.last_error
    assert first.next_attempt_at > now

    # Back-off is measured on the pinned clock: walk it on, a minute a second.
    def walk_until(condition):
        def step():
            pinned_now.set(pinned_now.get() + MINUTE)
            return condition()

        return step

    wait_until(walk_until(lambda: smtp_server.refused >= 3), timeout=60, what="two more refusals")
    smtp_server.accept()
    wait_until(
        walk_until(lambda: smtp_server.messages), timeout=60, what="the reminder", interval=1
    )
    settle(celery_worker_process)

    [mail] = smtp_server.messages
    assert mail.recipients == ("owner@example.com",)
    sent = Notification.objects.get(deadline=clock)
    assert sent.state == NotificationState.SENT
    assert sent.attempts == smtp_server.refused + 1
    assert list(events(clock)) == ["reminder-50"]


def test_a_jump_over_chuseok_and_a_weekend_records_breaches_at_their_due_instants(
    celery_worker_process, smtp_server, pinned_now, directory
):
    """One business day from Wed 2026-09-23 15:00: 3 h on Wednesday, Chuseok Thu–Sat, Sunday,
    6 h on Monday → due Mon 2026-09-28 15:00; level 2 one business day later, Tue 15:00."""
    feasibility = directory.commitment("feasibility", target_kind="business_hours")
    started = kst(2026, 9, 23, 15)
    pinned_now.set(started)
    celery_worker_process.start()
    clock = directory.start(feasibility, started)
    assert clock.due_at == kst(2026, 9, 28, 15)

    pinned_now.set(kst(2026, 9, 26, 12))  # Saturday of Chuseok: no working time has passed
    settle(celery_worker_process)
    assert events(clock) == {}

    jump = kst(2026, 9, 29, 16)
    pinned_now.set(jump)
    wait_until(
        lambda: {"breach", "escalation-1", "escalation-2"} <= events(clock).keys(),
        timeout=60,
        what="the breach and both escalations",
    )
    settle(celery_worker_process)

    clock.refresh_from_db()
    planned = {step.key: step.at for step in decisions.planned_steps(clock)}
    assert planned["breach"] == kst(2026, 9, 28, 15)
    assert planned["escalation-2"] == kst(2026, 9, 29, 15)
    recorded = events(clock)
    assert all(len(found) == 1 for found in recorded.values())
    assert {key: found[0].at for key, found in recorded.items()} == {
        key: planned[key] for key in recorded
    }
    assert all(found[0].at != jump for found in recorded.values())
    assert clock.state == "breached"
    wait_until(
        lambda: all_sent(deadline=clock, send_after__lte=jump),
        timeout=30,
        what="the breach e-mails",
    )
    assert received(smtp_server) == written(deadline=clock, send_after__lte=jump)


def test_a_clock_met_one_second_before_due_never_breaches(
    celery_worker_process, smtp_server, pinned_now, directory, hourly
):
    pinned_now.set(T0)
    celery_worker_process.start()
    clock = directory.start(hourly, T0)
    due = clock.due_at

    pinned_now.set(due - timedelta(seconds=1))
    wait_until(
        lambda: {"reminder-50", "reminder-80"} <= events(clock).keys() and all_sent(),
        timeout=30,
        what="both reminders",
    )
    deadline_stop(clock, at=due - timedelta(seconds=1), cause="feasibility answered")

    pinned_now.set(due + 2 * 60 * MINUTE)  # past the breach and both escalations
    settle(celery_worker_process, sweeps=4)

    clock.refresh_from_db()
    assert clock.state == "met"
    assert clock.next_action_at is None
    assert set(events(clock)) == {"reminder-50", "reminder-80"}
    assert not DeadlineEvent.objects.filter(deadline=clock, kind__in=["breached", "escalated"])
    assert set(Notification.objects.filter(deadline=clock).values_list("step", flat=True)) == {
        "reminder"
    }
    assert len(smtp_server.messages) == Notification.objects.filter(deadline=clock).count()
