"""What one inbound e-mail costs the worker's own process: CPU milliseconds and queries a
message — figures a shared, loaded machine does not blur as much as ``bench/mail.py``'s rate.

Writes N messages like ``bench/mail.py``'s (a new customer's e-mail each, Korean subject and
body, one in five with a 20 kB PDF) into a Maildir in a temporary directory and reads it with
the poll's own :func:`~requests_desk.mail.fetch.mail_fetch` (batches of 50; ``--threads``,
one by default) in this process, on its own database (dropped and made again, migrated and seeded):

    CHARTER_ENV=test DATABASE_URL=postgres://postgres@127.0.0.1:5432/charter \\
    REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/mail_cpu.py --messages 1000

The first batch is not timed (imports, connections, caches). ``--profile FILE`` also writes a
cProfile (CPU time) of the timed batches.
"""

import argparse
import cProfile
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1000, help="timed messages")
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1, help="CHARTER_MAIL_THREADS")
    parser.add_argument("--database", default="charter_bench_mail_cpu")
    parser.add_argument("--profile", default="", help="write a cProfile here")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if os.environ.get("CHARTER_ENV") != "test" or "REDIS_URL" not in os.environ:
        raise SystemExit("run with CHARTER_ENV=test, DATABASE_URL and REDIS_URL (see --help)")
    from bench.sweep import create_database

    private = Path(tempfile.mkdtemp(prefix="charter-bench-mail-cpu-"))
    database_url = create_database(
        os.environ["DATABASE_URL"], args.database, os.environ.get("CHARTER_BENCH_TEMPLATE")
    )
    os.environ.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="charter_portal.settings",
        CHARTER_VAR_DIR=str(private / "var"),
        CHARTER_PRIVATE_MEDIA_ROOT=str(private / "media"),
        CHARTER_MAIL_THREADS=str(args.threads),
        CHARTER_MAIL_BATCH=str(args.batch),
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.mail import PDF
    from requests_desk.mail.fetch import MaildirSource, mail_fetch
    from requests_desk.models import InboundMessage
    from tests.requests_desk.mail.support import email_bytes

    call_command("migrate", verbosity=0)
    call_command("seed_charter", verbosity=0)
    maildir = private / "mail-in"
    try:
        for sub in ("new", "cur", "tmp"):
            (maildir / sub).mkdir(parents=True)
        warmup = args.batch
        for n in range(args.messages + warmup):
            raw = email_bytes(
                sender=f"고객 {n} <customer{n}@org{n % 97}.example>",
                subject=f"[벤치] 시세 수신 지연 문의 {n}",
                body="오늘 오전부터 시세 수신이 지연됩니다. 확인 부탁드립니다.\n" * 5,
                attachments=[("screen.pdf", PDF, "application/pdf")] if n % 5 == 0 else [],
            )
            (maildir / "new" / f"{1_700_000_000 + n:012d}.M{n}P1.bench").write_bytes(raw)
        source = MaildirSource(maildir)
        mail_fetch(source, limit=warmup)
        profile = cProfile.Profile(time.process_time) if args.profile else None
        began, wall = time.process_time(), time.perf_counter()
        queries = []

        def counted(execute, sql, params, many, context):
            queries.append(1)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            if profile:
                profile.enable()
            result = mail_fetch(source)
            if profile:
                profile.disable()
        cpu, elapsed = time.process_time() - began, time.perf_counter() - wall
        assert result.cases == args.messages, result
        assert InboundMessage.objects.count() == args.messages + warmup
        load = Path("/proc/loadavg").read_text().split()[0]
        print(
            f"{args.messages:,} messages: {cpu / args.messages * 1000:.2f} ms of this process's "
            f"CPU a message, {len(queries) / args.messages:.1f} queries a "
            f"message ({elapsed:.1f} s wall, load average {load})"
        )
        if profile:
            profile.dump_stats(args.profile)
    finally:
        shutil.rmtree(private, ignore_errors=True)


if __name__ == "__main__":
    main()
