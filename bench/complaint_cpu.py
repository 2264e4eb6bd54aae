"""What one public complaint costs the portal's own process: CPU milliseconds (median of many),
queries and calls to Redis — the figure a shared, loaded machine does not blur as much as
throughput.

Posts complaints through the public API (``POST /api/v1/public/complaints/``, a new customer
each) with Django's test client, in production mode, in this process, on a database that
``bench/complaints.py`` made (migrated and seeded; it is written to, not dropped):

    CHARTER_ENV=test DATABASE_URL=postgres://postgres@127.0.0.1:5432/charter \\
    REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/complaint_cpu.py \\
        --database charter_bench_complaints --posts 300

``--form`` posts the homepage's HTML form instead (``POST /complaint/`` with its CSRF token,
one browser's cookies, as ``bench/peer.py``'s throughput does); ``--honeypot`` posts that form
with its hidden field filled, which a bot would: everything a public POST does (middleware,
CSRF, the form, the rate limits, the session, the redirect) but no case written, the floor
under any complaint. ``--profile FILE`` also writes a
cProfile (CPU time) of the timed posts.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="charter_bench_complaints")
    parser.add_argument("--posts", type=int, default=300, help="timed complaints")
    parser.add_argument("--warmups", type=int, default=20, help="complaints before timing")
    parser.add_argument("--profile", default="", help="write a cProfile here")
    parser.add_argument("--form", action="store_true", help="the HTML form, not the API")
    parser.add_argument("--honeypot", action="store_true", help="the form, its hidden field set")
    return parser.parse_args()


def production_settings(database: str) -> None:
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    os.environ.update(
        {
            "CHARTER_ENV": "production",
            "DATABASE_URL": f"{base}/{database}",
            "SECRET_KEY": "bench-cpu-not-a-secret-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": "http://127.0.0.1:8000",
            "EMAIL_HOST": "127.0.0.1",
            "SMS_BACKEND": "file",
            "SECURE_SSL_REDIRECT": "false",
            # where bench/complaints.py (bench/pages.py) collected the static files
            "STATIC_ROOT": str(
                Path(os.environ.get("TMPDIR", "/tmp")) / "charter-bench-pages" / "static"
            ),
            "CHARTER_API_USER_RATE": "1000000/minute",
            "CHARTER_API_ANON_RATE": "1000000/minute",
            "CHARTER_PUBLIC_PER_IP_HOUR": "1000000",
            "CHARTER_PUBLIC_PER_IP_DAY": "1000000",
            "CHARTER_PUBLIC_PER_EMAIL_HOUR": "1000000",
            "CHARTER_PUBLIC_PER_EMAIL_DAY": "1000000",
        }
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "charter_portal.settings")
    sys.path.insert(0, str(ROOT))


class RedisCalls:
    """Commands sent to Redis by this process (a pipeline or a script is one)."""

    def __init__(self) -> None:
        import redis.connection

        self.count = 0
        real = redis.connection.Connection.send_packed_command

        def counted(connection, command, *args, **kwargs):
            self.count += 1
            return real(connection, command, *args, **kwargs)

        redis.connection.Connection.send_packed_command = counted


def database_cpu_seconds(connection) -> float:
    """CPU seconds (user + system) of this connection's PostgreSQL process so far, from
    ``/proc`` (the server runs on this machine)."""
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    args = parse_args()
    args.form = args.form or args.honeypot
    production_settings(args.database)
    import cProfile
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="127.0.0.1", enforce_csrf_checks=args.form)
    run = time.time_ns()
    token = ""
    if args.form:
        page = client.get("/complaint/").content.decode()
        token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]

    def post(number: int) -> None:
        body = {
            "name": "벤치고객",
            "organisation": "벤치기관",
            "email": f"cpu{run}-{number}@bench.example.com",
            "phone": "02-0000-0000",
            "category": "complaint",
            "service": "",
            "subject": "시세수신장애 문의",
            "message": "벤치마크가 보낸 민원입니다.",
            "consent": True,
        }
        if args.form:
            form = {**body, "consent": "on", "csrfmiddlewaretoken": token}
            if args.honeypot:
                form["website"] = "https://spam.example.com/"
            response = client.post(  # as a browser and bench/peer.py send it
                "/complaint/", urlencode(form), content_type="application/x-www-form-urlencoded"
            )
            assert response.status_code == 302, response.content[:300]
            return
        response = client.post(
            "/api/v1/public/complaints/", json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 201, response.content[:300]

    for number in range(args.warmups):
        post(number)
    calls = RedisCalls()
    with CaptureQueriesContext(connection) as captured:
        post(-1)
    queries, redis_calls = len(captured.captured_queries), calls.count
    profile = cProfile.Profile(time.process_time) if args.profile else None
    cpu = []
    backend = database_cpu_seconds(connection)
    for number in range(args.posts):
        began = time.process_time()
        if profile is not None:
            profile.enable()
        post(args.warmups + number)
        if profile is not None:
            profile.disable()
        cpu.append((time.process_time() - began) * 1000)
    backend = database_cpu_seconds(connection) - backend
    if profile is not None:
        profile.dump_stats(args.profile)
    quartiles = statistics.quantiles(cpu, n=4)
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    what = "honeypot hits" if args.honeypot else "complaints"
    print(
        f"{args.posts} {what}: CPU ms median {statistics.median(cpu):.2f} "
        f"(quartiles {quartiles[0]:.2f}–{quartiles[2]:.2f}); {queries} queries with BEGIN and "
        f"COMMIT; {redis_calls} calls to Redis (the delivery task's publication included); "
        f"database server CPU {backend * 1000 / args.posts:.2f} ms a complaint (its process); "
        f"load average after {load}"
    )


if __name__ == "__main__":
    main()
