"""Fixtures for the fault tests: a real SMTP server, a "now" a worker subprocess reads, and a real
Celery worker and beat in subprocesses — all on 127.0.0.1, against the test's PostgreSQL database
and a Redis database of their own.

Data the subprocesses must see has to be committed, so tests that use them take
``transactional_db`` (through ``committed_charter``)."""

import asyncio
import contextlib
import email
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from pathlib import Path

import kombu.pools
import pytest
import redis
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.db import connection

from charter_portal.celery import app as celery_app
from notifications.clock import pin_now

ROOT = Path(__file__).resolve().parents[2]
# Beside the Python running the suite: the checkout's .venv under `make test`, or any other.
CELERY = Path(sys.executable).with_name("celery")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.2):
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; last: {last!r}")


# --- SMTP ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMail:
    message_id: str
    subject: str
    sender: str
    recipients: tuple[str, ...]
    received_at: float  # time.time() when the DATA command was accepted
    message: email.message.EmailMessage = field(repr=False, compare=False)


class CollectingHandler:
    """An aiosmtpd handler that keeps every accepted message, and can be told to answer
    "451 try again later" for a while (a greylisting or overloaded server) or to take its time
    over each message (so a test can kill a worker in the middle of a batch), and knows no
    mailbox of the addresses in ``unknown`` ("550 no such user", a permanent refusal)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._messages: list[ReceivedMail] = []
        self._refuse_until = 0.0
        self.refused = 0
        self.delay = 0.0
        self.unknown: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address.lower() in self.unknown:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        with self._changed:
            refusing = time.monotonic() < self._refuse_until
            if refusing:
                self.refused += 1
        if refusing:
            return "451 4.3.2 Service busy, try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        received = ReceivedMail(
            message_id=str(message.get("Message-ID", "")),
            subject=str(message.get("Subject", "")),
            sender=envelope.mail_from,
            recipients=tuple(envelope.rcpt_tos),
            received_at=time.time(),
            message=message,
        )
        with self._changed:
            self._messages.append(received)
            self._changed.notify_all()
        return "250 2.0.0 Message accepted for delivery"

    def refuse_for(self, seconds: float) -> None:
        with self._changed:
            self._refuse_until = time.monotonic() + seconds

    def accept(self) -> None:
        with self._changed:
            self._refuse_until = 0.0

    @property
    def messages(self) -> list[ReceivedMail]:
        with self._changed:
            return list(self._messages)

    def wait_for(self, count: int, *, timeout: float) -> list[ReceivedMail]:
        """The messages, once at least ``count`` have arrived; fails after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"{len(self._messages)} of {count} messages arrived in {timeout:.0f} s"
                    )
                self._changed.wait(remaining)
            return list(self._messages)

    def to(self, address: str) -> list[ReceivedMail]:
        return [m for m in self.messages if address in m.recipients]


class SmtpServer:
    def __init__(self, controller: Controller, handler: CollectingHandler) -> None:
        self.controller, self.handler = controller, handler
        self.host, self.port = controller.hostname, controller.port

    def __getattr__(self, name):
        return getattr(self.handler, name)


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free port of 127.0.0.1 that keeps what it receives."""
    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield SmtpServer(controller, handler)
    finally:
        controller.stop()


# --- A pinned "now" -----------------------------------------------------------------------


class PinnedNow:
    """The instant ``notifications.clock.now()`` answers in test mode, kept in a file that every
    process (this one and the workers) reads on each call."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def set(self, instant: datetime) -> None:
        pin_now(path=self.path, at=instant)

    def clear(self) -> None:
        """Back to the database's clock."""
        self.path.unlink(missing_ok=True)

    def get(self) -> datetime | None:
        try:
            return datetime.fromisoformat(self.path.read_text().strip())
        except FileNotFoundError:
            return None


@pytest.fixture
def pinned_now(tmp_path, monkeypatch):
    pinned = PinnedNow(tmp_path / "pinned-now")
    monkeypatch.setenv("CHARTER_PINNED_NOW_FILE", str(pinned.path))
    return pinned


# --- Data the subprocesses can see --------------------------------------------------------


@pytest.fixture
def committed_charter(transactional_db):
    """The seeded charter, committed (``transactional_db``) so worker subprocesses read it."""
    call_command("seed_charter", verbosity=0)


# --- Celery worker and beat in subprocesses -----------------------------------------------


def database_url() -> str:
    """The URL of the database this test runs on (pytest-django's ``test_…`` database)."""
    db = connection.settings_dict
    user = urllib.parse.quote(db["USER"] or "")
    password = f":{urllib.parse.quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{db['NAME']}"


def worker_redis_url() -> str:
    """A Redis database of the workers' own: the suite's REDIS_URL with the next db number, so
    flushing it touches nothing the test process uses."""
    parsed = urllib.parse.urlsplit(os.environ["REDIS_URL"])
    current = int(parsed.path.strip("/") or 0)
    return urllib.parse.urlunsplit(parsed._replace(path=f"/{(current + 1) % 16}"))


class CeleryProcess:
    """One Celery process (worker or beat) in its own process group, logging to a file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.argv, self.env, self.log = name, argv, env, log
        self.process: subprocess.Popen | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        assert not self.running, f"{self.name} is already running"
        with self.log.open("ab") as log:
            log.write(f"\n=== start {self.name} at {time.time():.3f}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: a kill reaches the pool children too
            )

    def kill9(self) -> None:
        """SIGKILL to the whole group: the worker and its pool die mid-task, as on a crash."""
        self._signal(signal.SIGKILL)
        self._reap(timeout=10)

    def terminate(self) -> None:
        """Ask the main process for a warm shutdown; ``stop`` waits for it."""
        if self.running:
            with contextlib.suppress(ProcessLookupError):
                self.process.terminate()

    def stop(self, *, grace: float = 5) -> None:
        if self.process is None:
            return
        self.terminate()
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
        self._reap(timeout=10)

    def _signal(self, signum: int) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signum)

    def _reap(self, *, timeout: float) -> None:
        if self.process is not None:
            self.process.wait(timeout=timeout)
            # The group may outlive its leader for a moment (pool children); make sure of it.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_for_log(self, pattern: str, *, timeout: float, after: int = 0) -> re.Match:
        """The first match of ``pattern`` in the log after character ``after``."""
        regex = re.compile(pattern)

        def found():
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited:\n{self.log_text()[-3000:]}")
            return regex.search(self.log_text(), after)

        try:
            return wait_until(found, timeout=timeout, what=f"{pattern!r} in {self.name}'s log")
        except AssertionError as exc:
            log = self.log_text()[-3000:]
            raise AssertionError(f"{exc}\n--- {self.name} log ---\n{log}") from None


SWEEP_DONE = r"Task notifications\.tasks\.sweep_deadlines\[[^\]]+\] succeeded"


class CeleryTopology:
    """The production shape in miniature: worker(s) and beat(s) as separate processes on a
    Redis broker and a Redis-kept schedule, the test's database, and the test's SMTP server."""

    def __init__(self, *, env: dict[str, str], log_dir: Path, redis_url: str) -> None:
        self.env, self.log_dir, self.redis_url = env, log_dir, redis_url
        self.redis = redis.Redis.from_url(redis_url)
        self.workers: list[CeleryProcess] = []
        self.beats: list[CeleryProcess] = []

    @property
    def worker(self) -> CeleryProcess:
        return self.workers[0]

    @property
    def beat(self) -> CeleryProcess:
        return self.beats[0]

    @property
    def processes(self) -> list[CeleryProcess]:
        return [*self.workers, *self.beats]

    def add_worker(self, *, concurrency: int = 2) -> CeleryProcess:
        number = len(self.workers) + 1
        argv = [str(CELERY), "-A", "charter_portal", "worker", "--loglevel=INFO"]
        argv += ["--pool=prefork", f"--concurrency={concurrency}", f"--hostname=w{number}@%h"]
        argv += ["--without-gossip", "--without-mingle"]
        worker = CeleryProcess(f"worker {number}", argv, self.env, self.log_dir / f"w{number}.log")
        self.workers.append(worker)
        return worker

    def add_beat(self) -> CeleryProcess:
        number = len(self.beats) + 1
        argv = [str(CELERY), "-A", "charter_portal", "beat", "--loglevel=INFO"]
        argv += ["--max-interval=1", f"--schedule={self.log_dir / f'beat{number}.db'}"]
        beat = CeleryProcess(f"beat {number}", argv, self.env, self.log_dir / f"b{number}.log")
        self.beats.append(beat)
        return beat

    def start(self, *, workers: int = 1, beats: int = 1, timeout: float = 60) -> None:
        """Start the processes and wait until a worker has run a sweep the beat asked for."""
        while len(self.workers) < workers:
            self.add_worker()
        while len(self.beats) < beats:
            self.add_beat()
        marks = {w.name: len(w.log_text()) for w in self.workers}
        for process in self.processes:
            if not process.running:
                process.start()
        for worker in self.workers:
            worker.wait_for_log(r"\bready\.", timeout=timeout, after=marks[worker.name])
        self.wait_for_sweep(timeout=timeout)

    def wait_for_sweep(self, *, timeout: float = 30) -> None:
        """Wait until some worker completes a sweep that started after this call."""
        marks = {w.name: len(w.log_text()) for w in self.workers}

        def swept():
            return any(re.search(SWEEP_DONE, w.log_text()[marks[w.name] :]) for w in self.workers)

        wait_until(swept, timeout=timeout, what="a sweep run by the beat", interval=0.1)

    def kill9(self) -> None:
        """kill -9 every worker (with its pool); beats keep running."""
        for worker in self.workers:
            worker.kill9()

    def restart(self, *, timeout: float = 60) -> None:
        for worker in self.workers:
            worker.stop()
        self.start(workers=len(self.workers), beats=len(self.beats), timeout=timeout)

    def flush_redis(self) -> None:
        """Wipe the topology's Redis database: queues, the schedule and the beat's lock."""
        self.redis.flushdb()

    def stop(self) -> None:
        """Kill every process at once: at teardown there is nothing left to finish, and the
        database and Redis are cleaned up after them anyway."""
        for process in self.processes:
            process.kill9()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name} ---\n{p.log_text()[-4000:]}" for p in self.processes)


@contextlib.contextmanager
def celery_broker(url: str):
    """Send this process's Celery tasks (queued on commit by the services) to ``url``."""
    previous = celery_app.conf.broker_url

    def reset_pools():
        # kombu keeps its connection and producer pools in a registry of its own: empty it,
        # or the next test would draw from a pool closed here ("Acquire on closed pool").
        kombu.pools.reset()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    celery_app.conf.broker_url = url
    reset_pools()
    try:
        yield
    finally:
        reset_pools()
        celery_app.conf.broker_url = previous


@pytest.fixture
def celery_worker_process(transactional_db, smtp_server, pinned_now, tmp_path):
    """A real Celery worker and beat in subprocesses, not yet started: call ``start()``.

    They use the test database (data must be committed), a Redis database of their own that
    is flushed before and after, the ``smtp_server`` for e-mail, the ``pinned_now`` file for
    "now", and 1-second sweep and delivery intervals. Tasks this process queues on commit go
    to the same broker. Every process is stopped (its whole group) at teardown."""
    redis_url = worker_redis_url()
    log_dir = tmp_path / "celery"
    log_dir.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "DJANGO_SETTINGS_MODULE"))
    }
    env.update(
        CHARTER_ENV="test",
        CHARTER_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=database_url(),
        REDIS_URL=redis_url,
        CELERY_REDBEAT_KEY_PREFIX="charter-faults:redbeat:",
        # A killed beat's lock frees within seconds, not the production minute.
        CELERY_REDBEAT_LOCK_TIMEOUT="10",
        EMAIL_HOST=smtp_server.host,
        EMAIL_PORT=str(smtp_server.port),
        EMAIL_TIMEOUT="5",
        CHARTER_SWEEP_INTERVAL="1",
        CHARTER_DELIVERY_INTERVAL="1",
        CHARTER_HEARTBEAT_INTERVAL="1",
        CHARTER_PINNED_NOW_FILE=str(pinned_now.path),
        PYTHONUNBUFFERED="1",
    )
    topology = CeleryTopology(env=env, log_dir=log_dir, redis_url=redis_url)
    topology.flush_redis()
    try:
        with celery_broker(redis_url):
            yield topology
    finally:
        topology.stop()
        topology.flush_redis()
        topology.redis.close()


@pytest.fixture
def eager_celery():
    """Tasks run in this process when queued (no broker, no worker)."""
    conf = celery_app.conf
    previous = conf.task_always_eager, conf.task_eager_propagates
    conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    conf.update(task_always_eager=previous[0], task_eager_propagates=previous[1])
