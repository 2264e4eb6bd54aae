"""How fast is the sweep over a million running clocks, and how soon does a due reminder arrive?

Creates its own PostgreSQL database (dropped and made again on each run), migrates and seeds it,
and generates the clocks with ``INSERT … SELECT … FROM generate_series`` as shifted copies of
one real clock (a 60-minute, round-the-clock commitment: reminders at 30 and 48 minutes), so
every generated clock is one the clock services could have written. Then it measures:

1. an idle sweep over N running clocks, none due (median of several runs);
2. a sweep with 100 clocks due, and one with 10,000 due: time until every due step is written
   to the outbox (events, outbox rows, moved ``next_action_at``, tasks queued on commit);
   with ``--parallel N``, the 10,000 swept by N processes at once, as a worker shares them;
3. under the real Celery topology — a worker and a beat as subprocesses with their default
   10-second intervals, a Redis broker, an aiosmtpd server in this process — the time from
   the instant 100 clocks fall due together to the SMTP server receiving each reminder.

Run from the checkout; the Redis database given is flushed, so give it one of its own:

    CHARTER_ENV=test DATABASE_URL=postgres://postgres@127.0.0.1:5432/charter \\
    REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/sweep.py [--clocks 1000000]

Only the server of DATABASE_URL is used; the database is ``--database`` (``charter_bench``).
"""

import argparse
import logging
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MINUTE = timedelta(minutes=1)
SHIFTED = ("created_at", "started_at", "due_at", "next_action_at", "updated_at")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clocks", type=int, default=1_000_000, help="running clocks, not due")
    parser.add_argument("--due", type=int, default=10_000, help="clocks due at once (case 2)")
    parser.add_argument("--latency-clocks", type=int, default=100)
    parser.add_argument("--runs", type=int, default=11, help="idle sweeps to take the median of")
    parser.add_argument("--database", default="charter_bench")
    parser.add_argument("--timeout", type=float, default=180, help="for the latency case, s")
    parser.add_argument(
        "--no-latency", action="store_true", help="skip the Celery latency case (3)"
    )
    parser.add_argument(
        "--parallel",
        type=int,
        default=1,
        metavar="N",
        help="sweep the due clocks with N processes at once, as a worker shares a backlog",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="profile the sweep of the due clocks (cProfile); print its N costliest functions",
    )
    return parser.parse_args()


def create_database(server_url: str, name: str, template: str | None = None) -> str:
    """Drop and create ``name`` on the server of ``server_url``; return its URL.

    ``template``: a database of the same server, already migrated and seeded, to copy
    (``CREATE DATABASE … TEMPLATE``), so that the migrate and ``seed_charter`` that follow
    find nothing to do. The scripts take it from ``CHARTER_BENCH_TEMPLATE``, which the test
    suite sets to a copy of its freshly set-up test database; by hand, leave it unset."""
    import psycopg2

    parts = urllib.parse.urlsplit(server_url)
    admin = psycopg2.connect(urllib.parse.urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(
            f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        )
    admin.close()
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def timed(what: str, action):
    began = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - began
    print(f"{what:<58} {elapsed:9.3f} s", flush=True)
    return result, elapsed


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        from django.db import connection

        self.args, self.connection = args, connection
        self.base = datetime.now().astimezone().replace(microsecond=0)
        self.template = self._template_clock()

    def _template_clock(self):
        """One clock started through the services: the row every generated clock copies."""
        from django.contrib.auth import get_user_model

        from commitments.deadlines import deadline_start
        from commitments.models import Calendar, Commitment, Division, StaffProfile, Team

        user_model = get_user_model()
        head = user_model.objects.create(username="bench-head", email="head@example.com")
        manager = user_model.objects.create(username="bench-manager", email="manager@example.com")
        owner = user_model.objects.create(username="bench-owner", email="owner@example.com")
        for user in (head, manager, owner):
            StaffProfile.objects.create(user=user, notify_by_email=True)
        division = Division.objects.create(
            code="bench",
            name_ko="벤치 본부",
            name_en="Bench Head Office",
            calendar=Calendar.objects.get(code="kr-public"),
            head=head,
        )
        team = Team.objects.create(
            code="bench-team", name_ko="벤치 팀", name_en="Bench team", division=division
        )
        team.manager = manager
        team.save()
        commitment = Commitment.objects.create(
            code="bench.hourly",
            title_ko="벤치 약속",
            title_en="Bench commitment",
            promise_ko="한 시간 안에 답합니다.",
            promise_en="We answer within the hour.",
            division=division,
            target_kind="elapsed",
            target_minutes=60,
            reminder_percents=[50, 80],
            escalation_levels=2,
            stop_purposes=["feasibility"],
        )
        clock = deadline_start(
            commitment=commitment,
            subject_type="bench",
            subject_id="template",
            started_at=self.base,
            owner=owner,
            team=team,
            division=division,
            now=self.base,
        )
        # The template itself takes no part in the sweep.
        type(clock).objects.filter(pk=clock.pk).update(next_action_at=None, state="cancelled")
        return clock

    def generate(self, *, count: int, tag: str, first_reminder: datetime, spacing: float) -> int:
        """``count`` copies of the template whose first reminder (30 min after start) falls at
        ``first_reminder`` and every ``spacing`` seconds after it."""
        from commitments.models import Deadline

        table = Deadline._meta.db_table
        columns = [f.column for f in Deadline._meta.concrete_fields if f.column != "id"]
        shift = first_reminder - self.template.next_action_at
        select = []
        for column in columns:
            if column == "next_action_at":  # the template's own is cleared (see above)
                select.append("tpl.started_at + %(lead)s + %(shift)s + (g - 1) * %(spacing)s")
            elif column in SHIFTED:
                select.append(f"tpl.{column} + %(shift)s + (g - 1) * %(spacing)s")
            elif column == "subject_id":
                select.append("%(tag)s || g")
            elif column == "subject_label":
                select.append("'Bench case ' || %(tag)s || g")
            elif column == "state":
                select.append("'running'")
            else:
                select.append(f"tpl.{column}")
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"SELECT {', '.join(select)} FROM {table} AS tpl, generate_series(1, %(count)s) AS g "
            "WHERE tpl.id = %(template)s"
        )
        with self.connection.cursor() as cursor:
            cursor.execute(
                sql,
                {
                    "shift": shift,
                    "lead": self.template.next_action_at - self.template.started_at,
                    "spacing": timedelta(seconds=spacing),
                    "tag": f"{tag}-",
                    "count": count,
                    "template": self.template.pk,
                },
            )
            return cursor.rowcount

    def analyze(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE commitments_deadline")

    def sweep_all(self, *, now: datetime) -> int:
        """Sweep at ``now`` until nothing is due; the number of steps taken."""
        from notifications.sweep import sweep

        steps = 0
        while True:
            taken = sweep(now=now).steps_recorded
            steps += taken
            if not taken:
                return steps

    def sweep_all_parallel(self, *, now: datetime, processes: int) -> tuple[int, float, str]:
        """Sweep at ``now`` with ``processes`` forked processes at once, each until nothing is
        due, as the worker's processes share a backlog (``notifications.tasks.sweep_backlog``);
        timed from the first start to the last end. The steps taken, and the processes' CPU
        and WAL summed."""
        import multiprocessing

        context = multiprocessing.get_context("fork")
        # Every process connected before any starts: the clock starts with the barrier's release.
        start, reports = context.Barrier(processes + 1), context.Queue()
        wal_before = self.costs()[2]
        self.connection.close()  # each process opens its own

        def run() -> None:
            self.connection.ensure_connection()
            start.wait()
            began, before = time.perf_counter(), self.costs()
            steps = self.sweep_all(now=now)
            ended = time.perf_counter()
            python, server, _wal = (a - b for a, b in zip(self.costs(), before, strict=True))
            reports.put((began, ended, steps, python, server))
            self.connection.close()

        workers = [context.Process(target=run) for _ in range(processes)]
        for worker in workers:
            worker.start()
        start.wait(timeout=60)
        results = [reports.get(timeout=3600) for _ in workers]
        for worker in workers:
            worker.join()
        elapsed = max(r[1] for r in results) - min(r[0] for r in results)
        steps = sum(r[2] for r in results)
        wal = self.costs()[2] - wal_before
        each = ", ".join(f"{r[2]:,}" for r in results)
        costs = (
            f"CPU {sum(r[3] for r in results):.2f} s in Python, "
            f"{sum(r[4] for r in results):.2f} s in PostgreSQL (all processes); "
            f"WAL {wal / 1e6:.1f} MB; steps per process {each}"
        )
        print(f"{processes} processes: first start to last end {elapsed:.3f} s", flush=True)
        return steps, elapsed, costs

    def costs(self) -> tuple[float, float, int]:
        """CPU seconds so far of this process and of its PostgreSQL backend (from ``/proc``:
        the server runs on this machine), and the server's WAL position in bytes: robust where
        the wall time follows the machine's load."""
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid(), pg_current_wal_lsn() - '0/0'")
            backend, wal = cursor.fetchone()
        try:
            with open(f"/proc/{backend}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            server = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:  # a server elsewhere
            server = float("nan")
        return time.process_time(), server, int(wal)

    def costs_since(self, before: tuple[float, float, int]) -> str:
        python, server, wal = (now - then for now, then in zip(self.costs(), before, strict=True))
        return f"CPU {python:.2f} s in Python, {server:.2f} s in PostgreSQL; WAL {wal / 1e6:.1f} MB"


def measure_latency(bench: Bench, args: argparse.Namespace, env: dict[str, str]) -> list[float]:
    """Start a worker and a beat, let 100 clocks fall due together, time each arrival."""
    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # one line per SMTP command
    arrivals: list[float] = []
    arrived = threading.Condition()

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            with arrived:
                arrivals.append(time.time())
                arrived.notify_all()
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    env = {**env, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port)}
    logs = Path(os.environ.get("TMPDIR", "/tmp")) / "charter-bench"
    logs.mkdir(exist_ok=True)
    processes = []
    try:
        for role in ("worker", "beat"):
            with (logs / f"{role}.log").open("wb") as log:
                processes.append(
                    subprocess.Popen(
                        [
                            str(ROOT / ".venv/bin/celery"),
                            "-A",
                            "charter_portal",
                            role,
                            "-l",
                            "INFO",
                        ],
                        cwd=ROOT,
                        env=env,
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        _wait_for_text(logs / "worker.log", " ready.", timeout=60)
        due = datetime.now().astimezone() + timedelta(seconds=15)
        bench.generate(count=args.latency_clocks, tag="latency", first_reminder=due, spacing=0)
        print(f"{args.latency_clocks} clocks fall due at {due:%H:%M:%S}; waiting", flush=True)
        with arrived:
            if not arrived.wait_for(
                lambda: len(arrivals) >= args.latency_clocks, timeout=args.timeout
            ):
                raise SystemExit(f"only {len(arrivals)} e-mails arrived; logs in {logs}")
        return [arrival - due.timestamp() for arrival in arrivals]
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        controller.stop()


def _wait_for_text(path: Path, text: str, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise SystemExit(f"{path} never said {text!r}")


def main() -> None:
    args = parse_args()
    if os.environ.get("CHARTER_ENV") != "test" or "REDIS_URL" not in os.environ:
        raise SystemExit("run with CHARTER_ENV=test, DATABASE_URL and REDIS_URL (see --help)")
    os.environ.pop("CHARTER_PINNED_NOW_FILE", None)
    database_url = create_database(
        os.environ["DATABASE_URL"], args.database, os.environ.get("CHARTER_BENCH_TEMPLATE")
    )
    os.environ.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="charter_portal.settings")

    import django

    django.setup()
    import redis
    from django.core.management import call_command
    from django.db import connection

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    began = time.perf_counter()
    timed("migrate", lambda: call_command("migrate", verbosity=0))
    timed("seed_charter", lambda: call_command("seed_charter", verbosity=0))
    bench = Bench(args)
    far = bench.base + timedelta(days=1)  # later than anything the bench sweeps at
    _, generation = timed(
        f"generate {args.clocks:,} running clocks (generate_series)",
        lambda: bench.generate(count=args.clocks, tag="idle", first_reminder=far, spacing=1),
    )
    timed("VACUUM ANALYZE", bench.analyze)
    print(f"database ready in {time.perf_counter() - began:.1f} s", flush=True)

    now = bench.base
    idle = []
    for _ in range(args.runs):
        _, elapsed = timed(
            f"idle sweep over {args.clocks:,} clocks", lambda: bench.sweep_all(now=now)
        )
        idle.append(elapsed)

    bench.generate(count=100, tag="due100", first_reminder=now - 5 * MINUTE, spacing=1)
    before = bench.costs()
    steps100, due100 = timed("sweep with 100 due", lambda: bench.sweep_all(now=now))
    assert steps100 == 100, steps100
    costs100 = bench.costs_since(before)

    # Reminder-50s spread over the last ~17 minutes: all due, none overtaken by reminder-80.
    spacing = min(1.0, 1000 / args.due)
    bench.generate(count=args.due, tag="due", first_reminder=now - 17 * MINUTE, spacing=spacing)
    bench.analyze()
    if args.profile and args.parallel > 1:
        raise SystemExit("--profile profiles one process: leave out --parallel")
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    if args.parallel > 1:
        steps_due, due_many, costs_many = bench.sweep_all_parallel(now=now, processes=args.parallel)
    else:
        before = bench.costs()
        steps_due, due_many = timed(
            f"sweep with {args.due:,} due, until all written", lambda: bench.sweep_all(now=now)
        )
        costs_many = bench.costs_since(before)
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)
    assert steps_due == args.due, steps_due
    from notifications.models import Notification

    written = Notification.objects.count()
    print(f"outbox rows written: {written:,}")

    # The latency case starts from an empty outbox and an empty broker, and the clocks swept
    # above (whose next reminders fall due in real time now) stand aside.
    Notification.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE commitments_deadline SET next_action_at = NULL "
            "WHERE subject_id LIKE 'due%' AND next_action_at IS NOT NULL"
        )
    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    connection.close()
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    latencies = [] if args.no_latency else measure_latency(bench, args, env)
    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()  # the beat's schedule, leftovers

    print()
    print(
        f"machine: {os.cpu_count()} CPUs, {datetime.now():%Y-%m-%d}, "
        f"Python {sys.version.split()[0]}"
    )
    print(f"generation of {args.clocks:,} clocks: {generation:.1f} s")
    print(
        f"idle sweep over {args.clocks:,}: median {statistics.median(idle) * 1000:.1f} ms "
        f"(min {min(idle) * 1000:.1f}, max {max(idle) * 1000:.1f}; {args.runs} runs)"
    )
    print(f"sweep with 100 due: {due100 * 1000:.0f} ms ({costs100})")
    by = f" by {args.parallel} processes" if args.parallel > 1 else ""
    print(
        f"sweep with {args.due:,} due{by}: {due_many:.2f} s ({written:,} outbox rows; {costs_many})"
    )
    if latencies:
        print(
            f"due → SMTP over {len(latencies)} clocks: median "
            f"{statistics.median(latencies):.2f} s, p99 {percentile(latencies, 0.99):.2f} s, "
            f"max {max(latencies):.2f} s"
        )
    print(f"load average: {' / '.join(f'{value:.2f}' for value in os.getloadavg())}")


if __name__ == "__main__":
    main()
