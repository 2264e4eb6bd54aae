"""Two sweepers at once, each on its own database connection (committed data, so
``transactional_db``): every step is still recorded once and every message written once."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from kombu.exceptions import OperationalError

from commitments.deadlines import deadline_start
from commitments.models import Deadline, DeadlineEvent
from notifications import tasks
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


# --- The Celery task: a backlog shared with helpers ---------------------------------------


@pytest.fixture
def backlog_settings(settings, pinned_now):
    """Batches of 4 and "now" pinned at ``NOW`` for the tasks (they take no arguments)."""
    settings.CHARTER_SWEEP_BATCH_SIZE = 4
    settings.CHARTER_SWEEP_PARALLEL = 2
    pinned_now.set(NOW)
    return settings


def assert_each_step_once(clocks: list[Deadline]) -> None:
    for clock in clocks:
        assert list(
            clock.events.filter(step_key__isnull=False).values_list("step_key", flat=True)
        ) == ["reminder-50", "reminder-80", "breach", "escalation-1"]
    assert Notification.objects.count() == len(clocks) * 3


def test_a_sweep_task_with_a_full_first_batch_has_a_helper_sweep_the_rest(
    backlog_settings, eager_celery
):
    clocks = start_clocks(30)

    # The helper, run in this process as it is published, takes everything after the tick's
    # first batch; the tick then finds nothing more.
    assert tasks.sweep_deadlines.apply().get() == 4 * 4

    assert_each_step_once(clocks)


def test_a_sweep_task_whose_first_batch_is_not_full_asks_for_no_helper(
    backlog_settings, eager_celery, monkeypatch
):
    clocks = start_clocks(3)
    published = []
    monkeypatch.setattr(tasks.sweep_backlog, "apply_async", lambda **kw: published.append(kw))

    assert tasks.sweep_deadlines.apply().get() == 3 * 4

    assert published == []
    assert_each_step_once(clocks)


def test_the_sweep_task_asks_for_parallel_minus_one_helpers_once(
    backlog_settings, eager_celery, monkeypatch
):
    backlog_settings.CHARTER_SWEEP_PARALLEL = 3
    clocks = start_clocks(30)
    published = []
    monkeypatch.setattr(tasks.sweep_backlog, "apply_async", lambda **kw: published.append(kw))

    # No helper ran (the publications went nowhere): the tick swept the backlog alone.
    assert tasks.sweep_deadlines.apply().get() == 30 * 4

    assert len(published) == 2
    assert all(options["expires"] > 0 for options in published)
    assert_each_step_once(clocks)


def test_a_sweep_task_that_cannot_reach_the_broker_finishes_the_backlog_alone(
    backlog_settings, monkeypatch, caplog
):
    clocks = start_clocks(30)

    def broker_down(**_options):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.sweep_backlog, "apply_async", broker_down)

    assert tasks.sweep_deadlines.apply().get() == 30 * 4

    assert "could not ask for a helper" in caplog.text
    assert_each_step_once(clocks)


def test_the_sweep_task_and_a_helper_at_once_record_each_step_once(backlog_settings):
    backlog_settings.CHARTER_SWEEP_PARALLEL = 1  # the two below are the tick and its helper
    clocks = start_clocks(30)

    tick, helper = in_threads(
        lambda: tasks.sweep_deadlines.apply().get(), lambda: tasks.sweep_backlog.apply().get()
    )

    assert tick + helper == 30 * 4
    assert_each_step_once(clocks)
