"""In-process CPU time of the staff request page: the Django test client against an existing
data set (read only but for the personal-data reads it logs), as each person, on the request
`bench/pages.py` times (the sixth newest the person sees) or ``--request``; median of
``--runs`` after a warm-up, with the view's query count and the database's share;
``--profile`` prints the admin's view's cProfile (CPU time) instead, ``--explain`` each of the
view's statements' ``EXPLAIN (ANALYZE, BUFFERS)`` times (best of 5) and their sum.

```sh
CHARTER_ENV=test REDIS_URL=redis://127.0.0.1:6379/9 \\
DATABASE_URL=postgres://postgres@127.0.0.1:5432/charter_bench_pages_100k \\
    .venv/bin/python bench/request_page_cpu.py --runs 10
```
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time

sys.path.insert(0, os.getcwd())

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.list_cpu import statement_times, timed
from charter_portal.accounts.two_factor import CLEARED_KEY
from commitments.access import divisions_of
from requests_desk.models import Request

PEOPLE = ("admin", "head.infrastructure", "manager")


def request_of(user) -> int:
    visible = Request.objects.visible_to(divisions_of(user)).order_by("-received_at", "-id")
    return visible.values_list("pk", flat=True)[5]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--request", type=int, help="this request's page, for everyone")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--top", type=int, default=50)
    args = parser.parse_args()
    users = get_user_model().objects.in_bulk(PEOPLE, field_name="username")
    print(f"load average {os.getloadavg()[0]:.2f} at the start")
    if not args.explain:
        print("| who | request | CPU ms (median) | DB ms (median) | wall ms (median) | queries |")
        print("|---|---:|---:|---:|---:|---:|")
    for who in PEOPLE if not args.profile else ("admin",):
        client = Client()
        client.force_login(users[who])
        # Past the second factor (bench/pages.py gives admins and managers an authenticator).
        session = client.session
        session[CLEARED_KEY] = users[who].pk
        session.save()
        pk = args.request or request_of(users[who])
        path = f"/desk/requests/{pk}/"
        for _ in range(3):
            timed(client, path)
        if args.explain:
            explain(client, path, who)
            continue
        if args.profile:
            profile = cProfile.Profile(time.process_time)
            profile.enable()
            for _ in range(args.runs):
                timed(client, path)
            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)
            return
        runs = [timed(client, path) for _ in range(args.runs)]
        cpu = statistics.median(r[0] for r in runs)
        database = statistics.median(r[1] for r in runs)
        wall = statistics.median(r[3] for r in runs)
        counts = sorted({r[2] for r in runs})
        queries = str(counts[0]) if counts[0] == counts[-1] else f"{counts[0]}–{counts[-1]}"
        print(f"| {who} | {pk} | {cpu:.1f} | {database:.1f} | {wall:.1f} | {queries} |", flush=True)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


def explain(client: Client, path: str, who: str) -> None:
    """Each statement of one view, planned and run again: PostgreSQL's own planning and
    execution times (the INSERT of the personal-data read is not run twice)."""
    with CaptureQueriesContext(connection) as captured:
        client.get(path, HTTP_ACCEPT_LANGUAGE="ko")
    planning = execution = 0.0
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            if not query["sql"].startswith("SELECT"):
                print(f"{who}: not run again: {query['sql'][:70]}")
                continue
            best = min(statement_times(cursor, query["sql"], runs=5), key=sum)
            planning, execution = planning + best[0], execution + best[1]
            print(f"{who}: plan {best[0]:5.2f} ms, run {best[1]:5.2f} ms: {query['sql'][:70]}")
    print(
        f"{who}: {len(captured.captured_queries)} statements, planning {planning:.2f} ms, "
        f"execution {execution:.2f} ms",
        flush=True,
    )


if __name__ == "__main__":
    main()
