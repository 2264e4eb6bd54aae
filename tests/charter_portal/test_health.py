"""``/healthz``: the state of the database, the broker (the real Redis), the worker, and whether
the sweep and the outbox keep up."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from commitments.deadlines import deadline_start
from notifications.models import Notification, NotificationState, WorkerHeartbeat
from tests.factories import CommitmentFactory, DivisionFactory

pytestmark = pytest.mark.django_db


def test_health_answers_ok_json_when_the_database_and_the_real_redis_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["mode"] == "test"
    assert body["database"] == "ok"
    assert body["broker"] == "ok"
    assert body["worker_last_seen"] is None
    assert body["reason"] is None
    assert body["last_sweep"] is None
    assert body["sweep_lag_seconds"] == 0
    assert body["outbox_backlog"] == 0
    assert datetime.fromisoformat(body["time"]).tzinfo is not None


def test_health_reports_when_the_worker_was_last_seen(client):
    seen = datetime(2026, 9, 23, 6, 0, tzinfo=UTC)
    WorkerHeartbeat.objects.create(name="worker", at=seen)

    body = client.get("/healthz").json()

    assert datetime.fromisoformat(body["worker_last_seen"]) == seen


def test_health_answers_503_when_the_broker_is_unreachable(client):
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["broker"].startswith("error: ")
    assert body["reason"].startswith("broker error: ")


def test_health_needs_no_login_and_no_language_prefix(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/en/healthz").status_code == 404


def test_health_calls_the_embedded_broker_healthy_in_local_mode(client):
    with override_settings(CELERY_BROKER_EMBEDDED=True, REDIS_URL=None):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["broker"] == "embedded"


def overdue_clock(*, by: timedelta) -> None:
    """A clock whose breach has been due for ``by`` and not yet swept."""
    commitment = CommitmentFactory(
        code="test.health", target_kind="elapsed", target_minutes=60, division=DivisionFactory()
    )
    now = timezone.now()
    deadline_start(
        commitment=commitment,
        subject_type="test",
        subject_id="1",
        started_at=now - timedelta(minutes=60) - by,
        now=now,
    )


def test_health_reports_when_the_sweep_last_ran(client):
    swept = datetime(2026, 9, 23, 6, 0, tzinfo=UTC)
    WorkerHeartbeat.objects.create(name="sweep", at=swept)

    body = client.get("/healthz").json()

    assert datetime.fromisoformat(body["last_sweep"]) == swept


def test_health_stays_ok_while_the_sweep_is_less_than_a_minute_behind(client):
    overdue_clock(by=timedelta(seconds=20))

    response = client.get("/healthz")

    assert response.status_code == 200
    assert 20 <= response.json()["sweep_lag_seconds"] < 50


def test_health_answers_503_when_the_sweep_is_more_than_a_minute_behind(client):
    overdue_clock(by=timedelta(minutes=5))

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert 300 <= body["sweep_lag_seconds"] < 330
    assert body["reason"].startswith("the sweep is 30")
    assert body["database"] == body["broker"] == "ok"


def test_health_counts_the_messages_ready_to_send_as_the_outbox_backlog(client):
    now = timezone.now()
    states = [
        (NotificationState.QUEUED, now - timedelta(seconds=5)),  # ready
        (NotificationState.RETRY_WAIT, now - timedelta(seconds=5)),  # ready
        (NotificationState.SENDING, None),  # in flight
        (NotificationState.QUEUED, now + timedelta(hours=12)),  # waits for business hours
        (NotificationState.RETRY_WAIT, now + timedelta(minutes=2)),  # backing off
        (NotificationState.SENT, None),
        (NotificationState.FAILED, None),
    ]
    for n, (state, next_attempt_at) in enumerate(states):
        Notification.objects.create(
            idempotency_key=f"health:{n}",
            step="message",
            channel="email",
            recipient="someone@example.com",
            body="…",
            state=state,
            next_attempt_at=next_attempt_at,
        )

    assert client.get("/healthz").json()["outbox_backlog"] == 3


# --- A dead worker or beat: heartbeats older than three periods -----------------------------

SEEN = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


def heartbeats(*, worker=SEEN, beat=SEEN) -> None:
    WorkerHeartbeat.objects.create(name="worker", at=worker)
    WorkerHeartbeat.objects.create(name="beat", at=beat)


def test_health_stays_ok_while_the_worker_and_beat_were_seen_within_three_periods(client):
    heartbeats()
    with time_machine.travel(SEEN + timedelta(seconds=3 * 30 - 1), tick=False):
        response = client.get("/healthz")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert datetime.fromisoformat(body["beat_last_tick"]) == SEEN


def test_health_answers_503_and_names_the_worker_when_its_heartbeat_is_three_periods_old(client):
    heartbeats(beat=SEEN + timedelta(seconds=80))
    with time_machine.travel(SEEN + timedelta(seconds=3 * 30 + 5), tick=False):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["reason"] == "the worker was last seen 95 s ago (more than 90 s)"


def test_health_answers_503_and_names_the_beat_when_its_last_tick_is_three_periods_old(client):
    heartbeats(worker=SEEN + timedelta(seconds=200))
    with time_machine.travel(SEEN + timedelta(seconds=210), tick=False):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["reason"] == "the beat last ticked 210 s ago (more than 90 s)"


def test_the_allowed_age_follows_the_heartbeat_interval(client, settings):
    settings.CHARTER_HEARTBEAT_INTERVAL = 5
    heartbeats()
    with time_machine.travel(SEEN + timedelta(seconds=16), tick=False):
        body = client.get("/healthz").json()

    assert body["reason"] == (
        "the worker was last seen 16 s ago (more than 15 s); "
        "the beat last ticked 16 s ago (more than 15 s)"
    )
