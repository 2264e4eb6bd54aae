"""The periodic schedule: one dict in settings, kept in Redis by redbeat, and put back after
Redis is flushed (sibson/redbeat#263) — proved against the real Redis of ``REDIS_URL``."""

import json
import time
from types import SimpleNamespace

import pytest
import redis
from django.conf import settings
from redbeat.schedulers import acquire_distributed_beat_lock

import notifications.tasks  # noqa: F401 - registers the tasks the schedule names
import requests_desk.tasks  # noqa: F401
from charter_portal.celery import app as celery_app
from notifications.schedule import RestoringRedBeatScheduler
from tests.charter_portal.test_settings import start_settings

# A beat's tick records itself in the database (``WorkerHeartbeat`` "beat").
pytestmark = pytest.mark.django_db

PERIODIC_TASKS = {
    "sweep-deadlines": "notifications.tasks.sweep_deadlines",
    "deliver-notifications": "notifications.tasks.deliver_due",
    "heartbeat": "notifications.tasks.heartbeat",
    "reconcile-report-summaries": "notifications.tasks.reconcile_report_summaries",
    "purge-personal-data": "requests_desk.tasks.purge_personal_data",
    # Idempotent (one message per certificate, cycle and channel): safe on the sweep's period.
    "certificate-guidance": "requests_desk.tasks.certificate_guidance",
    "poll-mail": "requests_desk.tasks.poll_mail",
}


def test_the_sweep_and_delivery_run_every_ten_seconds_and_expire_before_the_next_run():
    schedule = celery_app.conf.beat_schedule

    assert {name: entry["task"] for name, entry in schedule.items()} == PERIODIC_TASKS
    assert schedule["sweep-deadlines"]["schedule"] == settings.CHARTER_SWEEP_INTERVAL == 10
    assert schedule["deliver-notifications"]["schedule"] == settings.CHARTER_DELIVERY_INTERVAL
    for entry in schedule.values():
        assert 0 < entry["options"]["expires"] < entry["schedule"]
    assert set(PERIODIC_TASKS.values()) <= set(celery_app.tasks)


SCHEDULE_REPORT = """
import json, django
django.setup()
from charter_portal.celery import app
print(json.dumps({name: [entry["schedule"], entry["options"]["expires"]]
                  for name, entry in app.conf.beat_schedule.items()}))
"""


def test_the_periods_are_overridable_from_the_environment(tmp_path):
    result = start_settings(
        tmp_path, code=SCHEDULE_REPORT, CHARTER_SWEEP_INTERVAL="3", CHARTER_DELIVERY_INTERVAL="1"
    )

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["sweep-deadlines"] == [3.0, 2.5]
    assert report["deliver-notifications"] == [1.0, 0.5]


def test_redis_mode_uses_the_scheduler_that_restores_a_flushed_schedule():
    assert celery_app.conf.beat_scheduler == "notifications.schedule:RestoringRedBeatScheduler"


# --- FLUSHALL ------------------------------------------------------------------------------


@pytest.fixture
def beat_redis():
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def start_beat() -> RestoringRedBeatScheduler:
    """A scheduler as ``celery beat`` makes it: the static schedule saved, the lock taken."""
    scheduler = RestoringRedBeatScheduler(app=celery_app)
    acquire_distributed_beat_lock(sender=SimpleNamespace(scheduler=scheduler))
    return scheduler


def entries_in_redis(client) -> set[str]:
    conf = celery_app.redbeat_conf
    keys = client.zrange(conf.schedule_key, 0, -1)
    return {key.decode().removeprefix(conf.key_prefix) for key in keys if client.exists(key)}


def test_a_flushed_redis_gets_the_schedule_and_the_lock_back_on_the_next_tick(beat_redis):
    beat = start_beat()
    try:
        assert entries_in_redis(beat_redis) == set(PERIODIC_TASKS)

        beat_redis.flushall()
        assert entries_in_redis(beat_redis) == set()
        beat.tick()

        assert entries_in_redis(beat_redis) == set(PERIODIC_TASKS)
        assert beat.lock.owned()
        # Each entry runs again within one of its periods.
        conf = celery_app.redbeat_conf
        now = time.time()
        for name, entry in celery_app.conf.beat_schedule.items():
            due = beat_redis.zscore(conf.schedule_key, f"{conf.key_prefix}{name}")
            assert now - 1 <= due <= now + entry["schedule"] + 1, name
    finally:
        beat.close()


def test_an_intact_schedule_is_left_alone():
    beat = start_beat()
    try:
        assert beat.restore_schedule_if_missing() is False
    finally:
        beat.close()


def test_after_a_flush_only_one_of_two_beats_takes_the_lock_back(beat_redis):
    first = start_beat()
    second = RestoringRedBeatScheduler(app=celery_app)
    try:
        beat_redis.flushall()

        second.tick()  # the standby beat happens to tick first and takes the freed lock
        beat_redis.delete("celery")
        first.tick()

        assert second.lock.owned()
        assert not first.lock.owned()
        assert beat_redis.llen("celery") == 0, "the beat without the lock sent tasks"
        assert entries_in_redis(beat_redis) == set(PERIODIC_TASKS)
    finally:
        first.close()
        second.close()


def test_a_tick_records_the_beats_heartbeat_for_healthz(beat_redis):
    from notifications.models import WorkerHeartbeat

    start_beat().tick()

    assert WorkerHeartbeat.objects.filter(name="beat").exists()


def test_a_tick_while_redis_is_down_logs_it_and_retries_soon_instead_of_raising(caplog):
    from redbeat.schedulers import REDBEAT_REDIS_KEY

    scheduler = start_beat()
    down = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    previous = getattr(celery_app, REDBEAT_REDIS_KEY, None)
    setattr(celery_app, REDBEAT_REDIS_KEY, down)
    scheduler.lock = None
    try:
        interval = scheduler.tick()
    finally:
        setattr(celery_app, REDBEAT_REDIS_KEY, previous)

    assert interval == 5.0
    assert "Redis or the broker is unreachable" in caplog.text
