"""Two sweepers at once, each on its own database connection (committed data, so
``transactional_db``): every step is still recorded once and every message written once."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction

from commitments.deadlines import deadline_start
from commitments.models import Deadline, DeadlineEvent
from notifications.models import Notification
from notifications.sweep import SweepResult, sweep
from tests.factories import CommitmentFactory, DivisionFactory, TeamFactory, UserFactory

SEOUL = ZoneInfo("Asia/Seoul")
STARTED = datetime(2026, 10, 13, 10, 0, tzinfo=SEOUL)  # a Tuesday
# One hour 24×7: reminders 10:30 and 10:48 (overtaken), breach and escalation-1 at 11:00;
# escalation-2 (a quarter of the target later, 11:15) is not due yet.
NOW = datetime(2026, 10, 13, 11, 5, tzinfo=SEOUL)

pytestmark = pytest.mark.django_db(transaction=True)


def start_clocks(count: int) -> list[Deadline]:
    division = DivisionFactory(code="cc-division")
    team = TeamFactory(code="cc-team", division=division)
    commitment = CommitmentFactory(
        code="test.concurrent", target_kind="elapsed", target_minutes=60, division=division
    )
    owner = UserFactory(username="cc-owner")
    return [
        deadline_start(
            commitment=commitment,
            subject_type="test",
            subject_id=str(n),
            started_at=STARTED,
            now=STARTED,
            owner=owner,
            team=team,
            division=division,
        )
        for n in range(count)
    ]


def in_threads(*targets) -> list:
    """Run each target in its own thread and connection, all starting together."""
    barrier = threading.Barrier(len(targets))
    results: list = [None] * len(targets)
    errors: list[BaseException] = []

    def run(index: int, target) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = target()
        except BaseException as exc:  # reported by the test thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_two_sweepers_at_once_record_each_step_and_write_each_message_once():
    clocks = start_clocks(30)

    first, second = in_threads(
        lambda: sweep(now=NOW, batch_size=4), lambda: sweep(now=NOW, batch_size=4)
    )

    assert first.errors == second.errors == 0
    assert first.clocks_claimed + second.clocks_claimed == 30
    assert first.steps_recorded + second.steps_recorded == 30 * 4
    for clock in clocks:
        assert list(
            clock.events.filter(step_key__isnull=False).values_list("step_key", flat=True)
        ) == ["reminder-50", "reminder-80", "breach", "escalation-1"]
    # Per clock: the breach to the owner and the team manager, escalation-1 to the manager.
    assert Notification.objects.count() == 30 * 3
    assert first.notifications_written + second.notifications_written == 30 * 3
    # And a third sweeper afterwards finds nothing left to do.
    assert sweep(now=NOW) == SweepResult()


def test_a_sweeper_passes_over_a_clock_another_holds_and_takes_it_later():
    held, free = start_clocks(2)

    with transaction.atomic():
        Deadline.objects.select_for_update().get(pk=held.pk)  # another sweeper's claim
        (result,) = in_threads(lambda: sweep(now=NOW))

    assert result.clocks_claimed == 1
    assert DeadlineEvent.objects.filter(deadline=held, step_key__isnull=False).count() == 0
    assert DeadlineEvent.objects.filter(deadline=free, step_key__isnull=False).count() == 4

    assert sweep(now=NOW + timedelta(seconds=1)).clocks_claimed == 1
    assert DeadlineEvent.objects.filter(deadline=held, step_key__isnull=False).count() == 4
