"""In-process CPU time of the staff list pages: the Django test client against an existing
data set (read only), each page as each person, median of ``--runs`` after a warm-up, with
the view's query count and the database's share; ``--profile PAGE`` prints that page's
cProfile instead, ``--explain PAGE`` each of its statements' ``EXPLAIN (ANALYZE, BUFFERS,
TIMING OFF)`` planning and execution times (median of 15 after 2), as each person.

```sh
CHARTER_ENV=test REDIS_URL=redis://127.0.0.1:6379/9 \
DATABASE_URL=postgres://postgres@127.0.0.1:5432/charter_bench_pages_100k \
    .venv/bin/python bench/list_cpu.py --runs 10
```
"""

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import time

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "charter_portal.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from charter_portal.accounts.two_factor import CLEARED_KEY  # noqa: E402

PAGES = (
    ("desk list", "/desk/requests/", ("admin", "head.infrastructure", "manager")),
    ("desk list · status", "/desk/requests/?status=in_progress", ("admin",)),
    ("desk list · clock breached", "/desk/requests/?clock=breached", ("admin", "manager")),
    ("desk list · clock at risk", "/desk/requests/?clock=at_risk", ("admin",)),
    ("desk list · clock on track", "/desk/requests/?clock=on_track", ("admin",)),
    ("desk list · clock none", "/desk/requests/?clock=none", ("admin",)),
    ("desk list · page 20", "/desk/requests/?page=20", ("admin",)),
    ("desk queue", "/desk/", ("admin", "manager")),
    ("API requests, 25", "/api/v1/requests/?page_size=25", ("admin", "head.infrastructure")),
    ("API calls, 25", "/api/v1/calls/?page_size=25", ("admin",)),
    ("search · subject words", "/desk/requests/?q=modification+%2312345", ("admin",)),
    ("company dashboard (year under way)", "/reports/?period=year", ("admin",)),
    (
        "search · customer",
        "/desk/requests/?q=%EA%B0%80%EC%83%81%EA%B3%A0%EA%B0%9D+1234",
        ("admin",),
    ),
)


def timed(client: Client, path: str) -> tuple[float, float, int, float]:
    """CPU ms of the process, database ms, queries and wall ms of one view."""
    with CaptureQueriesContext(connection) as captured:
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="ko")
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert response.status_code == 200, (path, response.status_code)
    database = sum(float(q["time"]) for q in captured.captured_queries)
    return cpu * 1000, database * 1000, len(captured.captured_queries), wall * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--profile", help="a page's name (as listed) to profile as the admin")
    parser.add_argument("--explain", help="a page's name (as listed) to EXPLAIN, query by query")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    users = get_user_model().objects.in_bulk(
        {who for _p, _path, people in PAGES for who in people}, field_name="username"
    )
    clients = {}
    for username, user in users.items():
        clients[username] = Client()
        clients[username].force_login(user)
        # Past the second factor (a data set prepared by bench/pages.py gives admins and
        # managers an authenticator): the timed pages, not the code step's redirect.
        session = clients[username].session
        session[CLEARED_KEY] = user.pk
        session.save()
    if args.explain:
        path, people = {name: (path, who) for name, path, who in PAGES}[args.explain]
        for who in people:
            explain(clients[who], path, who)
        return
    if args.profile:
        path = {name: path for name, path, _who in PAGES}[args.profile]
        for _ in range(3):
            timed(clients["admin"], path)
        profile = cProfile.Profile()
        profile.enable()
        timed(clients["admin"], path)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)
        return
    print(f"load average {os.getloadavg()[0]:.2f} at the start")
    print("| who | page | CPU ms (median) | DB ms (median) | wall ms (median) | queries |")
    print("|---|---|---:|---:|---:|---:|")
    for name, path, people in PAGES:
        for who in people:
            for _ in range(2):
                timed(clients[who], path)
            runs = [timed(clients[who], path) for _ in range(args.runs)]
            cpu = statistics.median(r[0] for r in runs)
            database = statistics.median(r[1] for r in runs)
            wall = statistics.median(r[3] for r in runs)
            counts = sorted({r[2] for r in runs})
            queries = "–".join(str(c) for c in (counts[0], counts[-1]) if c is not None)
            if counts[0] == counts[-1]:
                queries = str(counts[0])
            print(
                f"| {who} | {name} | {cpu:.1f} | {database:.1f} | {wall:.1f} | {queries} |",
                flush=True,
            )
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


def statement_times(cursor, sql: str, *, runs: int, timing: bool = True) -> list[tuple]:
    """``sql`` planned and run again ``runs`` times (``EXPLAIN (ANALYZE, BUFFERS)``, without
    per-node timing unless ``timing``): PostgreSQL's planning and execution ms of each run."""
    options = "ANALYZE, BUFFERS" if timing else "ANALYZE, BUFFERS, TIMING OFF"
    times = []
    for _ in range(runs):
        cursor.execute(f"EXPLAIN ({options}) {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        times.append(
            tuple(
                float(re.search(rf"{name} Time: ([\d.]+)", plan)[1])
                for name in ("Planning", "Execution")
            )
        )
    return times


def explain(client: Client, path: str, who: str) -> None:
    """Each SELECT of one view planned and run again, 17 times: the median of the last 15
    planning and execution times, without per-node timing (which costs more than a 50-row
    query itself)."""
    timed(client, path)
    with CaptureQueriesContext(connection) as captured:
        client.get(path, HTTP_ACCEPT_LANGUAGE="ko")
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            if not query["sql"].lstrip("(").startswith("SELECT"):
                continue
            times = statement_times(cursor, query["sql"], runs=17, timing=False)
            planning, execution = (statistics.median(t[i] for t in times[2:]) for i in (0, 1))
            print(f"{who}: run {execution:6.2f} ms, plan {planning:5.2f} ms: {query['sql'][:90]}")


if __name__ == "__main__":
    main()
