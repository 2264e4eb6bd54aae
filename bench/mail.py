"""How fast does the poll turn a full mailbox into cases, and does its memory stay flat?

Starts a real Dovecot on a loopback port (the tests' throw-away server), fills its inbox with
N messages written straight into its Maildir (each a new customer's new e-mail with a Korean
subject and body; one in five carries a 20 kB PDF), creates its own PostgreSQL database
(dropped and made again on each run), migrates and seeds it, then runs the poll in this process
— IMAP fetch, parse, route, the request with its clocks and acknowledgement, the raw .eml and
the attachment in the private storage, the batch marked read — in polls of ``--per-poll``
messages, printing each poll's rate and the process's resident memory after it.

    CHARTER_ENV=test DATABASE_URL=postgres://postgres@127.0.0.1:5432/charter \\
    REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/mail.py [--messages 10000]

The Redis database given is flushed (the acknowledgements' delivery tasks go there, no worker
reads them): give it one of its own. Only the server of DATABASE_URL is used; the database is
``--database`` (``charter_bench_mail``).
"""

import argparse
import os
import shutil
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
    parser.add_argument("--per-poll", type=int, default=1_000)
    parser.add_argument("--batch", type=int, default=50, help="messages fetched at a time")
    parser.add_argument("--threads", type=int, default=4, help="CHARTER_MAIL_THREADS")
    parser.add_argument("--database", default="charter_bench_mail")
    return parser.parse_args()


def rss_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


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


def main() -> None:
    args = parse_args()
    if os.environ.get("CHARTER_ENV") != "test" or "REDIS_URL" not in os.environ:
        raise SystemExit("run with CHARTER_ENV=test, DATABASE_URL and REDIS_URL (see --help)")
    from bench.sweep import create_database, timed

    database_url = create_database(os.environ["DATABASE_URL"], args.database)
    os.environ.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="charter_portal.settings")

    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.core.management import call_command

    from requests_desk.mail.fetch import mail_poll
    from requests_desk.models import InboundMessage, Request
    from tests.requests_desk.mail.dovecot import Dovecot

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    timed("migrate", lambda: call_command("migrate", verbosity=0))
    timed("seed_charter", lambda: call_command("seed_charter", verbosity=0))
    dovecot = Dovecot()
    private = Path(tempfile.mkdtemp(prefix="charter-bench-mail-"))
    try:
        timed("start Dovecot", dovecot.start)
        timed(
            f"write {args.messages:,} messages into its Maildir",
            lambda: fill(dovecot, args.messages),
        )
        for name, value in dovecot.settings().items():
            setattr(settings, name, value)
        settings.CHARTER_MAIL_MAILDIR = ""
        settings.CHARTER_MAIL_BATCH = args.batch
        settings.CHARTER_MAIL_THREADS = args.threads
        settings.CHARTER_MAIL_MAX_PER_POLL = args.per_poll
        settings.CHARTER_PRIVATE_MEDIA_ROOT = private
        settings.DEBUG = False

        rss_before = rss_mib()
        print(f"resident memory before the first poll: {rss_before:.1f} MiB", flush=True)
        began, cpu_began, read, rss = time.perf_counter(), time.process_time(), 0, []
        while read < args.messages:
            poll_began = time.perf_counter()
            result = mail_poll()
            if not result.read:
                break
            read += result.read
            rss.append(rss_mib())
            elapsed = time.perf_counter() - poll_began
            print(
                f"poll: {result.read:5d} messages in {elapsed:6.1f} s = "
                f"{result.read / elapsed:6.1f}/s; resident {rss[-1]:.1f} MiB",
                flush=True,
            )
        total = time.perf_counter() - began
        cpu = time.process_time() - cpu_began
        assert Request.objects.filter(channel="email").count() == args.messages
        assert InboundMessage.objects.filter(outcome="new_case").count() == args.messages
        assert not dovecot.unseen()
        print(
            f"\n{args.messages:,} messages → {args.messages:,} cases in {total:.1f} s: "
            f"{args.messages / total:.1f} messages/s; this process's CPU time "
            f"{cpu / args.messages * 1000:.1f} ms a message (PostgreSQL's not counted)",
            flush=True,
        )
        print(
            f"resident memory: {rss_before:.1f} MiB before, {rss[0]:.1f} after the first poll, "
            f"{max(rss):.1f} at most, {rss[-1]:.1f} after the last",
            flush=True,
        )
    finally:
        dovecot.close()
        shutil.rmtree(private, ignore_errors=True)


if __name__ == "__main__":
    main()
