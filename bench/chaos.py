"""A chaos run anyone can repeat: the production topology on 127.0.0.1, faults injected while
customers and staff write, then the invariants checked.

It starts, all of its own in a temporary directory:

- a PostgreSQL cluster (``initdb`` + ``pg_ctl``; as the ``postgres`` user when run as root),
- a ``redis-server`` (no persistence: a restart comes back empty, i.e. flushed),
- an aiosmtpd sink in this process that can answer 4xx, 5xx or slowly,
- gunicorn (gthread), one Celery worker and two Celery beats (``CHARTER_ENV=production``),
  each restarted by this script one second after it dies (as ``restart: unless-stopped`` does).

Then for ``--seconds`` it drives homepage complaints (``POST /api/v1/public/complaints/``), desk
requests (``POST /api/v1/requests/`` with a token) and clocks falling due (copies of one real
clock whose first reminder falls within the run), and injects a fault every ``--fault-every``
seconds, in turn: kill -9 of the worker, of a beat, of gunicorn; Redis stopped for
``--redis-outage`` seconds (it comes back empty) or flushed; PostgreSQL restarted; the SMTP sink
answering 451, 550 or slowly for a while. ``/healthz`` is polled throughout.

After the faults it lets the system settle (failed messages are retried as an admin would) and
checks: every 2xx write is stored; every reminder that fell due is recorded exactly once; every
message reached the SMTP sink at least once (duplicates counted, and bounded by the messages
that were attempted more than once); ``/healthz`` was red during every Redis outage and is green
at the end. It prints a JSON report and exits 1 if an invariant fails.

    .venv/bin/python bench/chaos.py --seconds 600            # the full run (bench/README.md)
    .venv/bin/python bench/chaos.py --seconds 100 --redis-outage 6   # what ``make test`` runs
"""

import argparse
import asyncio
import contextlib
import email
import json
import logging
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)
SECRET = "chaos-" + "k" * 58
HEARTBEAT = 2  # s: the worker's heartbeat and the beat's tick; /healthz allows three periods

log = logging.getLogger("chaos")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600, help="how long faults go on")
    parser.add_argument("--fault-every", type=float, default=4.0, help="seconds between faults")
    parser.add_argument("--redis-outage", type=float, default=15.0, help="seconds Redis is down")
    parser.add_argument("--clocks", type=int, default=0, help="clocks falling due (0: 2 per s)")
    parser.add_argument("--writers", type=int, default=2, help="threads posting complaints")
    parser.add_argument("--settle", type=float, default=240, help="max seconds to settle")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--copy-of",
        metavar="URL",
        help="start from a copy (pg_dump) of this database, already migrated and seeded, "
        "instead of migrating an empty one (the test suite passes a copy of its own)",
    )
    return parser.parse_args(argv)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            result = predicate()
            if result:
                return result
        time.sleep(interval)
    raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")


# --- PostgreSQL and Redis of the run's own ----------------------------------------------------


def outbox_row(message_id: str) -> int | None:
    """The outbox row a Message-ID names: ``<notification.N@…>``, or ``<request-42.nN@…>`` for
    a message about a request."""
    found = re.match(r"<(?:notification\.|[A-Za-z0-9-]+\.n)(\d+)@", message_id)
    return int(found[1]) if found else None


class Postgres:
    def __init__(self, directory: Path) -> None:
        self.directory, self.port = directory, free_port()
        self.data = directory / "pgdata"
        self.as_root = os.geteuid() == 0

    def _run(self, *argv: str) -> None:
        command = [str(PG_BIN / argv[0]), *argv[1:]]
        if self.as_root:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self.data.mkdir(parents=True)
        if self.as_root:
            shutil.chown(self.directory, "postgres")
            shutil.chown(self.data, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "charter")

    def load(self, url: str) -> None:
        """The tables and rows of the database at ``url`` (any server) into this one's."""
        dump = subprocess.run(
            [str(PG_BIN / "pg_dump"), "--no-owner", "--no-privileges", "-d", url],
            check=True,
            capture_output=True,
            timeout=120,
        ).stdout
        subprocess.run(
            [str(PG_BIN / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-d", self.url],
            input=dump,
            check=True,
            capture_output=True,
            timeout=120,
        )

    def _options(self) -> str:
        return (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} "
            "-c fsync=off -c full_page_writes=off -c max_connections=200"
        )

    def start(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            self._options(),
            "-w",
            "-l",
            str(self.directory / "postgres.log"),
            "start",
        )

    def restart(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            self._options(),
            "-w",
            "-m",
            "fast",
            "-l",
            str(self.directory / "postgres.log"),
            "restart",
        )

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/charter"


class Redis:
    def __init__(self, directory: Path) -> None:
        self.directory, self.port = directory, free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        wait_until(lambda: redis.Redis(port=self.port).ping(), timeout=30, what="redis-server")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def flush(self) -> None:
        import redis

        redis.Redis(port=self.port, socket_timeout=2).flushall()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


# --- The SMTP sink ------------------------------------------------------------------------------


class Sink:
    """Keeps every accepted message's Message-ID; answers 451, 550 or slowly when told to."""

    def __init__(self) -> None:
        self.mode, self.until = "ok", 0.0
        self.received: Counter[str] = Counter()
        self.refused = Counter()
        self.lock = threading.Lock()

    def set(self, mode: str, seconds: float) -> None:
        with self.lock:
            self.mode, self.until = mode, time.monotonic() + seconds

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            mode = self.mode if time.monotonic() < self.until else "ok"
        if mode == "4xx":
            self.refused["451"] += 1
            return "451 4.3.2 Try again later"
        if mode == "5xx":
            self.refused["550"] += 1
            return "550 5.7.1 Refused for the chaos run"
        if mode == "slow":
            await asyncio.sleep(2.0)
        message = email.message_from_bytes(envelope.content)
        with self.lock:
            self.received[str(message.get("Message-ID", "")).strip()] += 1
        return "250 2.0.0 OK"


# --- The portal's processes, kept running -------------------------------------------------------


class Process:
    def __init__(self, name: str, argv: list[str], env: dict, logfile: Path) -> None:
        self.name, self.argv, self.env, self.logfile = name, argv, env, logfile
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        with self.logfile.open("ab") as out:
            self.process = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill9(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


class Supervisor(threading.Thread):
    """Restarts a dead process after a second, as ``restart: unless-stopped`` does."""

    def __init__(self, processes: list[Process]) -> None:
        super().__init__(daemon=True)
        self.processes, self.stopping = processes, threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(0.5):
            for process in self.processes:
                if not process.running:
                    time.sleep(1.0)
                    if not self.stopping.is_set():
                        process.start()

    def stop(self) -> None:
        self.stopping.set()
        for process in self.processes:
            process.kill9()


# --- The run ------------------------------------------------------------------------------------


class Run:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.random = random.Random(args.seed)
        self.dir = Path(tempfile.mkdtemp(prefix="charter-chaos-"))
        os.chmod(self.dir, 0o755)
        self.pg, self.redis, self.sink = Postgres(self.dir / "pg"), Redis(self.dir), Sink()
        self.web_port = free_port()
        self.base = f"http://127.0.0.1:{self.web_port}"
        self.faults: Counter[str] = Counter()
        self.answers: Counter[str] = Counter()
        self.complaints: list[str] = []  # tracking codes answered 201
        self.requests: list[int] = []  # desk request ids answered 201
        self.health: list[tuple[float, int, str]] = []
        self.outages: list[tuple[float, float]] = []
        self.stopping = threading.Event()
        self.lock = threading.Lock()

    # -- setting up

    def env(self) -> dict[str, str]:
        keep = {"PATH", "HOME", "LANG", "TMPDIR", "LC_ALL", "TZ"}
        env = {k: v for k, v in os.environ.items() if k in keep}
        env.update(
            CHARTER_ENV="production",
            SECRET_KEY=SECRET,
            DATABASE_URL=self.pg.url,
            REDIS_URL=self.redis.url,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SITE_URL=self.base,
            SECURE_SSL_REDIRECT="false",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(self.smtp_port),
            EMAIL_TIMEOUT="10",
            SMS_BACKEND="file",
            CHARTER_VAR_DIR=str(self.dir / "var"),
            # The writers are a handful of clients sending far more than a person would.
            CHARTER_API_USER_RATE="1000000/minute",
            CHARTER_API_ANON_RATE="1000000/minute",
            CHARTER_SWEEP_INTERVAL="2",
            CHARTER_DELIVERY_INTERVAL="2",
            CHARTER_HEARTBEAT_INTERVAL=str(HEARTBEAT),
            CELERY_REDBEAT_LOCK_TIMEOUT="10",
            NOTIFICATION_RETRY_BASE_SECONDS="2",
            NOTIFICATION_RETRY_CAP_SECONDS="10",
            NOTIFICATION_MAX_ATTEMPTS="30",
            # A send cut off by kill -9 is taken back after this long (production: 10 min).
            CELERY_TASK_TIME_LIMIT="30",
            CELERY_TASK_SOFT_TIME_LIMIT="25",
            NOTIFICATION_SENDING_TIMEOUT_SECONDS="40",
            CHARTER_PUBLIC_PER_IP_HOUR="1000000",
            CHARTER_PUBLIC_PER_IP_DAY="1000000",
            CHARTER_PUBLIC_PER_EMAIL_HOUR="1000000",
            CHARTER_PUBLIC_PER_EMAIL_DAY="1000000",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
        )
        return env

    def setup(self) -> None:
        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.smtp_port = free_port()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.smtp_port)
        self.controller.start()
        began = time.monotonic()
        self.pg.init()
        if self.args.copy_of:
            self.pg.load(self.args.copy_of)
        self.redis.start()
        env = self.env()
        os.environ.update(env, DJANGO_SETTINGS_MODULE="charter_portal.settings")
        import django

        django.setup()
        log.setLevel(logging.INFO)  # the portal's settings set the root logger to WARNING
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("seed_charter", verbosity=0)
        self.token = self._desk_user()
        log.info("database ready in %.0f s", time.monotonic() - began)
        celery = str(BIN / "celery")
        logs = self.dir
        self.web = Process(
            "web",
            [
                str(BIN / "gunicorn"),
                "charter_portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "--workers",
                "2",
                "--worker-class",
                "gthread",
                "--threads",
                "4",
                "--timeout",
                "60",
            ],
            env,
            logs / "web.log",
        )
        self.worker = Process(
            "worker",
            [
                celery,
                "-A",
                "charter_portal",
                "worker",
                "-l",
                "WARNING",
                "--concurrency=2",
                "--without-gossip",
                "--without-mingle",
            ],
            env,
            logs / "worker.log",
        )
        self.beats = [
            Process(
                f"beat{n}",
                [
                    celery,
                    "-A",
                    "charter_portal",
                    "beat",
                    "-l",
                    "INFO",
                    "--max-interval=2",
                    f"--schedule={logs / f'beat{n}.db'}",
                ],
                env,
                logs / f"beat{n}.log",
            )
            for n in (1, 2)
        ]
        self.processes = [self.web, self.worker, *self.beats]
        for process in self.processes:
            process.start()
        self.supervisor = Supervisor(self.processes)
        self.supervisor.start()
        wait_until(lambda: self._get("/healthz")[0] == 200, timeout=180, what="a green /healthz")
        self._clocks()  # their first reminders fall due from now on, through the faults
        self.setup_seconds = time.monotonic() - began
        log.info("topology up in %.0f s (logs in %s)", self.setup_seconds, self.dir)

    def _desk_user(self) -> str:
        from django.contrib.auth import get_user_model
        from rest_framework.authtoken.models import Token

        from commitments.models import Team

        user = get_user_model().objects.create_user(
            "chaos-staff", email="chaos-staff@example.com", password=SECRET, is_staff=True
        )
        Team.objects.get(code="net-support").members.add(user)
        return Token.objects.create(user=user).key

    def _clocks(self) -> None:
        """Copies of one real clock whose first reminder falls due during the run."""
        from bench.sweep import Bench

        bench = Bench(argparse.Namespace())
        count = self.args.clocks or int(self.args.seconds * 2)
        self.clock_start = datetime.now().astimezone() + timedelta(seconds=10)
        spacing = self.args.seconds / max(count, 1)
        bench.generate(count=count, tag="chaos", first_reminder=self.clock_start, spacing=spacing)
        self.clock_count = count

    # -- driving

    def _request(
        self, method: str, path: str, body=None, token: str | None = None, timeout: float = 30
    ):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Token {token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")
        except (OSError, urllib.error.URLError) as exc:
            return 0, exc.__class__.__name__

    def _get(self, path: str, timeout: float = 30):
        return self._request("GET", path, timeout=timeout)

    def write_complaints(self, n: int) -> None:
        i = 0
        while not self.stopping.is_set():
            i += 1
            status, body = self._request(
                "POST",
                "/api/v1/public/complaints/",
                {
                    "name": "카오스",
                    "organisation": "Chaos Securities",
                    "email": f"chaos{n}-{i}@example.com",
                    "phone": "",
                    "category": "inquiry",
                    "subject": f"chaos {n}-{i}",
                    "message": "시세가 늦습니다.",
                    "consent": True,
                },
            )
            with self.lock:
                self.answers[f"complaint {status}"] += 1
                if status == 201:
                    self.complaints.append(json.loads(body)["tracking_code"])
            time.sleep(0.2)

    def write_requests(self) -> None:
        i = 0
        while not self.stopping.is_set():
            i += 1
            status, body = self._request(
                "POST",
                "/api/v1/requests/",
                {
                    "kind": "modification",
                    "channel": "email",
                    "division": "infrastructure",
                    "customer": {
                        "name": "Desk Chaos",
                        "organisation": "Chaos Securities",
                        "email": f"desk{i}@example.com",
                    },
                    "subject": f"desk chaos {i}",
                    "body": "Please add the ISIN column.",
                },
                token=self.token,
            )
            with self.lock:
                self.answers[f"request {status}"] += 1
                if status == 201:
                    self.requests.append(json.loads(body)["id"])
            time.sleep(0.3)

    def probe_health(self) -> None:
        while not self.stopping.is_set():
            at = time.monotonic()  # the instant probed (a slow answer still tells of it)
            status, body = self._get("/healthz", timeout=5)
            reason = ""
            with contextlib.suppress(ValueError, TypeError):
                reason = json.loads(body).get("reason") or ""
            with self.lock:
                self.health.append((at, status, reason))
            time.sleep(0.5)

    # -- faults

    FAULTS = (
        "kill worker",
        "kill beat",
        "redis outage",
        "kill web",
        "smtp 4xx",
        "postgres restart",
        "kill worker",
        "redis flush",
        "kill beat",
        "smtp slow",
        "kill web",
        "kill worker",
        "smtp 5xx",
    )

    def inject(self, kind: str) -> None:
        if kind == "kill worker":
            self.worker.kill9()
        elif kind == "kill beat":
            self.random.choice(self.beats).kill9()
        elif kind == "kill web":
            self.web.kill9()
        elif kind == "smtp 4xx":
            self.sink.set("4xx", 8)
        elif kind == "smtp 5xx":
            self.sink.set("5xx", 3)
        elif kind == "smtp slow":
            self.sink.set("slow", 8)
        elif kind == "redis flush":
            self.redis.flush()
        elif kind == "postgres restart":
            self.pg.restart()
        elif kind == "redis outage":
            began = time.monotonic()
            self.redis.stop()
            time.sleep(self.args.redis_outage)
            self.redis.start()
            self.outages.append((began, time.monotonic()))
        self.faults[kind] += 1

    def chaos(self) -> None:
        end = time.monotonic() + self.args.seconds
        turn = 0
        while time.monotonic() < end:
            kind = self.FAULTS[turn % len(self.FAULTS)]
            turn += 1
            try:
                self.inject(kind)
            except Exception as exc:  # a fault that could not be injected is reported, not fatal
                log.warning("fault %s failed: %s", kind, exc)
                self.faults[f"{kind} (failed)"] += 1
            log.info("fault %d: %s", sum(self.faults.values()), kind)
            time.sleep(self.args.fault_every)

    # -- checking

    def settle_and_check(self) -> dict:
        from django.db import close_old_connections
        from django.db.models import F

        from commitments.models import Deadline, DeadlineEvent
        from notifications.delivery import notification_retry
        from notifications.models import Notification, NotificationState
        from requests_desk.models import Request

        close_old_connections()
        settle_began = time.monotonic()
        settle_end = settle_began + self.args.settle
        wait_until(lambda: self._get("/healthz")[0] == 200, timeout=self.args.settle, what="green")
        # Every clock whose first reminder came due before the faults stopped.
        due_before = datetime.now().astimezone()
        chaos_clocks = Deadline.objects.filter(
            subject_type="bench", subject_id__startswith="chaos-"
        )
        first_step = timedelta(minutes=30)
        due_clocks = chaos_clocks.filter(started_at__lte=due_before - first_step)
        expected_steps = due_clocks.count()

        def reminders() -> Counter:
            # The first reminder (30 min after the start) only: the second comes 18 min later.
            events = DeadlineEvent.objects.filter(
                deadline__in=due_clocks,
                kind="reminder",
                at__lt=F("deadline__started_at") + timedelta(minutes=31),
            )
            return Counter(events.values_list("deadline_id", flat=True))

        with contextlib.suppress(RuntimeError):
            wait_until(
                lambda: len(reminders()) >= expected_steps,
                timeout=max(settle_end - time.monotonic(), 1),
                what="every due reminder recorded",
            )
        recorded = reminders()

        def undelivered() -> int:
            failed = list(
                Notification.objects.filter(state=NotificationState.FAILED).values_list(
                    "pk", flat=True
                )
            )
            if failed:  # what an admin does with a failed message: send it again
                notification_retry(notification_ids=failed)
            emails = Notification.objects.filter(channel="email")
            pending = emails.exclude(state=NotificationState.SENT).count()
            arrived = self.arrived_ids()
            missing = sum(1 for pk in emails.values_list("pk", flat=True) if pk not in arrived)
            return pending + missing

        with contextlib.suppress(RuntimeError):
            wait_until(
                lambda: undelivered() == 0,
                timeout=max(settle_end - time.monotonic(), 1),
                what="every message delivered",
                interval=2,
            )
        emails = Notification.objects.filter(channel="email")
        received = Counter()
        for mid, n in list(self.sink.received.items()):
            if (pk := outbox_row(mid)) is not None:
                received[pk] += n
        ids = list(emails.values_list("pk", flat=True))
        copies = {pk: received[pk] for pk in ids}
        stored_complaints = set(
            Request.objects.filter(tracking_code__in=self.complaints).values_list(
                "tracking_code", flat=True
            )
        )
        stored_requests = set(
            Request.objects.filter(pk__in=self.requests).values_list("pk", flat=True)
        )
        during_outages = [
            Counter(status for at, status, _ in self.health if began <= at <= ended)
            for began, ended in self.outages
        ]
        red_during_outage = [any(s != 200 for s in seen) for seen in during_outages]
        final_status, final_body = self._get("/healthz")
        retried = emails.filter(attempts__gt=1).count()
        duplicates = sum(n - 1 for n in copies.values() if n > 1)
        report = {
            "seconds": self.args.seconds,
            "setup_seconds": round(self.setup_seconds),
            "settle_seconds": round(time.monotonic() - settle_began),
            "faults": sum(v for k, v in self.faults.items() if "failed" not in k),
            "faults_by_kind": dict(self.faults),
            "answers": dict(sorted(self.answers.items())),
            "answers_5xx": sum(n for k, n in self.answers.items() if k.split()[-1][0] == "5"),
            "complaints_2xx": len(self.complaints),
            "complaints_lost": len(set(self.complaints) - stored_complaints),
            "requests_2xx": len(self.requests),
            "requests_lost": len(set(self.requests) - stored_requests),
            "reminders_due": expected_steps,
            "reminders_recorded": len(recorded),
            "reminders_recorded_twice": sum(1 for n in recorded.values() if n > 1),
            "messages": len(ids),
            "messages_undelivered": sum(1 for n in copies.values() if n == 0),
            "undelivered_states": dict(
                Counter(
                    emails.filter(pk__in=[pk for pk, n in copies.items() if n == 0]).values_list(
                        "state", flat=True
                    )
                )
            ),
            "messages_duplicated": duplicates,
            "messages_attempted_more_than_once": retried,
            "smtp_refused": dict(self.sink.refused),
            "process_starts": {p.name: p.starts for p in self.processes},
            "redis_outages": len(self.outages),
            "healthz_red_during_each_redis_outage": all(red_during_outage),
            "healthz_during_each_redis_outage": [dict(seen) for seen in during_outages],
            "healthz_red_samples": sum(1 for _, status, _ in self.health if status != 200),
            "healthz_reasons_seen": sorted(
                {re.sub(r"\d+", "N", r.split(" (")[0]) for _, s, r in self.health if r}
            ),
            "healthz_final": final_status,
        }
        report["ok"] = bool(
            report["complaints_lost"] == 0
            and report["requests_lost"] == 0
            and report["reminders_recorded"] == expected_steps
            and report["reminders_recorded_twice"] == 0
            and report["messages_undelivered"] == 0
            and duplicates <= retried
            and report["healthz_red_during_each_redis_outage"]
            and final_status == 200
        )
        if final_status != 200:
            report["healthz_final_body"] = final_body[:500]
        return report

    def arrived_ids(self) -> set[int]:
        """The notifications whose message reached the sink: the outbox row each Message-ID
        names (``<notification.N@…>``, or ``<request-42.nN@…>`` for one about a request)."""
        with self.sink.lock:
            ids = list(self.sink.received)
        return {pk for mid in ids if (pk := outbox_row(mid)) is not None}

    def teardown(self) -> None:
        self.stopping.set()
        with contextlib.suppress(Exception):
            self.supervisor.stop()
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        self.redis.stop()
        self.pg.stop()
        with contextlib.suppress(Exception):
            self.controller.stop()
        if not self.args.keep:
            shutil.rmtree(self.dir, ignore_errors=True)


def main(argv=None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    args = parse_args(argv)
    if PG_BIN is None:
        raise SystemExit("PostgreSQL's server binaries (/usr/lib/postgresql/*/bin) are missing")
    run = Run(args)
    try:
        run.setup()
        threads = [
            threading.Thread(target=run.write_complaints, args=(n,), daemon=True)
            for n in range(args.writers)
        ]
        threads += [
            threading.Thread(target=run.write_requests, daemon=True),
            threading.Thread(target=run.probe_health, daemon=True),
        ]
        for thread in threads:
            thread.start()
        run.chaos()
        run.stopping.set()
        for thread in threads:
            thread.join(timeout=60)
        run.stopping.clear()
        prober = threading.Thread(target=run.probe_health, daemon=True)
        prober.start()
        report = run.settle_and_check()
        run.stopping.set()
    finally:
        run.teardown()
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
