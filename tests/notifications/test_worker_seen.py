"""``/healthz``'s "worker last seen" comes from the worker itself: its periodic heartbeat, and
the end of any task it runs — a worker kept busy by the sweep and delivery is not dead."""

import pytest
from django.test import Client

from notifications import tasks
from notifications.models import WorkerHeartbeat
from tests.notifications.conftest import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("committed_charter")]


def test_a_worker_without_beat_is_seen_once_it_has_run_a_task(celery_worker_process):
    worker = celery_worker_process.add_worker(concurrency=1)
    worker.start()
    worker.wait_for_log(r"\bready\.", timeout=120)
    # No beat: no heartbeat task is ever sent, so nothing says the worker is alive yet.
    assert Client().get("/healthz").json()["worker_last_seen"] is None

    tasks.deliver_due.delay()

    seen = wait_until(
        lambda: WorkerHeartbeat.objects.filter(name=tasks.WORKER_HEARTBEAT).first(),
        timeout=120,
        what="the worker's heartbeat after its task",
    )
    assert "notifications.tasks.deliver_due" in worker.log_text()
    assert Client().get("/healthz").json()["worker_last_seen"] == seen.at.isoformat()


def test_a_task_applied_in_this_process_records_no_heartbeat(transactional_db):
    tasks.deliver_due.apply()

    assert not WorkerHeartbeat.objects.filter(name=tasks.WORKER_HEARTBEAT).exists()
