"""How fast do a worker's processes turn a full mailbox into cases; is their memory flat?

Starts a real Dovecot on a loopback port (the tests' throw-away server), fills its inbox with
N messages written straight into its Maildir (each a new customer's new e-mail with a Korean
subject and body; one in five carries a 20 kB PDF), creates its own PostgreSQL database
(dropped and made again on each run), migrates and seeds it, then starts the production
topology's reader: a Celery worker (``celery worker``, prefork, ``--concurrency`` processes)
reading the mailbox in ``--shards`` shares (``CHARTER_MAIL_SHARDS``). The script stands in for
the beat: it queues ``poll_mail`` every ``--interval`` seconds until every message is a case
(a poll finding its share busy skips it). Each second it samples the cases made, the resident
memory of the worker's pool processes and the load average; it prints them every
``--report-every`` seconds, then the rate, the pool processes' peak memory and CPU time.

    CHARTER_ENV=test DATABASE_URL=postgres://postgres@127.0.0.1:5432/charter \\
    REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/mail.py [--messages 10000]

The Redis database given is flushed (the broker; the acknowledgements' delivery tasks are
routed to a queue no worker reads: ``bench/mail_worker.py``): give it one of its own. Only the
server of DATABASE_URL is used; the database is ``--database`` (``charter_bench_mail``).
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"0" * 20_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=2, help="the worker's processes")
    parser.add_argument("--shards", type=int, default=2, help="CHARTER_MAIL_SHARDS")
    parser.add_argument("--threads", type=int, default=4, help="CHARTER_MAIL_THREADS")
    parser.add_argument("--batch", type=int, default=50, help="CHARTER_MAIL_BATCH")
    parser.add_argument("--per-poll", type=int, default=2_000, help="CHARTER_MAIL_MAX_PER_POLL")
    parser.add_argument(
        "--interval", type=int, default=5, help="seconds between polls (CHARTER_MAIL_POLL_INTERVAL)"
    )
    parser.add_argument("--report-every", type=float, default=10, help="seconds")
    parser.add_argument("--max-seconds", type=float, default=1800, help="give up after")
    parser.add_argument("--database", default="charter_bench_mail")
    return parser.parse_args()


def rss_mib(pid: int) -> float:
    pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def fill(dovecot, count: int) -> None:
    """Write ``count`` messages into the user's Maildir, as a delivery agent would."""
    from tests.requests_desk.mail.dovecot import USER
    from tests.requests_desk.mail.support import email_bytes

    maildir = dovecot.home / "mail" / USER
    with dovecot.mailbox():  # the first login makes the Maildir
        pass
    owner = maildir.stat()
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(exist_ok=True)
    for n in range(count):
        raw = email_bytes(
            sender=f"고객 {n} <customer{n}@org{n % 97}.example>",
            subject=f"[벤치] 시세 수신 지연 문의 {n}",
            body="오늘 오전부터 시세 수신이 지연됩니다. 확인 부탁드립니다.\n" * 5,
            attachments=[("screen.pdf", PDF, "application/pdf")] if n % 5 == 0 else [],
        )
        path = maildir / "new" / f"{1_700_000_000 + n}.M{n}P1.bench"
        path.write_bytes(raw)
        os.chown(path, owner.st_uid, owner.st_gid)


class Worker:
    """``celery worker`` on the bench's database and broker, in its own process group."""

    def __init__(self, args: argparse.Namespace, env: dict[str, str], log: Path) -> None:
        self.log = log
        celery = Path(sys.executable).with_name("celery")
        argv = [str(celery), "-A", "bench.mail_worker", "worker", "--loglevel=INFO"]
        argv += ["--pool=prefork", f"--concurrency={args.concurrency}"]
        argv += ["--without-gossip", "--without-mingle", "--hostname=bench-mail@%h"]
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the worker died:\n{self.log.read_text()[-3000:]}")
            if " ready." in self.log.read_text(errors="replace"):
                return
            time.sleep(0.2)
        raise SystemExit(f"the worker did not start:\n{self.log.read_text()[-3000:]}")

    def pool(self) -> list[int]:
        return children(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def worker_env(args, dovecot, database_url: str, private: Path) -> dict[str, str]:
    env = {**os.environ, **{k: str(v) for k, v in dovecot.settings().items()}}
    env.update(
        CHARTER_ENV="test",
        DATABASE_URL=database_url,
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
        CHARTER_VAR_DIR=str(private / "var"),
        CHARTER_PRIVATE_MEDIA_ROOT=str(private / "media"),
        CHARTER_MAIL_IMAP_SSL="false",
        CHARTER_MAIL_IMAP_FOLDERS="INBOX",
        CHARTER_MAIL_MAILDIR="",
        CHARTER_MAIL_POLL_INTERVAL=str(args.interval),
        CHARTER_MAIL_SHARDS=str(args.shards),
        CHARTER_MAIL_THREADS=str(args.threads),
        CHARTER_MAIL_BATCH=str(args.batch),
        CHARTER_MAIL_MAX_PER_POLL=str(args.per_poll),
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def main() -> None:
    args = parse_args()
    if os.environ.get("CHARTER_ENV") != "test" or "REDIS_URL" not in os.environ:
        raise SystemExit("run with CHARTER_ENV=test, DATABASE_URL and REDIS_URL (see --help)")
    from bench.sweep import create_database, timed

    database_url = create_database(
        os.environ["DATABASE_URL"], args.database, os.environ.get("CHARTER_BENCH_TEMPLATE")
    )
    os.environ.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="charter_portal.settings")

    import django

    django.setup()
    import redis
    from django.core.management import call_command

    from bench.mail_worker import app
    from requests_desk.models import InboundMessage, Request
    from tests.requests_desk.mail.dovecot import Dovecot

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    timed("migrate", lambda: call_command("migrate", verbosity=0))
    timed("seed_charter", lambda: call_command("seed_charter", verbosity=0))
    dovecot = Dovecot()
    private = Path(tempfile.mkdtemp(prefix="charter-bench-mail-"))
    worker = None
    try:
        timed("start Dovecot", dovecot.start)
        timed(
            f"write {args.messages:,} messages into its Maildir",
            lambda: fill(dovecot, args.messages),
        )
        worker = Worker(args, worker_env(args, dovecot, database_url, private), private / "w.log")
        timed(f"start the worker ({args.concurrency} processes)", worker.wait_ready)
        pool = worker.pool()
        rss_before = {pid: rss_mib(pid) for pid in pool}
        cpu_before = sum(cpu_seconds(pid) for pid in pool)
        print(
            f"{args.shards} shares, {args.threads} threads each, batches of {args.batch}, "
            f"{args.per_poll:,} a share a poll, a poll every {args.interval} s; pool "
            f"processes' resident memory before: "
            + ", ".join(f"{mib:.1f}" for mib in rss_before.values())
            + " MiB",
            flush=True,
        )
        print(f"{'s':>6} {'cases':>7} {'/s':>6}  {'pool RSS, MiB':<18} load", flush=True)
        began = last_poll = last_report = time.monotonic()
        app.send_task("requests_desk.tasks.poll_mail")
        done, loads, peak, cpu, last_done = 0, [], dict(rss_before), cpu_before, 0
        cpus: dict[int, float] = {}
        while done < args.messages and time.monotonic() - began < args.max_seconds:
            time.sleep(1)
            now = time.monotonic()
            if now - last_poll >= args.interval:
                app.send_task("requests_desk.tasks.poll_mail")
                last_poll = now
            done = InboundMessage.objects.count()
            loads.append(load_average())
            pool = worker.pool()
            rss = {pid: rss_mib(pid) for pid in pool}
            for pid, mib in rss.items():
                peak[pid] = max(peak.get(pid, 0), mib)
            cpus = {pid: cpu_seconds(pid) for pid in pool}
            cpu = sum(cpus.values())
            if now - last_report >= args.report_every or done >= args.messages:
                rate = (done - last_done) / (now - last_report)
                print(
                    f"{now - began:6.0f} {done:7,d} {rate:6.1f}  "
                    f"{' '.join(f'{mib:6.1f}' for mib in rss.values()):<18} {loads[-1]:.2f}",
                    flush=True,
                )
                last_report, last_done = now, done
        total = time.monotonic() - began
        assert done == args.messages, f"{done:,} of {args.messages:,} read in {total:.0f} s"
        assert Request.objects.filter(channel="email").count() == args.messages
        assert InboundMessage.objects.filter(outcome="new_case").count() == args.messages
        print(
            f"\n{args.messages:,} messages → {args.messages:,} cases in {total:.1f} s: "
            f"**{args.messages / total:.1f} messages/s**, {args.concurrency} processes "
            f"(CPU s each: {', '.join(f'{s:.0f}' for s in cpus.values())}); the pool's CPU time "
            f"{(cpu - cpu_before) / args.messages * 1000:.1f} ms a message (PostgreSQL's not "
            f"counted); load average {min(loads):.1f}–{max(loads):.1f} "
            f"(mean {sum(loads) / len(loads):.1f})",
            flush=True,
        )
        print(
            "pool processes' resident memory, before / at most: "
            + "; ".join(
                f"{rss_before.get(pid, 0):.1f} / {peak[pid]:.1f} MiB" for pid in sorted(peak)
            ),
            flush=True,
        )
        if not dovecot.unseen():
            print("every message is marked read on the server", flush=True)
    finally:
        if worker is not None:
            worker.stop()
        dovecot.close()
        shutil.rmtree(private, ignore_errors=True)


if __name__ == "__main__":
    main()
