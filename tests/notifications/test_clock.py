"""The sweep's "now": the database's clock, or in test mode an instant pinned in a file."""

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from notifications import clock
from notifications.models import WorkerHeartbeat

SEOUL = ZoneInfo("Asia/Seoul")
PINNED = datetime(2026, 9, 28, 15, 0, tzinfo=SEOUL)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pin_file(tmp_path, monkeypatch):
    path = tmp_path / "now"
    monkeypatch.setenv(clock.PINNED_NOW_VARIABLE, str(path))
    return path


def test_it_asks_the_database_for_the_time():
    before = timezone.now()
    now = clock.now()

    assert now.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=5) < now < timezone.now() + timedelta(seconds=5)


def test_the_database_clock_moves_on_inside_a_transaction():
    # PostgreSQL's now() stands still for a whole transaction; the sweep must not.
    with transaction.atomic():
        first = clock.now()
        time.sleep(0.01)
        second = clock.now()

    assert second > first


def test_the_database_clock_ignores_pythons_frozen_time(time_machine):
    time_machine.move_to(datetime(2020, 1, 1, tzinfo=UTC), tick=False)

    assert clock.now().year > 2020


def test_a_pinned_instant_is_now_in_test_mode(pin_file):
    clock.pin_now(path=pin_file, at=PINNED)

    assert clock.now() == PINNED


def test_the_pinned_file_is_read_on_every_call(pin_file):
    clock.pin_now(path=pin_file, at=PINNED)
    assert clock.now() == PINNED

    clock.pin_now(path=pin_file, at=PINNED + timedelta(days=3))
    assert clock.now() == PINNED + timedelta(days=3)

    pin_file.unlink()
    assert clock.now().year == timezone.now().year  # back to the database's clock


def test_a_pinned_file_may_be_named_by_a_setting(tmp_path):
    path = tmp_path / "now"
    path.write_text("2026-09-28T06:00:00+00:00\n")

    with override_settings(CHARTER_PINNED_NOW_FILE=str(path)):
        assert clock.now() == datetime(2026, 9, 28, 6, 0, tzinfo=UTC)


def test_the_pinned_file_is_ignored_outside_test_mode(pin_file):
    clock.pin_now(path=pin_file, at=PINNED)

    with override_settings(TEST_MODE=False):
        now = clock.now()

    assert abs(now - timezone.now()) < timedelta(seconds=5)


def test_a_pinned_instant_without_an_offset_is_refused(pin_file):
    pin_file.write_text("2026-09-28T15:00:00")

    with pytest.raises(ValueError, match="needs a time zone offset"):
        clock.now()
    with pytest.raises(ValueError, match="needs a time zone offset"):
        clock.pin_now(path=pin_file, at=datetime(2026, 9, 28, 15))


def test_an_empty_pinned_file_pins_nothing(pin_file):
    pin_file.write_text("")

    assert abs(clock.now() - timezone.now()) < timedelta(seconds=5)


# --- the sweep_deadlines command ------------------------------------------------------------


def test_the_command_sweeps_at_the_pinned_instant(pin_file, capsys):
    clock.pin_now(path=pin_file, at=PINNED)

    call_command("sweep_deadlines")

    assert "clocks claimed: 0" in capsys.readouterr().out
    assert WorkerHeartbeat.objects.get(name="sweep").at == PINNED


def test_the_command_sweeps_as_of_a_given_instant_in_test_mode(capsys):
    call_command("sweep_deadlines", now="2026-09-28T15:00:00+09:00")

    assert "steps recorded: 0" in capsys.readouterr().out
    assert WorkerHeartbeat.objects.get(name="sweep").at == PINNED


def test_the_command_refuses_a_given_instant_outside_test_mode():
    with override_settings(TEST_MODE=False), pytest.raises(CommandError, match="test"):
        call_command("sweep_deadlines", now="2026-09-28T15:00:00+09:00")

    assert not WorkerHeartbeat.objects.exists()


def test_the_command_refuses_an_instant_without_an_offset():
    with pytest.raises(CommandError, match="offset"):
        call_command("sweep_deadlines", now="2026-09-28T15:00:00")
