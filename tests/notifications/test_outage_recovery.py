"""A Redis outage under a running worker and beat: a redis-server of the test's own is stopped
for a while and started again (empty). Beat must not die (it used to: ``beat raised exception
ConnectionError``), the worker must not exit, both must go on by themselves, and the sweep and
the beat's recorded tick must resume."""

import os
import subprocess
import time

import pytest
import redis

from notifications.models import WorkerHeartbeat
from tests.notifications.conftest import CeleryTopology, database_url, free_port, wait_until

pytestmark = pytest.mark.slow


class RedisServer:
    """A throw-away redis-server on a free loopback port, without persistence."""

    def __init__(self, directory) -> None:
        self.port, self.directory = free_port(), directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""),
                *("--appendonly", "no", "--dir", str(self.directory)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def answers():
            try:
                return redis.Redis(port=self.port, socket_connect_timeout=1).ping()
            except redis.ConnectionError:
                return False

        wait_until(answers, timeout=30, what="the throw-away redis-server")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def test_worker_and_beat_ride_out_a_redis_outage_and_the_sweep_resumes(
    committed_charter, smtp_server, pinned_now, tmp_path, own_redis
):
    log_dir = tmp_path / "celery"
    log_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_SETTINGS"))}
    env.update(
        CHARTER_ENV="test",
        CHARTER_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=database_url(),
        REDIS_URL=own_redis.url,
        CELERY_REDBEAT_LOCK_TIMEOUT="10",
        EMAIL_HOST=smtp_server.host,
        EMAIL_PORT=str(smtp_server.port),
        CHARTER_SWEEP_INTERVAL="1",
        CHARTER_DELIVERY_INTERVAL="1",
        CHARTER_HEARTBEAT_INTERVAL="1",
        CHARTER_PINNED_NOW_FILE=str(pinned_now.path),
        PYTHONUNBUFFERED="1",
    )
    topology = CeleryTopology(env=env, log_dir=log_dir, redis_url=own_redis.url)
    try:
        topology.start(workers=1, beats=1, timeout=120)
        assert WorkerHeartbeat.objects.filter(name="beat").exists()

        mark = len(topology.beat.log_text())
        own_redis.stop()
        outage = r"beat: Redis or the broker is unreachable"
        topology.beat.wait_for_log(outage, timeout=60, after=mark)
        time.sleep(6)  # more ticks into the outage
        assert topology.beat.running, topology.logs()
        assert topology.worker.running, topology.logs()

        own_redis.start()  # back, and empty: no schedule, no lock, no queues
        WorkerHeartbeat.objects.filter(name="beat").delete()
        topology.wait_for_sweep(timeout=120)
        wait_until(
            lambda: WorkerHeartbeat.objects.filter(name="beat").exists(),
            timeout=30,
            what="the beat's tick recorded again",
        )
        assert topology.beat.running
        assert topology.worker.running
    finally:
        topology.stop()
