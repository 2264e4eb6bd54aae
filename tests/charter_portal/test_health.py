"""``/healthz``: the state of the database, the broker (the real Redis) and the worker."""

from datetime import UTC, datetime

import pytest
from django.test import override_settings

from notifications.models import WorkerHeartbeat

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


def test_health_needs_no_login_and_no_language_prefix(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/en/healthz").status_code == 404


def test_health_calls_the_embedded_broker_healthy_in_local_mode(client):
    with override_settings(CELERY_BROKER_EMBEDDED=True, REDIS_URL=None):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["broker"] == "embedded"
